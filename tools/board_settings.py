#!/usr/bin/env python3
"""What each setting for small boards saves, measured on MicroPython's
unix port (the numbers of docs/boards.md, "Settings for small boards").

Usage::

    .venv/bin/python tools/board_settings.py            # about 35 s
    .venv/bin/python tools/board_settings.py --runs 1   # about 12 s

Each measure starts a ``microdot_asyncio`` app (the threaded ``microdot``
one for TLS) under ``.venv/bin/micropython`` with ``MICROPYPATH=src:.frozen``
and the settings under test, and drives it from CPython over real loopback
sockets. In the app a sampler task runs ``gc.collect()`` and reads
``gc.mem_alloc()`` every 10 ms; the handlers, and a wrapper of the file
that ``send_file`` reads, sample too. The samples are written to a file
that this script reads, so a measure needs no free connection of the app.
Every route is requested once before a measure, so that module imports and
first-use allocations are not counted. "Live heap" is what is allocated
right after a collection: what must fit in the board's free RAM.

The unix port is 64-bit (8-byte pointers, 16-byte heap blocks); a 32-bit
board needs a bit less for the same objects, while a byte buffer
(a body, a file block) costs the same. Only loopback is used; only the
processes started here are stopped, by PID.
"""
import argparse
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
FILE_SIZE = 32 * 1024

APP = '''\
import asyncio, gc, os
import microdot, microdot_asyncio
from microdot_asyncio import Microdot, Request, Response, send_file
SETTINGS = %r
PORT = %d
# on the core's classes and microdot_asyncio's: send_file makes a
# microdot.Response, and microdot_asyncio.Microdot has its own
# max_connections
for key, value in SETTINGS.items():
    owner, name = key.split('.')
    for module in (microdot, microdot_asyncio):
        setattr(getattr(module, owner), name, value)
PEAK = [0]

def sample():
    gc.collect()
    now = gc.mem_alloc()
    if now > PEAK[0]:
        PEAK[0] = now
    return now

app = Microdot()

@app.route('/')
async def index(req):
    sample()
    return 'hi'

@app.post('/body')
async def body(req):
    if req.body:
        size = len(req.body)
        sample()
    else:
        size = 0
        while True:
            chunk = await req.stream.read(512)
            sample()
            if not chunk:
                break
            size += len(chunk)
    return str(size)

class Sampled:
    def __init__(self, f):
        self.f = f

    def read(self, n=-1):
        data = self.f.read(n)
        sample()
        return data

    def close(self):
        self.f.close()

@app.route('/file')
async def file(req):
    return send_file('file.bin', stream=Sampled(open('file.bin', 'rb')))

async def sampler():
    while True:
        now = sample()
        try:
            os.remove('reset')
            PEAK[0] = now
        except OSError:
            pass
        with open('mem.tmp', 'w') as f:
            f.write('%%d %%d' %% (now, PEAK[0]))
        os.rename('mem.tmp', 'mem.txt')
        await asyncio.sleep_ms(10)

async def main():
    asyncio.create_task(sampler())
    await app.start_server(host='127.0.0.1', port=PORT)

asyncio.run(main())
'''

TLS_APP = '''\
import gc
import _microdot_errors  # both runs: a TLS client's close loads it first
from microdot import Microdot
from microdot_ssl import create_ssl_context
PORT, TLS = %d, %r
app = Microdot()

@app.route('/')
def index(req):
    gc.collect()
    return str(gc.mem_alloc())

app.run(host='127.0.0.1', port=PORT,
        ssl=create_ssl_context('cert.der', 'key.der') if TLS else None)
'''


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class App:
    """The measuring app under micropython, in a directory of its own."""

    def __init__(self, workdir, program, port):
        self.workdir = workdir
        self.port = port
        self.log = tempfile.TemporaryFile()
        env = dict(os.environ, MICROPYPATH=os.path.join(ROOT, 'src') +
                   ':.frozen')
        self.proc = subprocess.Popen(
            [MICROPYTHON, '-c', program],
            cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.log.seek(0)
                sys.exit('the app did not start:\n' + self.log.read().decode())
            try:
                socket.create_connection(('127.0.0.1', self.port), 1).close()
                break
            except OSError:
                time.sleep(0.02)

    def mem(self):
        """(live heap now, peak since the last reset), once they settle."""
        time.sleep(0.15)
        with open(os.path.join(self.workdir, 'mem.txt')) as f:
            now, peak = f.read().split()
        return int(now), int(peak)

    def reset(self):
        time.sleep(0.15)
        open(os.path.join(self.workdir, 'reset'), 'w').close()
        while os.path.exists(os.path.join(self.workdir, 'reset')):
            time.sleep(0.01)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


def connect(port, tls=None):
    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    return tls.wrap_socket(sock) if tls else sock


def exchange(sock, data):
    """Send a request and read its response (Content-Length framed)."""
    sock.sendall(data)
    buffer = b''
    while b'\r\n\r\n' not in buffer:
        buffer += sock.recv(65536)
    head, _, body = buffer.partition(b'\r\n\r\n')
    length = 0
    for line in head.split(b'\r\n')[1:]:
        name, _, value = line.partition(b':')
        if name.strip().lower() == b'content-length':
            length = int(value)
    while len(body) < length:
        body += sock.recv(65536)
    return head.split(b' ')[1], body


def get(port, path, extra=b'', close=True, tls=None):
    sock = connect(port, tls)
    request = b'GET %s HTTP/1.1\r\nHost: x\r\n%s%s\r\n' % (
        path.encode(), extra, b'Connection: close\r\n' if close else b'')
    result = exchange(sock, request)
    if close:
        sock.close()
        return result
    return sock


def post(port, body):
    with connect(port) as sock:
        return exchange(sock, b'POST /body HTTP/1.1\r\nHost: x\r\n'
                        b'Connection: close\r\nContent-Length: %d\r\n\r\n%s'
                        % (len(body), body))


def run_app(settings, measure):
    """Start the app with ``settings``, warm it up, run ``measure(app)``."""
    workdir = tempfile.mkdtemp(prefix='board-settings-')
    with open(os.path.join(workdir, 'file.bin'), 'wb') as f:
        f.write(b'x' * FILE_SIZE)
    port = free_port()
    app = App(workdir, APP % (settings, port), port)
    try:
        warm_up(app)
        return measure(app)
    finally:
        app.stop()
        app.log.close()
        shutil.rmtree(workdir, ignore_errors=True)


def warm_up(app):
    get(app.port, '/')
    post(app.port, b'x' * 600)
    get(app.port, '/file')
    get(app.port, '/nope')


def peak_of(action):
    def measure(app):
        base, _ = app.mem()
        app.reset()
        action(app)
        _, peak = app.mem()
        return peak - base
    return measure


# what the clients of held_by() send: a whole request (then they wait,
# kept alive), or half a head (then they stall)
WHOLE = b'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
HALF = b'GET / HTTP/1.1\r\nHost: x\r\n'


def held_by(count, sent, settle=0.0):
    """Live heap held by ``count`` connections that each sent ``sent`` and
    then nothing (kept-alive idle ones, stalled ones, or ones waiting under
    max_connections), then after ``settle`` seconds (a timeout)."""
    def measure(app):
        base, _ = app.mem()
        socks = []
        for _ in range(count):
            sock = connect(app.port)
            sock.sendall(sent)
            socks.append(sock)
        time.sleep(0.3)
        held = app.mem()[0] - base
        released = None
        if settle:
            time.sleep(settle)
            released = app.mem()[0] - base
        for sock in socks:
            sock.close()
        return held, released
    return measure


def malloc_heap(pid):
    """Resident bytes of the process's C heap (the ``[heap]`` mapping):
    malloc's memory, where the unix port's mbedTLS keeps a session (the
    Python heap is a separate mapping)."""
    with open('/proc/%d/smaps' % pid) as f:
        in_heap = False
        for line in f:
            if line[0] in '0123456789abcdef' and ' ' in line and \
                    '-' in line.split()[0]:
                in_heap = line.rstrip().endswith('[heap]')
            elif in_heap and line.startswith('Rss:'):
                return int(line.split()[1]) * 1024
    return 0


def tls_heap(tls):
    """(live heap inside a handler serving one request, the C heap while
    one kept-alive connection is open), plain or TLS. mbedTLS allocates its
    session with malloc on the unix port, outside the Python heap."""
    openssl = shutil.which('openssl')
    if tls and not openssl:
        return None
    workdir = tempfile.mkdtemp(prefix='board-tls-')
    try:
        if tls:
            pem_key = os.path.join(workdir, 'key.pem')
            pem_cert = os.path.join(workdir, 'cert.pem')
            for args in (['req', '-x509', '-newkey', 'ec', '-pkeyopt',
                          'ec_paramgen_curve:prime256v1', '-nodes', '-days',
                          '2', '-subj', '/CN=localhost', '-keyout', pem_key,
                          '-out', pem_cert],
                         ['x509', '-in', pem_cert, '-outform', 'DER', '-out',
                          os.path.join(workdir, 'cert.der')],
                         ['ec', '-in', pem_key, '-outform', 'DER', '-out',
                          os.path.join(workdir, 'key.der')]):
                subprocess.run([openssl] + args, check=True,
                               capture_output=True, timeout=30)
        port = free_port()
        app = App(workdir, TLS_APP % (port, tls), port)
        context = None
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            values = [int(get(port, '/', tls=context)[1]) for _ in range(3)]
            sock = get(port, '/', close=False, tls=context)
            time.sleep(0.2)
            rss = malloc_heap(app.proc.pid)
            sock.close()
        finally:
            app.stop()
            app.log.close()
        return min(values), rss
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def measures():
    """(setting, value, what is measured, a function returning bytes or a
    pair of bytes) for every row of the table."""
    body = b'b' * 16000
    header = b'X-Long: ' + b'h' * 1900 + b'\r\n'
    rows = []
    # connections: 6 at once, as a browser opens them
    for cap in (1024, 2, 1):
        rows.append(('Microdot.max_connections', cap,
                     '6 kept-alive connections: live heap held',
                     lambda cap=cap: run_app({'Microdot.max_connections': cap},
                                             held_by(6, WHOLE))[0]))
    # timeouts: what idle and stalled connections hold, and when it goes
    rows.append(('Microdot.keep_alive_timeout', 1, '6 idle connections: '
                 'held, then after 1.5 s', lambda: run_app(
                     {'Microdot.keep_alive_timeout': 1},
                     held_by(6, WHOLE, settle=1.5))))
    rows.append(('Request.socket_read_timeout', 1, '6 clients stalled '
                 'mid-head: held, then after 1.5 s', lambda: run_app(
                     {'Request.socket_read_timeout': 1},
                     held_by(6, HALF, settle=1.5))))
    # bodies
    for settings, label in (({}, 'defaults'),
                            ({'Request.max_body_length': 1024},
                             'max_body_length=1024'),
                            ({'Request.max_content_length': 1024},
                             'max_content_length=1024')):
        rows.append(('Request body limits', label, 'POST of 16,000 B: peak '
                     'over baseline', lambda settings=settings: run_app(
                         settings, peak_of(lambda app: post(app.port,
                                                            body)))))
    # buffers
    for size in (256, 1024, 4096):
        rows.append(('Response.send_file_buffer_size', size, 'send_file of '
                     '32 KiB: peak over baseline', lambda size=size: run_app(
                         {'Response.send_file_buffer_size': size},
                         peak_of(lambda app: get(app.port, '/file')))))
    for size in (2048, 512):
        rows.append(('Request.max_readline', size, 'a 1,910 B header line: '
                     'peak over baseline', lambda size=size: run_app(
                         {'Request.max_readline': size},
                         peak_of(lambda app: get(app.port, '/', header)))))
    if shutil.which('openssl'):
        rows.append(('TLS (microdot_ssl, threaded)', '1 socket', 'Python '
                     'heap, C heap (mbedTLS): TLS minus plain', lambda: tuple(
                         tls - plain for tls, plain in zip(tls_heap(True),
                                                           tls_heap(False)))))
    return rows


def median(values):
    """The median of ints, or of pairs element by element."""
    if isinstance(values[0], tuple):
        return tuple(median(list(column)) for column in zip(*values))
    return sorted(values)[len(values) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--runs', type=int, default=3,
                        help='runs of each measure; the median is printed '
                        '(default 3)')
    args = parser.parse_args()
    if not os.access(MICROPYTHON, os.X_OK):
        sys.exit('no %s: run make test once (it installs it)' % MICROPYTHON)
    print('%-32s %-24s %-50s %s' % ('setting', 'value', 'measure',
                                    'bytes (median of %d)' % args.runs))
    for setting, value, label, measure in measures():
        results = [measure() for _ in range(args.runs)]
        spread = '' if min(results) == max(results) else '  (runs: %s)' % (
            ', '.join(str(result) for result in results))
        print('%-32s %-24s %-50s %s%s' % (setting, value, label,
                                         median(results), spread), flush=True)


if __name__ == '__main__':
    main()
