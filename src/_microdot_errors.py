"""What went wrong: error responses (the app's error handlers, default
texts, 405's Allow), reason phrases, and which I/O errors only mean that
the client left.

Loaded with the first status other than 200, or the first error.
"""
import errno

from _microdot_http import HTTPException, print_exception
from _microdot_response import make_response

# one string rather than a dict of strings: a third of the RAM
_REASONS = '''
100 Continue
201 Created
202 Accepted
204 No Content
206 Partial Content
301 Moved Permanently
302 Found
303 See Other
304 Not Modified
307 Temporary Redirect
308 Permanent Redirect
400 Bad Request
401 Unauthorized
403 Forbidden
404 Not Found
405 Method Not Allowed
406 Not Acceptable
408 Request Timeout
409 Conflict
410 Gone
411 Length Required
412 Precondition Failed
413 Payload Too Large
414 URI Too Long
415 Unsupported Media Type
416 Range Not Satisfiable
417 Expectation Failed
418 I'm a teapot
422 Unprocessable Content
429 Too Many Requests
431 Request Header Fields Too Large
500 Internal Server Error
501 Not Implemented
502 Bad Gateway
503 Service Unavailable
504 Gateway Timeout
505 HTTP Version Not Supported
'''


def reason_phrase(status_code):
    """Return the standard reason phrase of a status code."""
    if status_code == 200:
        return 'OK'
    start = _REASONS.find('\n%d ' % status_code) + 5
    if start > 4:
        return _REASONS[start:_REASONS.index('\n', start)]
    return ('Unknown', 'Informational', 'Success', 'Redirection',
            'Client Error', 'Server Error')[min(max(status_code // 100, 0),
                                                5)]


def error_body(status_code, reason=None):
    """The text of a default error response: the reason phrase, or its
    sentence-case form for 400, 404, 405, 413 and 500 (as Microdot 1.x)."""
    if reason:
        return reason
    reason = reason_phrase(status_code)
    if status_code in (400, 404, 405, 413, 500):
        reason = reason[0] + reason[1:].lower()
    return reason


def client_gone(exc):
    """Whether an I/O error (or a timeout) only says that the client left.

    A failed TLS handshake is the client's doing too (plain HTTP, say).
    MicroPython's unix port reports a write to a reset socket as EINTR (4);
    its errno has no EPIPE (32).
    """
    name = type(exc).__name__
    return exc.args[:1] and exc.args[0] in (
        errno.ECONNRESET, errno.ETIMEDOUT, errno.ENOTCONN, errno.EBADF,
        errno.ECONNABORTED, errno.EAGAIN, 32, 4) or \
        name in ('timeout', 'TimeoutError', 'ConnectionResetError',
                 'BrokenPipeError', 'ConnectionAbortedError') or \
        name.startswith('SSL')


def error_response(app, req, exc):
    """Generator of the calls that turn an exception into a Response.

    The app's handler for the status or the exception class is called (a
    status handler with ``(req)``, an exception handler ``(req, exc)``);
    ``req`` is None for a request that could not be read.
    """
    try:
        args = (req,)
        if isinstance(exc, HTTPException):
            status_code = exc.status_code
            handler = app.error_handlers.get(status_code)
        else:
            print_exception(exc)
            status_code, handler = 500, app.error_handlers.get(500)
            classes = [type(exc)]  # MicroPython has no __mro__: walk bases
            for cls in classes:
                if cls in app.error_handlers:
                    handler, args = app.error_handlers[cls], (req, exc)
                    break
                for base in cls.__bases__:
                    if base not in classes:
                        classes.append(base)
        if handler is not None:
            res = make_response((yield handler, args, {}), app.response_class)
        else:
            res = app.response_class(error_body(status_code, getattr(
                exc, 'reason', None)), status_code)
        if res.status_code == 405 and 'Allow' not in res.headers:
            from _microdot_routes import allowed_methods
            res.headers['Allow'] = ', '.join(allowed_methods(app, req.path))
        return res
    except Exception as error:  # a failing error handler
        print_exception(error)
        return app.response_class(exc.reason, exc.status_code) \
            if req is None else app.response_class(
                'Internal server error', 500)


def error_flow(app, req, exc):
    """Generator of the calls that answer an exception raised by the
    request flow: the error response, then the after-error hooks."""
    res = yield from error_response(app, req, exc)
    try:
        for hook in app.after_error_request_handlers:
            res = make_response((yield hook, (req, res), {}) or res,
                                app.response_class)
    except Exception as exc:
        print_exception(exc)
        res = app.response_class('Internal server error', 500)
    return res


def refuse(app, conn, exc):
    """Generator of the calls that answer a request that could not be read
    (``exc``, an HTTPException) and discard the rest of its input; the
    connection then closes."""
    res = yield from error_response(app, None, exc)
    yield from res.write_steps(conn.write, '1.1', False)
    if app.debug:
        print('- - {}'.format(res.status_code))
    yield conn.discard_input, (), {}


def unsplit(res, exc):
    """The 500 response that replaces ``res``, whose header value ``exc``
    found to have a CR or LF (response splitting); logged."""
    print_exception(exc)
    res.close()
    return type(res)('Internal server error', 500)


def not_sync(function, value):
    """Refuse ``value``, the coroutine that ``function`` returned to the
    sync driver (``run_sync``): TypeError."""
    value.close()
    raise TypeError('%r is a coroutine: use microdot_asyncio to serve async '
                    'handlers' % function)
