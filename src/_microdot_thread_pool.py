"""The threaded server where ``threading`` exists (CPython): one poller for
idle connections, worker threads for requests.

A connection that waits for bytes (a new one, or a kept-alive one between
requests) waits in the accept loop's ``select.poll`` and holds no thread; a
TLS handshake runs there too, non-blocking, with its own deadline
(``microdot_ssl.HANDSHAKE_TIMEOUT``). When
bytes arrive the connection goes to a worker, which serves one request and
hands a kept-alive connection back. Up to ``max_connections`` workers serve
at once; started only when every existing one is busy (starting a thread
costs more than a short request).
"""
import errno
import queue
import select
import socket
import ssl as _ssl
import threading
import time
from collections import deque

from _microdot_http import run_sync, print_exception
from _microdot_errors import client_gone
from _microdot_threaded import SocketConnection
from microdot import serve_connection

_POLL_MS = 100  # how often expired connections are closed, stopping noticed
# a worker waits this long for a kept-alive client's next request before
# handing it to the poller: a busy client's next request usually comes
# sooner than a trip through the poller would take
_LINGER_MS = 2
_READY = select.POLLIN | select.POLLHUP | select.POLLERR


class Client:
    """A client connection between the poller and the workers."""

    def __init__(self, sock, addr, deadline, handshaking=False):
        self.sock = sock  # the socket polled and served (TLS: wrapped)
        self.addr = addr
        self.deadline = deadline  # time.monotonic() when it is closed
        self.handshaking = handshaking
        self.conn = None  # SocketConnection, from the first request on
        self.steps = None  # serve_connection(), paused between requests


def _until_idle(steps, conn, value):
    # the calls of serve_connection ``steps`` up to the wait for the next
    # request, where it pauses (returns True; the connection waits in the
    # poller, not in a worker); False when the connection is done. ``value``
    # resumes it: None to start, True for "a request is coming"
    send = steps.send
    while True:
        try:
            call = send(value)
        except StopIteration:
            return False
        if call[0] == conn.wait_for_request:
            return True
        try:
            send, value = steps.send, (yield call)
        except Exception as exc:
            send, value = steps.throw, exc


def _next_request_comes(conn):
    # True when the next request is here (or comes within _LINGER_MS): a
    # pipelined one may already sit in the stream's buffer, or decrypted
    # in the TLS object (pending()), where poll cannot see it
    conn.sock.settimeout(0)
    try:
        if conn.stream.peek(1):
            return True
    except OSError:  # nothing yet (a TLS socket says SSLWantReadError)
        pass
    finally:
        conn.sock.settimeout(conn.read_timeout)
    poller = select.poll()
    poller.register(conn.sock, select.POLLIN)
    return bool(poller.poll(_LINGER_MS))


class Server:
    """The accept loop, its poller, and the workers of one ``run()``."""

    def __init__(self, app, listener, ssl):
        self.app = app
        self.listener = listener
        self.ssl = ssl
        if ssl:
            import microdot_ssl
            self.handshake_timeout = microdot_ssl.HANDSHAKE_TIMEOUT
        self.poller = select.poll()
        self.waiting = {}  # fd -> Client, in the poller
        self.returned = deque()  # handed back by workers, to register
        self.wake, self.waker = socket.socketpair()
        self.waker.setblocking(False)
        self.jobs = queue.SimpleQueue()
        self.threads = []
        self.lock = threading.Lock()
        self.idle_workers = 0

    def run(self):
        """Accept and poll until ``app.shutdown()``, then stop the workers
        (within ``shutdown_timeout``) and close the idle connections."""
        self.listener.setblocking(False)
        for sock in (self.listener, self.wake):
            self.poller.register(sock, select.POLLIN)
        listener, wake = self.listener.fileno(), self.wake.fileno()
        next_expiry = 0
        try:
            while not self.app.stopping:
                for fd, _ in self.poller.poll(_POLL_MS):
                    if fd == listener:
                        self.accept()
                    elif fd == wake:
                        self.register_returned()
                    elif fd in self.waiting:
                        self.poller.unregister(fd)
                        self.ready(self.waiting.pop(fd))
                now = time.monotonic()
                if now >= next_expiry:  # a scan of every idle connection
                    self.expire(now)
                    next_expiry = now + _POLL_MS / 1000
        finally:
            self.stop()

    def stop(self):
        for client in list(self.waiting.values()):
            self.close(client)
        self.waiting.clear()
        deadline = time.monotonic() + self.app.shutdown_timeout
        for _ in self.threads:
            self.jobs.put(None)
        for thread in self.threads:
            thread.join(max(deadline - time.monotonic(), 0))
        while self.returned:
            self.close(self.returned.popleft())
        self.wake.close()
        self.waker.close()

    def accept(self):
        timeout = self.app.request_class.socket_read_timeout
        while True:
            try:
                sock, addr = self.listener.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    self.close_oldest()  # out of descriptors
                elif exc.errno != errno.ECONNABORTED:
                    print_exception(exc)
                return
            now = time.monotonic()
            # as asyncio does: a small write goes out at once, not after
            # the peer's delayed ACK (HTTPS requests took 44 ms, now 3 ms)
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # macOS: EINVAL once the peer has closed
                pass
            if self.ssl:
                sock.setblocking(False)
                try:
                    sock = self.ssl.wrap_socket(
                        sock, server_side=True, do_handshake_on_connect=False)
                except (OSError, ValueError):
                    sock.close()
                    continue
                self.wait(Client(sock, addr, now + self.handshake_timeout,
                                 True))
            else:  # the first request line comes within the read timeout
                self.wait(Client(sock, addr, now + timeout))

    def wait(self, client, events=select.POLLIN):
        self.waiting[client.sock.fileno()] = client
        self.poller.register(client.sock, events)

    def ready(self, client):
        """Bytes arrived (or the peer closed): a worker serves them; a TLS
        handshake is taken a step further here."""
        if client.handshaking:
            try:
                client.sock.do_handshake()
            except _ssl.SSLWantReadError:
                return self.wait(client)
            except _ssl.SSLWantWriteError:
                return self.wait(client, select.POLLOUT)
            except (OSError, ValueError):  # not TLS, or gone
                return self.close(client)
            client.handshaking = False
            client.deadline = time.monotonic() + \
                self.app.request_class.socket_read_timeout
            if not client.sock.pending():
                return self.wait(client)
        self.jobs.put(client)
        with self.lock:
            if self.jobs.qsize() > self.idle_workers and \
                    len(self.threads) < self.app.max_connections:
                self.threads.append(threading.Thread(target=self.work,
                                                     daemon=True))
                self.threads[-1].start()

    def expire(self, now):
        for fd, client in list(self.waiting.items()):
            if client.deadline <= now:
                del self.waiting[fd]
                self.poller.unregister(fd)
                self.close(client)

    def close_oldest(self):
        if not self.waiting:
            time.sleep(0.05)  # every descriptor is in a worker's hands
            return
        fd = min(self.waiting, key=lambda fd: self.waiting[fd].deadline)
        self.poller.unregister(fd)
        self.close(self.waiting.pop(fd))

    def register_returned(self):
        try:
            self.wake.recv(4096)
        except OSError:
            pass
        while self.returned:
            self.wait(self.returned.popleft())

    def hand_back(self, client):
        """From a worker: the connection waits for its next request."""
        if self.app.stopping:
            return self.close(client)
        client.conn.idle = True  # shutdown() closes it
        client.deadline = time.monotonic() + self.app.keep_alive_timeout
        self.returned.append(client)
        try:
            self.waker.send(b'\0')
        except OSError:  # full: the poller is already woken
            pass

    def work(self):
        while True:
            with self.lock:
                self.idle_workers += 1
            client = self.jobs.get()
            with self.lock:
                self.idle_workers -= 1
            if client is None:
                return
            self.serve(client)

    def serve(self, client):
        """Serve one request of a client (more if they are already
        buffered), then hand it back or close it."""
        app, value = self.app, True
        try:
            if client.conn is None:
                client.sock.settimeout(app.request_class.socket_read_timeout)
                client.conn = SocketConnection(app, client.sock)
                app.connections.append(client.conn)
                client.steps = serve_connection(app, client.conn,
                                                client.addr, client.sock)
                value = None
            client.conn.idle = False
            while run_sync(_until_idle(client.steps, client.conn, value)):
                if not _next_request_comes(client.conn):
                    return self.hand_back(client)
                value = True
        except OSError as exc:
            if not client_gone(exc):
                print_exception(exc)
        except Exception as exc:
            print_exception(exc)
        self.close(client)

    def close(self, client):
        if client.steps is not None:
            client.steps.close()
        if client.conn is not None:
            if client.conn in self.app.connections:
                self.app.connections.remove(client.conn)
            try:
                client.conn.stream.close()
            except OSError:
                pass
        try:
            client.sock.close()
        except OSError:
            pass


def serve_threaded(app, listener, ssl):
    """Accept connections until ``app.shutdown()``; each request goes to a
    worker thread."""
    Server(app, listener, ssl).run()
