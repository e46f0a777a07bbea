"""Microdot: the impossibly small web framework.

The core API and a threaded HTTP/1.1 server. Under MicroPython, which has no
threading module, the server handles one connection at a time.

Example::

    from microdot import Microdot

    app = Microdot()

    @app.route('/')
    def index(request):
        return 'Hello, world!'

    app.run()
"""
import errno
import socket
import time

from _microdot_http import HTTPException, urlencode, urldecode_str, \
    urldecode_bytes
from _microdot_core import NoCaseDict, MultiDict, Request, run_sync, \
    StreamConnection
from _microdot_response import Response
from _microdot_routing import URLPattern
from _microdot_app import Microdot as _App, print_exception, \
    serve_connection

try:
    import select
except ImportError:  # pragma: no cover
    import uselect as select

try:
    import queue
    import threading
except ImportError:  # MicroPython's unix port and most boards
    threading = None

__all__ = ['Microdot', 'Request', 'Response', 'URLPattern', 'HTTPException',
           'NoCaseDict', 'MultiDict', 'abort', 'redirect', 'send_file',
           'urlencode', 'urldecode_str', 'urldecode_bytes']

# Socket errors that mean the client went away: not worth a traceback.
# MicroPython's unix port reports a write to a reset socket as EINTR.
_CLIENT_GONE = (errno.ECONNRESET, getattr(errno, 'EPIPE', 32),
                getattr(errno, 'EINTR', 4),
                errno.ETIMEDOUT, errno.ENOTCONN, errno.EBADF,
                errno.ECONNABORTED, errno.EAGAIN)


_CLIENT_GONE_TYPES = ('timeout', 'TimeoutError', 'ConnectionResetError',
                      'BrokenPipeError', 'ConnectionAbortedError')


def _client_gone(exc):
    # a failed TLS handshake is the client's doing too (plain HTTP, say)
    name = type(exc).__name__
    return exc.args[:1] and exc.args[0] in _CLIENT_GONE or \
        name in _CLIENT_GONE_TYPES or name.startswith('SSL')


def abort(status_code, reason=None):
    """Stop the current request with an HTTP error response.

    Example::

        abort(404, 'No such user')
    """
    raise HTTPException(status_code, reason)


def redirect(location, status_code=302):
    """Return a redirect response to ``location``."""
    return Response.redirect(location, status_code=status_code)


def send_file(filename, status_code=200, content_type=None, stream=None,
              max_age=None, compressed=False, file_extension=''):
    """Return a response that sends a file (see ``Response.send_file``)."""
    return Response.send_file(filename, status_code, content_type, stream,
                              max_age, compressed, file_extension)


def _set_timeout(sock, seconds):
    if hasattr(sock, 'settimeout'):  # MicroPython's SSLSocket has not
        sock.settimeout(seconds)


def _timed_out():
    return OSError(errno.ETIMEDOUT, 'timed out')


class _SocketConnection(StreamConnection):
    """Blocking I/O on one client socket, with timeouts."""

    def __init__(self, sock, idle_timeout, listener=None):
        # MicroPython's SSLSocket has no makefile; it reads lines itself
        StreamConnection.__init__(self, sock.makefile('rb') if hasattr(
            sock, 'makefile') else sock)
        self.sock = sock
        self.send = sock.sendall if hasattr(sock, 'sendall') else sock.write
        self.idle_timeout = idle_timeout
        self.listener = listener
        self.idle = False

    def readline(self, limit):
        line = self.stream.readline(limit)
        if line is None:  # MicroPython's way to say the read timed out
            raise _timed_out()
        return line

    def read(self, size):
        data = self.stream.read(size)
        if data is None:
            raise _timed_out()
        return data

    def write(self, data):
        self.send(data)

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
            poller = select.poll()
            poller.register(self.sock, select.POLLIN)
            if self.listener is not None:
                poller.register(self.listener, select.POLLIN)
            events = poller.poll(int(self.idle_timeout * 1000))
            return any(event[0] is self.sock or event[0] == self.sock
                       for event in events)
        except OSError:
            return False
        finally:
            self.idle = False
            _set_timeout(self.sock, Request.socket_read_timeout)

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

    def interrupt_if_idle(self):
        if self.idle:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):
                pass

    def close(self):
        for closable in (self.stream, self.sock):
            try:
                closable.close()
            except OSError:
                pass


class _Workers:
    """Threads that serve connections and then wait for the next one.

    Starting a thread costs more than a short request: they are started
    only when every existing one is busy, up to ``limit``.
    """

    def __init__(self, target, limit):
        self.target = target
        self.limit = limit
        self.queue = queue.SimpleQueue()
        self.threads = []
        self.idle = 0
        self.lock = threading.Lock()

    def submit(self, *args):
        self.queue.put(args)
        with self.lock:
            if self.queue.qsize() > self.idle and \
                    len(self.threads) < self.limit:
                thread = threading.Thread(target=self._run)
                thread.daemon = True
                self.threads.append(thread)
                thread.start()

    def _run(self):
        while True:
            with self.lock:
                self.idle += 1
            args = self.queue.get()
            with self.lock:
                self.idle -= 1
            if args is None:
                return
            self.target(*args)

    def stop(self, deadline):
        """Let the workers finish what they serve, until ``deadline``."""
        for _ in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join(max(deadline - time.time(), 0))


class Microdot(_App):
    """A web application with a threaded HTTP/1.1 server (see ``run``)."""
    #: Seconds a persistent connection may sit idle between requests.
    keep_alive_timeout = 5
    #: Connections served at once (one thread each); more wait their turn.
    max_connections = 64
    #: Seconds ``run`` waits for in-flight requests after ``shutdown``.
    shutdown_timeout = 10
    request_class = Request

    def __init__(self):
        _App.__init__(self)
        self.stopping = False
        self.server = None
        self._connections = []

    def run(self, host='0.0.0.0', port=5000, debug=False, ssl=None):
        """Serve the application until ``shutdown()`` (blocking).

        Example::

            app.run(port=8000, debug=True)
        """
        self.debug = debug
        self.stopping = False
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(socket.getaddrinfo(host, port)[0][-1])
        listener.listen(128)
        self.server = listener
        if debug:
            print('Starting {} server on {}:{}...'.format(
                'threaded' if threading else 'sync', host, port))
        try:
            if threading:
                self._serve_threaded(listener, ssl)
            else:
                self._serve_one_at_a_time(listener, ssl)
        except KeyboardInterrupt:  # pragma: no cover
            pass
        finally:
            listener.close()
            self.server = None

    def shutdown(self):
        """Stop accepting connections; requests in flight are completed."""
        self.stopping = True
        for connection in list(self._connections):
            connection.interrupt_if_idle()

    def _serve_threaded(self, listener, ssl):
        slots = threading.BoundedSemaphore(self.max_connections)
        workers = _Workers(self._worker_main, self.max_connections)
        listener.settimeout(0.25)  # to notice shutdown()
        while not self.stopping:
            if not slots.acquire(timeout=0.25):
                continue
            try:
                sock, addr = listener.accept()
            except OSError:
                slots.release()
                continue
            workers.submit(sock, addr, ssl, slots)
        workers.stop(time.time() + self.shutdown_timeout)

    def _worker_main(self, sock, addr, ssl, slots):
        try:
            self.handle_request(sock, addr, ssl)
        finally:
            slots.release()

    def _serve_one_at_a_time(self, listener, ssl):
        while not self.stopping:
            sock, addr = listener.accept()
            self.handle_request(sock, addr, ssl, listener)

    def handle_request(self, sock, addr, ssl=None, listener=None):
        """Serve every request of one client connection, then close it."""
        connection = None
        try:
            # set before wrapping: it also bounds the TLS handshake, and
            # MicroPython's SSLSocket has no settimeout (its socket has)
            sock.settimeout(Request.socket_read_timeout)
            if ssl:
                sock = ssl.wrap_socket(sock, server_side=True)
            connection = _SocketConnection(sock, self.keep_alive_timeout,
                                           listener)
            self._connections.append(connection)
            if listener is None or connection.wait_for_request():
                run_sync(serve_connection(self, connection, addr, sock))
        except OSError as exc:
            if not _client_gone(exc):
                print_exception(exc)
        except Exception as exc:
            print_exception(exc)
        finally:
            if connection is not None:
                self._connections.remove(connection)
                connection.close()
            else:
                sock.close()
