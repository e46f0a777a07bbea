"""A benchmark server subprocess: pinned to a CPU, logged to a file (never a
pipe, which a chatty server could fill and block on), stopped by its PID."""
import os
import shutil
import socket
import subprocess
import tempfile
import time

HOST = '127.0.0.1'


def free_port():
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def pinned(cpu, argv):
    if shutil.which('taskset') and (os.cpu_count() or 1) > 1:
        return ['taskset', '-c', str(cpu)] + argv
    return argv


class ServerProcess:
    """Starts ``argv`` on CPU 0; ``port`` is where it listens."""

    def __init__(self, argv, env, cwd, port):
        self.port = port
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            pinned(0, argv), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=self.log, start_new_session=True)

    def wait_listening(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError('exited: %s' % self.output()[-2000:])
            try:
                with socket.create_connection((HOST, self.port), timeout=1):
                    return deadline
            except OSError:
                time.sleep(0.05)
        raise RuntimeError('not listening after %s s' % timeout)

    def output(self):
        self.log.seek(0)
        return self.log.read().decode(errors='replace')

    def stop(self, timeout=5):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
