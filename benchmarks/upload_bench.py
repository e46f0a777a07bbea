"""``make bench-upload``: a large multipart upload saved to disk.

1. ours (benchmarks/upload_app.py: microdot_asyncio, ``FormDataIter`` and
   ``FileUpload.save``) takes a ``--size-mb`` upload (100 by default): the
   server's RSS growth (VmRSS from /proc/PID/status, sampled every few ms
   during the upload; the peak minus the baseline taken after a warm-up
   upload);
2. its throughput in MB/s against Starlette with python-multipart under
   uvicorn (benchmarks/upload_starlette.py: ``request.form()``, then the
   file written in 64 KiB chunks), same client, same run, runs interleaved;
3. under MicroPython (``.venv/bin/micropython``, the asyncio server): a
   ``--mp-size-mb`` upload (1 by default) and the live heap's growth during
   it (sampled inside the app, see upload_app.py).

The client streams: a multipart head, the file in 64 KiB chunks of one
random block, the closing boundary; it never holds the file. Starlette,
python-multipart and uvicorn (the project venv's version) go into
``benchmarks/.venvs/upload`` on first use. Options: ``--size-mb``,
``--runs``, ``--skip-peer``, ``--skip-mp``. Bounded: every wait has a
timeout, servers run on 127.0.0.1 and are stopped by their PIDs, and the
temporary directory is removed.
"""
import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from _process import HOST, ServerProcess, free_port

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SRC = os.path.join(ROOT, 'src')
PEER_VENV = os.path.join(HERE, '.venvs', 'upload')
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')
CHUNK = 64 * 1024
BOUNDARY = 'bench-upload-7d1f0c2a9e'
MB = 1024 * 1024
TIMEOUT = 120  # seconds for any one upload


# -- client ------------------------------------------------------------------

def upload(port, size, block):
    """POST ``size`` bytes (``block`` repeated) as the part ``file``;
    return (seconds, the server's answer)."""
    head = ('--%s\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.bin"\r\nContent-Type: application/octet-stream'
            '\r\n\r\n' % BOUNDARY).encode()
    tail = ('\r\n--%s--\r\n' % BOUNDARY).encode()
    request = ('POST /upload HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n'
               'Content-Type: multipart/form-data; boundary=%s\r\n'
               'Content-Length: %d\r\n\r\n' % (
                   BOUNDARY, len(head) + size + len(tail))).encode()
    start = time.perf_counter()
    with socket.create_connection((HOST, port), timeout=TIMEOUT) as sock:
        sock.sendall(request + head)
        left = size
        while left:
            sock.sendall(block[:min(left, len(block))])
            left -= min(left, len(block))
        sock.sendall(tail)
        answer = b''
        while True:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    seconds = time.perf_counter() - start
    status, _, body = answer.partition(b'\r\n\r\n')
    if not status.startswith(b'HTTP/1.1 200') or body.strip() != \
            str(size).encode():
        raise RuntimeError('upload failed: %r' % answer[:300])
    return seconds


def check_saved(directory, size, block):
    path = os.path.join(directory, 'upload.bin')
    if os.path.getsize(path) != size:
        raise RuntimeError('%s holds %d bytes, not %d' % (
            path, os.path.getsize(path), size))
    with open(path, 'rb') as f:
        if f.read(len(block)) != block[:size]:
            raise RuntimeError('%s: wrong content' % path)
    os.remove(path)


# -- RSS ---------------------------------------------------------------------

def rss(pid):
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) * 1024
    raise RuntimeError('no VmRSS for %d' % pid)


class RSSSampler(threading.Thread):
    """The peak VmRSS of ``pid`` while running (every 2 ms)."""

    def __init__(self, pid):
        threading.Thread.__init__(self, daemon=True)
        self.pid, self.peak, self.samples = pid, rss(pid), 0
        self.done = threading.Event()

    def run(self):
        while not self.done.wait(0.002):
            self.peak = max(self.peak, rss(self.pid))
            self.samples += 1

    def stop(self):
        self.done.set()
        self.join(5)
        self.peak = max(self.peak, rss(self.pid))


# -- servers -----------------------------------------------------------------

def installed_version(python, dist):
    done = subprocess.run(
        [python, '-c', 'import importlib.metadata as m; print(m.version(%r))'
         % dist], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() if done.returncode == 0 else None


def peer_python():
    """The python of PEER_VENV, with starlette, python-multipart and the
    project venv's uvicorn and h11 (installed on first use, or again when
    that list changes)."""
    wanted = ['starlette', 'python-multipart'] + [
        '%s==%s' % (d, installed_version(sys.executable, d))
        for d in ('uvicorn', 'h11')]
    python = os.path.join(PEER_VENV, 'bin', 'python')
    stamp = os.path.join(PEER_VENV, '.bench-upload-requirements')
    if os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == '\n'.join(wanted):
                return python
    if not os.path.exists(python):
        print('creating %s' % PEER_VENV, flush=True)
        subprocess.run([sys.executable, '-m', 'venv', PEER_VENV], check=True,
                       timeout=300)
    subprocess.run([python, '-m', 'pip', 'install', '-q',
                    '--disable-pip-version-check'] + wanted, check=True,
                   timeout=900)
    with open(stamp, 'w') as f:
        f.write('\n'.join(wanted))
    return python


def start_ours(directory):
    port = free_port()
    env = dict(os.environ, PYTHONPATH=SRC, PYTHONDONTWRITEBYTECODE='1')
    server = ServerProcess([sys.executable, os.path.join(
        HERE, 'upload_app.py'), str(port), directory], env, ROOT, port)
    server.wait_listening(10)
    return server


def start_starlette(python, directory):
    port = free_port()
    env = dict(os.environ, UPLOAD_DIR=directory, PYTHONDONTWRITEBYTECODE='1')
    env.pop('PYTHONPATH', None)
    server = ServerProcess([python, '-m', 'uvicorn', 'upload_starlette:app',
                            '--host', HOST, '--port', str(port),
                            '--no-access-log', '--loop', 'asyncio',
                            '--http', 'h11'], env, HERE, port)
    server.wait_listening(30)
    return server


def start_micropython(directory, module):
    port = free_port()
    env = dict(os.environ, MICROPYPATH=SRC + ':.frozen')
    server = ServerProcess([MICROPYTHON, os.path.join(HERE, 'upload_app.py'),
                            str(port), directory, module], env, ROOT, port)
    server.wait_listening(10)
    return server


def get(port, path):
    with socket.create_connection((HOST, port), timeout=10) as sock:
        sock.sendall(('GET %s HTTP/1.1\r\nHost: bench\r\nConnection: close'
                      '\r\n\r\n' % path).encode())
        answer = b''
        while True:
            data = sock.recv(4096)
            if not data:
                return answer.partition(b'\r\n\r\n')[2]
            answer += data


# -- the three measures ------------------------------------------------------

def measure_rss(server, directory, size, block):
    upload(server.port, 4 * CHUNK, block)  # warm-up
    check_saved(directory, 4 * CHUNK, block)
    time.sleep(0.2)
    baseline = rss(server.proc.pid)
    sampler = RSSSampler(server.proc.pid)
    sampler.start()
    try:
        upload(server.port, size, block)
    finally:
        sampler.stop()
    check_saved(directory, size, block)
    return baseline, sampler.peak, sampler.samples


def throughput(server, directory, size, block):
    seconds = upload(server.port, size, block)
    check_saved(directory, size, block)
    return size / MB / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size-mb', type=int, default=100)
    parser.add_argument('--runs', type=int, default=5,
                        help='throughput uploads per server (median)')
    parser.add_argument('--skip-peer', action='store_true',
                        help='no Starlette (no peer venv)')
    parser.add_argument('--skip-mp', action='store_true',
                        help='no MicroPython measure')
    parser.add_argument('--mp-size-mb', type=float, default=1)
    parser.add_argument('--mp-module', default='microdot_asyncio',
                        help='microdot_asyncio, or microdot (threaded)')
    args = parser.parse_args()
    size = args.size_mb * MB
    block = os.urandom(CHUNK)
    if hasattr(os, 'sched_setaffinity') and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})  # the servers are on CPU 0
    python = None if args.skip_peer else peer_python()
    directory = tempfile.mkdtemp(prefix='bench-upload-')
    servers = []
    try:
        ours = start_ours(directory)
        servers.append(ours)
        baseline, peak, samples = measure_rss(ours, directory, size, block)
        print('ours (microdot_asyncio): %d MB upload saved to disk, server '
              'RSS +%.2f MB (peak %.1f MB over %.1f MB after a warm-up; %d '
              'samples; goal < 5 MB)' % (
                  args.size_mb, (peak - baseline) / MB, peak / MB,
                  baseline / MB, samples), flush=True)
        peer = None
        if python:
            peer = start_starlette(python, directory)
            servers.append(peer)
            throughput(peer, directory, 4 * CHUNK, block)  # warm-up
        rates = {'ours': [], 'starlette': []}
        for _ in range(args.runs):
            rates['ours'].append(throughput(ours, directory, size, block))
            if peer:
                rates['starlette'].append(
                    throughput(peer, directory, size, block))
        line = 'throughput, %d MB upload saved to disk, median of %d: ours ' \
            '%.0f MB/s' % (args.size_mb, args.runs,
                           statistics.median(rates['ours']))
        if peer:
            line += ', Starlette + python-multipart (uvicorn) %.0f MB/s, ' \
                'ours/Starlette %.2f (goal >= 1)' % (
                    statistics.median(rates['starlette']),
                    statistics.median(rates['ours'])
                    / statistics.median(rates['starlette']))
        print(line + '  [runs: %s]' % '; '.join(
            '%s %s' % (k, ' '.join('%.0f' % r for r in v))
            for k, v in rates.items() if v), flush=True)
        for server in servers:
            server.stop()
        if not args.skip_mp:
            mp = start_micropython(directory, args.mp_module)
            servers.append(mp)
            mp_size = int(args.mp_size_mb * MB)
            upload(mp.port, CHUNK, block)  # warm-up
            check_saved(directory, CHUNK, block)
            upload(mp.port, mp_size, block)
            check_saved(directory, mp_size, block)
            start, peak = map(int, get(mp.port, '/heap').split())
            print('MicroPython (%s): %g MB upload saved to a file, live heap '
                  '+%d B during the save (peak %d B over %d B as the handler '
                  'started; goal < 8 KB)' % (
                      args.mp_module, args.mp_size_mb, peak - start, peak,
                      start), flush=True)
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == '__main__':
    main()
