"""The threaded HTTP/1.1 server behind ``Microdot.run()``.

Loaded by the first ``run()``. Where ``threading`` exists, requests are
served by worker threads and idle connections wait in one poller
(``_microdot_thread_pool``); without threads (MicroPython's unix port and
most boards) one connection at a time, an idle one (a new one too, before
its first byte or ClientHello) given up as soon as another client waits.
"""
import errno
import socket
import time

from _microdot_http import Connection, run_sync, print_exception
from microdot import serve_connection

try:
    import select
except ImportError:  # pragma: no cover
    import uselect as select

try:
    import threading
except ImportError:  # MicroPython's unix port and most boards
    threading = None

def _set_timeout(sock, seconds):
    if hasattr(sock, 'settimeout'):  # MicroPython's SSLSocket has not
        sock.settimeout(seconds)


def _readable(sock, listener, seconds):
    # True when ``sock`` has input (or EOF) within ``seconds``, False when
    # another client waits on ``listener`` first (one connection at a time)
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    if listener is not None:
        poller.register(listener, select.POLLIN)
    for event in poller.poll(int(seconds * 1000)):
        if event[0] is sock or event[0] == sock:
            return True
    return False


class SocketConnection(Connection):
    """Blocking I/O on one client socket, with timeouts."""

    def __init__(self, app, sock, listener=None):
        # MicroPython's SSLSocket has no makefile; it reads lines itself
        self.stream = sock.makefile('rb') if hasattr(sock, 'makefile') \
            else sock
        self.sock = sock
        self.write = sock.sendall if hasattr(sock, 'sendall') else sock.write
        self.idle_timeout = app.keep_alive_timeout
        self.read_timeout = app.request_class.socket_read_timeout
        self.listener = listener
        self.idle = False

    def readline(self, limit):
        # MicroPython's readline(n) allocates n bytes up front: read 256
        # bytes first (a 2 KB block may be missing on a fragmented heap when
        # 256 B ones are not), the rest up to ``limit`` only for a line that
        # long
        line = b''
        while True:
            size = limit - len(line) if line else min(limit, 256)
            part = self.stream.readline(size)
            if part is None:  # MicroPython's way to say the read timed out
                raise OSError(errno.ETIMEDOUT, 'timed out')
            line += part
            if len(part) < size or part[-1:] == b'\n' or len(line) >= limit:
                return line

    def read(self, size):
        data = self.stream.read(size)
        if data is None:
            raise OSError(errno.ETIMEDOUT, 'timed out')
        return data

    def wait_for_request(self):
        """Wait until the next request starts; False on timeout or EOF.

        A single-threaded server gives an idle connection up as soon as
        another client waits on its listener.
        """
        self.idle = True
        try:
            if hasattr(self.stream, 'peek'):  # CPython: data may be buffered
                _set_timeout(self.sock, self.idle_timeout)
                return bool(self.stream.peek(1))
            return _readable(self.sock, self.listener, self.idle_timeout)
        except OSError:
            return False
        finally:
            self.idle = False
            _set_timeout(self.sock, self.read_timeout)

    def set_read_timeout(self, seconds):
        _set_timeout(self.sock, seconds)

    def discard_input(self):
        """Read and drop what the client still sends, briefly.

        Closing a socket with unread input makes the kernel send a reset,
        which can destroy the error response before the client reads it.
        """
        try:
            if hasattr(self.sock, 'shutdown'):
                self.sock.shutdown(socket.SHUT_WR)
            _set_timeout(self.sock, 0.1)
            receive = getattr(self.sock, 'recv', None) or self.sock.read
            deadline = time.time() + 1
            for _ in range(64):
                if not receive(1024) or time.time() > deadline:
                    break
        except OSError:
            pass

    def close_if_idle(self):
        if self.idle:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass


def serve(app, host, port, debug, ssl):
    """Serve ``app`` until ``app.shutdown()`` (``Microdot.run``)."""
    app.debug = debug
    app.stopping = False
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(socket.getaddrinfo(host, port)[0][-1])
    listener.listen(128)
    app.server = listener
    if debug:
        print('Starting {} server on {}:{}...'.format(
            'threaded' if threading else 'sync', host, port))
    try:
        if threading:
            from _microdot_thread_pool import serve_threaded
            serve_threaded(app, listener, ssl)
        else:
            while not app.stopping:
                sock, addr = listener.accept()
                serve_socket(app, sock, addr, ssl, listener)
    except KeyboardInterrupt:  # pragma: no cover
        pass
    finally:
        listener.close()
        app.server = None


def serve_socket(app, sock, addr, ssl=None, listener=None):
    """Serve every request of one client socket, then close it."""
    connection = None
    try:
        # set before wrapping: it also bounds the TLS handshake, and
        # MicroPython's SSLSocket has no settimeout (its socket has)
        sock.settimeout(app.request_class.socket_read_timeout)
        # one at a time: wait for the first byte (a ClientHello too) on the
        # plain socket, giving it up if another client comes first
        if listener is not None and not _readable(sock, listener,
                                                  app.keep_alive_timeout):
            return
        if ssl:
            sock = ssl.wrap_socket(sock, server_side=True)
        connection = SocketConnection(app, sock, listener)
        app.connections.append(connection)
        run_sync(serve_connection(app, connection, addr, sock))
    except OSError as exc:
        from _microdot_errors import client_gone  # with the first error
        if not client_gone(exc):
            print_exception(exc)
    except Exception as exc:
        print_exception(exc)
    finally:
        if connection is not None:
            app.connections.remove(connection)
            for closable in (connection.stream, sock):
                try:
                    closable.close()
                except OSError:
                    pass
        else:
            sock.close()
