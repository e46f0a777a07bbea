"""``make bench-sse``: N Server-Sent Events clients (1000 by default) on
the asyncio server (CPython, benchmarks/sse_app.py), then one broadcast:
the seconds until every client has the event. Options: ``--clients N``,
``--runs R``. Bounded: every wait has a timeout, and the server is
stopped by its PID.
"""
import argparse
import asyncio
import os
import resource
import sys
import time

from _process import HOST, ServerProcess, free_port

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 60  # seconds for any one phase


async def listen(port, ready, received):
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(b'GET /events HTTP/1.1\r\nHost: bench\r\n\r\n')
    data = b''
    while b'data: ready' not in data:
        data += await reader.read(4096)
    ready.append(1)
    while b'event: news' not in data:
        data += await reader.read(4096)
    received.append(time.perf_counter())
    writer.close()


async def one_run(port, clients):
    ready, received = [], []
    tasks = [asyncio.ensure_future(listen(port, ready, received))
             for _ in range(clients)]
    deadline = time.monotonic() + TIMEOUT
    while len(ready) < clients:
        if time.monotonic() > deadline:
            raise RuntimeError('only %d of %d clients connected'
                               % (len(ready), clients))
        await asyncio.sleep(0.05)
    reader, writer = await asyncio.open_connection(HOST, port)
    start = time.perf_counter()
    writer.write(b'POST /broadcast HTTP/1.1\r\nHost: bench\r\n'
                 b'Content-Length: 5\r\nConnection: close\r\n\r\nhello')
    await asyncio.wait_for(asyncio.gather(*tasks), TIMEOUT)
    writer.close()
    return max(received) - start, min(received) - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clients', type=int, default=1000)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(
        hard, 2 * args.clients + 256)), hard))
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'src'))
    server = ServerProcess([sys.executable, os.path.join(
        ROOT, 'benchmarks', 'sse_app.py'), str(port)], env, ROOT, port)
    try:
        server.wait_listening(10)
        for run in range(args.runs):
            last, first = asyncio.run(one_run(port, args.clients))
            print('run %d: %d SSE clients, one broadcast reached all in '
                  '%.3f s (the first in %.3f s)' % (run + 1, args.clients,
                                                    last, first))
            time.sleep(2)  # the pings drop the clients that left
    finally:
        server.stop()


if __name__ == '__main__':
    main()
