"""WebSocket (RFC 6455) for the threaded server, and the protocol that the
asyncio module and the test clients share.

Example::

    from microdot import Microdot
    from microdot_websocket import with_websocket

    app = Microdot()

    @app.route('/echo')
    @with_websocket
    def echo(request, ws):
        while True:
            message = ws.receive()
            ws.send(message)

``receive()`` raises ``ConnectionClosed`` once the client has left or
closed; ``with_websocket`` ends the route quietly then.

Inside, the protocol is written once, as generators of ``(function, args,
kwargs)`` calls like the HTTP dispatch (``WebSocket._receive``, ``_send``,
``_close`` and ``serve``): this module runs them with ``run_sync``,
``microdot_asyncio_websocket`` with ``run_async``. Everything a board
imports for WebSocket is in this one module: a private module of its own
would cost RAM on every board.
"""
import binascii
import hashlib

from microdot import Response
import _microdot_http  # one name: each imported name costs RAM

try:
    from codecs import getincrementaldecoder
except ImportError:  # MicroPython: text is checked once the message is whole
    getincrementaldecoder = None

OP_TEXT = 1
OP_BINARY = 2
OP_PING = 9


class ConnectionClosed(Exception):
    """The WebSocket is closed: the client left, or a close was exchanged.

    ``code`` is the close code (1006 when the connection just dropped) and
    ``reason`` its text: the peer's when the peer closed.
    """

    def __init__(self, code=1006, reason='', remaining=0):
        # Exception's own constructor stores the arguments in ``args``
        self.code = code
        self.reason = reason
        # inside the protocol, for a failure of the peer's: bytes of the
        # refused frame still on the wire (-1: the peer closed, none come)
        self.remaining = remaining


def accept(request):
    """The 101 response head that accepts a WebSocket opening handshake.

    Raises HTTPException(400) when the request is not one (RFC 6455 4.2.1).
    """
    headers = request.headers
    key = headers.get('Sec-WebSocket-Key', '')
    try:
        if request.method != 'GET' or \
                headers.get('Sec-WebSocket-Version') != '13' or \
                'websocket' not in ''.join(headers.get(
                    'upgrade', '').lower().split()).split(',') or \
                'upgrade' not in ''.join(headers.get(
                    'connection', '').lower().split()).split(',') or \
                len(binascii.a2b_base64(key)) != 16:
            raise ValueError()
    except ValueError:  # binascii.Error too (MicroPython has no such name)
        raise _microdot_http.HTTPException(400, 'Not a WebSocket handshake')
    return b'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n' \
        b'Connection: Upgrade\r\nSec-WebSocket-Accept: ' + \
        binascii.b2a_base64(hashlib.sha1(
            key.encode() + b'258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
        ).digest())[:-1] + b'\r\n\r\n'


def read_frame(read, limit, server=True):
    """Generator of reads; returns ``(fin, opcode, payload)`` of one frame.

    ``server``: the frames are a client's, so they must be masked (False:
    a server's, unmasked, for test clients). A frame the protocol forbids
    raises ConnectionClosed with the code to close with (1009 for a data
    frame over ``limit`` bytes, else 1002); one cut short by the end of the
    stream raises HTTPException.
    """
    head = yield from _microdot_http.read_exact(read, 2)
    opcode, size = head[0] & 15, head[1] & 127
    # reserved bits, reserved opcodes (3-7, 11-15), control frames (8-10)
    # that are fragmented or long, a client's frame not masked
    if head[0] & 112 or opcode & 7 > 2 or \
            opcode > 7 and (size > 125 or head[0] < 128) or \
            (head[1] > 127) != server:
        raise ConnectionClosed(1002)
    if size > 125:
        size = int.from_bytes((yield from _microdot_http.read_exact(
            read, 2 if size == 126 else 8)), 'big')
    if opcode < 8 and size > limit:  # pings never count; a length with
        # its top bit set is a protocol error (RFC 6455 5.2)
        raise ConnectionClosed(1002 if size >> 63 else 1009,
                               'Message too big', size + 4 * server)
    data = yield from _microdot_http.read_exact(read, size + 4 * server)
    if server:  # the masking key, then the payload: XOR-ed with the key
        # repeated from the start, the key's own bytes become zeros
        data = (int.from_bytes(data, 'big') ^ int.from_bytes(
            (data[:4] * (size // 4 + 2))[:size + 4], 'big')).to_bytes(
                size, 'big')
    if opcode == 8 and data:  # -1: after the peer's close, nothing comes
        code = int.from_bytes(data[:2], 'big')
        if size < 2 or not (999 < code < 1004 or 1006 < code < 1015 or
                            2999 < code < 5000):
            raise ConnectionClosed(1002, '', -1)
    return head[0] > 127, opcode, data


class WebSocket:
    """A server-side WebSocket: ``receive()``, ``send()`` and ``close()``."""
    #: Largest message accepted; a larger one closes with 1009. On
    #: MicroPython (no ``codecs``) 32 KiB: a board's heap is far smaller.
    max_message_size = 1 << 20 if getincrementaldecoder else 1 << 15
    # what runs the protocol's generators below: microdot_asyncio_websocket
    # sets run_async, which makes the three methods return coroutines
    run = staticmethod(_microdot_http.run_sync)

    def __init__(self, request):
        self.request = request
        self.closed = False

    def receive(self):
        """Wait for the next message: str for text, bytes for binary."""
        return self.run(self._receive())

    def send(self, data, opcode=None):
        """Send a message: str as text, bytes as binary, or ``opcode``."""
        return self.run(self._send(data, opcode))

    def close(self, code=1000, reason=''):
        """Close the WebSocket with a status code."""
        return self.run(self._close(code, reason, 0))

    def _receive(self):
        # the frames of the next message, pings answered; a failure of the
        # peer's closes with its code, the peer's close is answered
        if self.closed:
            raise ConnectionClosed()
        parts, kind, size, text = [], 0, 0, None
        try:
            while True:
                done, opcode, data = yield from read_frame(
                    self.request.connection.read, self.max_message_size - size)
                if opcode == 9:
                    yield from self._send(data, 10)
                elif opcode == 8:
                    code = int.from_bytes(data[:2], 'big') if data else 1005
                    reason = data[2:].decode()
                    yield from self._close(code if data else 1000, '', -1)
                    raise ConnectionClosed(code, reason)
                elif opcode < 8:
                    if (opcode == 0) == (kind == 0):
                        raise ConnectionClosed(1002)
                    if opcode == 1 and not done and getincrementaldecoder:
                        text = getincrementaldecoder('utf-8')()
                    if text:  # CPython: fragmented text fails fast
                        text.decode(data, done)
                    kind = kind or opcode
                    parts.append(data)
                    size += len(data)
                    if done:
                        data = b''.join(parts)
                        return data if kind == 2 else data.decode()
        except UnicodeError:  # in a close frame's reason: no more input
            exc = ConnectionClosed(1007, 'Invalid UTF-8', -(opcode == 8))
        except ConnectionClosed as closed:
            exc = closed
        except (_microdot_http.HTTPException, OSError):  # the input ended
            self.closed = True
            raise ConnectionClosed()
        yield from self._close(exc.code, exc.reason, exc.remaining)
        raise exc

    def _send(self, data, opcode):
        if self.closed:
            raise ConnectionClosed()
        if opcode is None:
            opcode = 1 if isinstance(data, str) else 2
        if isinstance(data, str):
            data = data.encode()
        size = len(data)
        n = 0 if size < 126 else 2 if size < 65536 else 8  # length bytes
        try:
            yield self.request.connection.write, (bytes((
                128 | opcode, 126 + n // 8 if n else size)) +
                size.to_bytes(8, 'big')[8 - n:] + data,), {}
        except OSError:  # the client left
            self.closed = True
            raise ConnectionClosed()

    def _close(self, code, reason, remaining):
        # send a close frame (once), then read on to the peer's close so
        # that closing TCP sends no reset: first the ``remaining`` bytes of
        # a refused frame (-1: the peer closed first), then frames
        if self.closed:
            return
        data = reason.encode()
        while len(data) > 123:  # a control frame's payload, whole chars
            reason = reason[:-1]
            data = reason.encode()
        try:
            yield from self._send(code.to_bytes(2, 'big') + data, 8)
        except ConnectionClosed:
            return
        self.closed = True
        if remaining >> 24:  # -1, or over 16 MiB to read: not worth it
            return
        read = self.request.connection.read
        try:
            self.request.connection.set_read_timeout(5)  # for silent peers
            while remaining > 0:
                data = yield read, (min(remaining, 4096),), {}
                if not data:
                    return
                remaining -= len(data)
            for _ in range(64):
                if (yield from read_frame(read, self.max_message_size))[
                        1] == 8:
                    return
        except Exception:  # a timeout, a reset, garbage: closed all the same
            pass


def websocket_upgrade(request):
    """Complete the opening handshake and return the WebSocket.

    Raises HTTPException(400) if the request is not a WebSocket handshake.
    """
    request.connection.write(accept(request))
    request.connection.set_read_timeout(None)
    return WebSocket(request)


def serve(upgrade, handler, request, args, kwargs):
    """Generator of the life of a WebSocket route, for every driver.

    ``upgrade(request)`` returns the WebSocket; the handler gets it as
    its second argument. A handler that ends closes with 1000, one that
    fails with 1011; a client that left ends it quietly.
    """
    websocket = yield upgrade, (request,), {}
    code = 1000
    try:
        yield handler, (request, websocket) + args, kwargs
    except ConnectionClosed:  # closed already: close() does nothing
        pass
    except Exception as exc:
        _microdot_http.print_exception(exc)
        code = 1011
    try:
        yield websocket.close, (code,), {}
    except (ConnectionClosed, OSError):
        pass
    return Response.already_handled


def with_websocket(f):
    """Decorator for a route whose handler takes ``(request, ws)``."""
    def handler(request, *args, **kwargs):
        return _microdot_http.run_sync(serve(websocket_upgrade, f, request,
                                             args, kwargs))
    return handler
