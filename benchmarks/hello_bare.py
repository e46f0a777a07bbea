"""The upper limit: a bare ``asyncio.Protocol`` answering a fixed response.

``python hello_bare.py PORT [--uvloop]``. It parses nothing but the blank
line that ends a request head (requests are assumed to have no body), answers
every complete head with the same ``Hello, world!`` response, and closes the
connection after the reply when the head carries ``Connection: close``. No
router, no request object, no timeouts: what is left is the cost of asyncio
(or uvloop) and the kernel, which no framework on that loop can beat.
"""
import asyncio
import sys

BODY = b'Hello, world!'
HEAD = (b'HTTP/1.1 200 OK\r\n'
        b'Content-Type: text/plain; charset=UTF-8\r\n'
        b'Content-Length: %d\r\n' % len(BODY))
KEEP = HEAD + b'\r\n' + BODY
CLOSE = HEAD + b'Connection: close\r\n\r\n' + BODY


class Hello(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.buffer = b''

    def data_received(self, data):
        self.buffer += data
        while True:
            end = self.buffer.find(b'\r\n\r\n')
            if end < 0:
                return
            head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
            if b'connection: close' in head.lower():
                self.transport.write(CLOSE)
                self.transport.close()
                return
            self.transport.write(KEEP)


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Hello, '127.0.0.1', port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == '__main__':
    if '--uvloop' in sys.argv[2:]:
        import uvloop
        uvloop.run(main(int(sys.argv[1])))
    else:
        asyncio.run(main(int(sys.argv[1])))
