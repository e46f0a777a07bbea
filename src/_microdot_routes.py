"""The route table's rarer work: patterns that need a regular expression
(``<re:...>``, or ``<path:...>`` before the last segment), ``mount``, the
methods a path allows (405, OPTIONS, ``OPTIONS *``), and request targets
other than a path (``*``, ``http://host/path``). Loaded on first use.
"""
import re

from _microdot_http import HTTPException


def request_target(method, target, headers):
    """The URL to route for a target that does not start with ``/``.

    ``*`` (asterisk-form) stands for ``OPTIONS`` only; an absolute-form
    target (``http://host/path?query``, RFC 9112 3.2.2) is routed by its
    path and query, and its authority replaces the Host header. Anything
    else is a 400.
    """
    if target == '*' and method == 'OPTIONS':
        return target
    scheme, _, rest = target.partition('://')
    end = len(rest)  # the authority ends at the first '/' or '?'
    for mark in '/?':
        if 0 <= rest.find(mark) < end:
            end = rest.find(mark)
    if scheme.lower() not in ('http', 'https') or not end or \
            '@' in rest[:end] or '#' in rest:
        raise HTTPException(400)
    headers['Host'] = rest[:end]
    return ('' if rest[end:end + 1] == '/' else '/') + rest[end:]


def mount(app, subapp, url_prefix):
    """``Microdot.mount``: add the routes, hooks and error handlers of
    ``subapp`` to ``app``."""
    for methods, pattern, handler in subapp.url_map:
        app.route(url_prefix + pattern.url_pattern, methods)(handler)
    app.before_request_handlers += subapp.before_request_handlers
    app.after_request_handlers += subapp.after_request_handlers
    app.after_error_request_handlers += subapp.after_error_request_handlers
    app.error_handlers.update(subapp.error_handlers)


def allowed_methods(app, path):
    """Every method that some route of ``app`` for ``path`` accepts (for
    ``*``, that any route accepts)."""
    allowed = []
    for methods, pattern, _ in app.url_map:
        if path == '*' or pattern.match(path) is not None:
            for method in methods:
                if method not in allowed:
                    allowed.append(method)
    return allowed


def unrouted(app, req):
    """What ``find_route`` gives for a request that no route takes: the
    OPTIONS handler, 405 or 404."""
    allowed = allowed_methods(app, req.path)
    if req.method == 'OPTIONS' and (allowed or req.path == '*') and \
            app.options_handler:
        return app.options_handler
    return 405 if allowed else 404


def options_response(app, req):
    """``Microdot.default_options_handler``: the methods the URL accepts."""
    allowed = allowed_methods(app, req.path)
    if 'GET' in allowed and 'HEAD' not in allowed:
        allowed.append('HEAD')
    return app.response_class(headers={
        'Allow': ', '.join(allowed + ['OPTIONS'])})


def compile_pattern(pattern):
    """The compiled regex of a URLPattern, a positional group per argument
    (MicroPython's re has no named groups)."""
    regex = ''
    for kind, text in pattern.segments:
        if kind is None:
            if regex or text:  # MicroPython's re has no re.escape
                regex += '/'
                for char in text:
                    regex += '\\' + char if char in '.^$*+?{}[]\\|()' \
                        else char
        else:
            regex += '/(' + {'string': '[^/]+', 'int': '-?[0-9]+',
                             'path': '.+'}.get(kind, kind[3:]) + ')'
    try:
        return re.compile('^' + regex + '$')
    except Exception:
        raise ValueError('invalid URL pattern: ' + pattern.url_pattern)
