"""Microdot as an ASGI 3 application, for uvicorn, hypercorn and friends.

Example::

    from microdot_asgi import Microdot

    app = Microdot()

    @app.route('/')
    async def index(request):
        return 'Hello, World!'

Run it with ``uvicorn --workers 4 module:app``.
"""
import asyncio
import multiprocessing
import os
import signal
from urllib.parse import quote

import microdot_asyncio
from microdot_asyncio import abort, redirect, send_file, Response, \
    URLPattern, HTTPException  # noqa: F401 - re-exported
from _microdot_http import HTTPException as _HTTPError, print_exception, \
    body_kind
from microdot_asyncio import run_async, dispatch
from _microdot_errors import error_response
from _microdot_adapters import server_headers, completed_headers, \
    DechunkedStream
from _microdot_body import body_or_stream
from _microdot_head import request_target

__all__ = ['Microdot', 'Request', 'Response', 'abort', 'redirect',
           'send_file']


class _ClientGone(_HTTPError):
    # http.disconnect while the request body was read: a 400 to a handler
    # reading request.stream; before dispatch, nobody to answer
    def __init__(self):
        _HTTPError.__init__(self, 400, 'Client disconnected')


class _ReceiveStream:
    """``await stream.read(n)`` over the ASGI ``receive`` channel."""

    def __init__(self, receive, length=None):
        self.receive = receive
        self.buffer = b''
        self.more = True
        self.remaining = length  # unread body bytes, None if unknown

    async def _fill(self):
        message = await self.receive()
        if message['type'] == 'http.disconnect':
            self.more = False
            raise _ClientGone()
        self.buffer += message.get('body', b'')
        self.more = message.get('more_body', False)

    async def read(self, size=-1):
        """Read up to ``size`` bytes (all that is left if -1)."""
        while self.more and (size < 0 or len(self.buffer) < size):
            await self._fill()
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        if self.remaining is not None:
            self.remaining -= len(data)
        return data


class Request(microdot_asyncio.Request):
    """A request built from an ASGI scope, available as ``asgi_scope``."""

    @classmethod
    async def from_scope(cls, app, scope, receive):
        """Build the request an ASGI server describes in ``scope``."""
        req = cls._from_scope_head(app, scope)
        if req.content_length or 'transfer-encoding' in req.headers._keys:
            await req._receive_body(receive)
        return req

    @classmethod
    def _from_scope_head(cls, app, scope):
        # the request, its body not read yet
        url = scope.get('raw_path')
        url = url.decode('latin-1') if url else quote(
            scope['path'].encode(), safe="/:@!$&'()*+,;=-._~")
        if scope.get('query_string'):
            url += '?' + scope['query_string'].decode('latin-1')
        method = scope.get('method', 'GET')
        pairs = []  # a loop costs less than a comprehension for few headers
        for name, value in scope['headers']:
            pairs.append((name.decode('latin-1'), value.decode('latin-1')))
        client = scope.get('client') or ('', 0)
        headers = server_headers(cls, method, url, pairs)
        if url[:1] not in '/?':  # absolute-form (h11's raw_path), '*'
            url = request_target(method, url, headers)
        req = cls(app, client if type(client) is tuple else tuple(client),
                  method, url, scope.get('http_version', '1.1'), headers)
        req.asgi_scope = scope
        return req

    async def _receive_body(self, receive):
        # into body, or a stream when it is too large to buffer
        kind = body_kind(self)
        if kind == 'chunked':  # the server de-chunks it
            self._body = await run_async(body_or_stream(
                self, DechunkedStream(self, _ReceiveStream(receive))))
        elif kind == 'stream':
            self._stream = _ReceiveStream(receive, self.content_length)
        elif kind:
            self._body = await _ReceiveStream(
                receive, self.content_length).read()


class _DisconnectWatch:
    # while a streamed body is sent, notice the client leaving (receive is
    # None while the handler may still read the request body)
    def __init__(self, receive):
        self.gone = False
        self.task = asyncio.ensure_future(self._watch(receive)) \
            if receive is not None else None

    async def _watch(self, receive):
        while (await receive())['type'] != 'http.disconnect':
            pass
        self.gone = True

    def stop(self):
        if self.task is not None:
            self.task.cancel()


class Microdot(microdot_asyncio.Microdot):
    """A web application that is also an ASGI 3 callable.

    ``on_startup`` and ``on_shutdown`` register functions (sync or async)
    that the ASGI lifespan protocol runs.
    """
    request_class = Request

    def __init__(self):
        microdot_asyncio.Microdot.__init__(self)
        self.startup_handlers = []
        self.shutdown_handlers = []

    def on_startup(self, f):
        """Register ``f()`` to run when the ASGI server starts."""
        self.startup_handlers.append(f)
        return f

    def on_shutdown(self, f):
        """Register ``f()`` to run when the ASGI server stops."""
        self.shutdown_handlers.append(f)
        return f

    async def __call__(self, scope, receive, send):
        # an http scope is served here, not in a coroutine of its own: one
        # frame less on every request
        if scope['type'] != 'http':
            return await self._other_scope(scope, receive, send)
        try:  # from_scope, without a coroutine when there is no body
            req = self.request_class._from_scope_head(self, scope)
            if req.content_length or 'transfer-encoding' in req.headers._keys:
                await req._receive_body(receive)
        except _ClientGone:  # the server knows: no response is expected
            return
        except _HTTPError as exc:
            res = await run_async(error_response(self, None, exc))
            res.headers['Connection'] = 'close'
        else:
            res = await run_async(dispatch(self, req))
            if (req.content_length or req._stream) and req.body_pending():
                # the server must not read the rest of the body as a
                # request (the first test spares a bodyless request a call)
                res.headers['Connection'] = 'close'
                receive = None  # while the body is unread, it is the handler's
        res, pairs = completed_headers(res)
        headers = []
        for name, value in pairs:
            headers.append((_ASGI_NAMES.get(name) or _asgi_name(name),
                            value.encode()))
        await send({'type': 'http.response.start', 'status': res.status_code,
                    'headers': headers})
        if res.bodyless(scope['method'] == 'HEAD'):
            res.close()
            await send({'type': 'http.response.body', 'body': b''})
        elif isinstance(res.body, bytes):
            await send({'type': 'http.response.body', 'body': res.body})
        else:
            await self._send_stream(res, receive, send)
        if self.stopping:  # shutdown() asked for the server to stop
            os.kill(_server_pid(), signal.SIGTERM)

    async def _other_scope(self, scope, receive, send):
        if scope['type'] == 'websocket':
            await self._websocket(scope, receive, send)
        elif scope['type'] == 'lifespan':
            await self._lifespan(receive, send)
        else:
            raise ValueError('ASGI scope type %r: not served' % scope['type'])

    async def _send_stream(self, res, receive, send):
        watch = _DisconnectWatch(receive)

        async def send_chunk(chunk):
            if watch.gone:
                raise OSError(104, 'client disconnected')
            await send({'type': 'http.response.body', 'body': chunk,
                        'more_body': True})
        try:
            await run_async(res.body_steps(send_chunk, False))
            await send({'type': 'http.response.body', 'body': b''})
        except OSError:
            pass  # the client left: stop producing the body
        finally:
            watch.stop()
            res.close()

    async def _websocket(self, scope, receive, send):
        # routed like any request; microdot_asgi_websocket's handlers take
        # over the connection and return Response.already_handled
        req = await self.request_class.from_scope(
            self, dict(scope, method='GET'), _no_body)
        req.asgi_scope = scope
        req.asgi_receive, req.asgi_send = receive, send
        res = await run_async(dispatch(self, req))
        if res is not Response.already_handled:
            await send({'type': 'websocket.close', 'code': 1008})

    async def _lifespan(self, receive, send):
        while True:
            message = await receive()
            stage = message['type'].split('.')[-1]  # startup or shutdown
            handlers = self.startup_handlers if stage == 'startup' \
                else self.shutdown_handlers
            try:
                for handler in handlers:
                    result = handler()
                    if hasattr(result, '__await__'):
                        await result
            except Exception as exc:
                print_exception(exc)
                await send({'type': 'lifespan.%s.failed' % stage,
                            'message': str(exc)})
                return
            await send({'type': 'lifespan.%s.complete' % stage})
            if stage == 'shutdown':
                return


_ASGI_NAMES = {}  # header name -> its ASGI form, for the common names


def _asgi_name(name):
    # ASGI wants header names as lowercase bytes
    encoded = name.lower().encode()
    if len(_ASGI_NAMES) < 256:
        _ASGI_NAMES[name] = encoded
    return encoded


def _server_pid():
    # uvicorn --workers runs each worker as a multiprocessing child: stop
    # the supervisor, not just this worker (it would start a new one)
    return os.getppid() if multiprocessing.parent_process() is not None \
        else os.getpid()


async def _no_body():
    return {'type': 'http.request', 'body': b'', 'more_body': False}
