"""The route table's rarer work: patterns with arguments (parsed, matched,
and compiled to a regular expression for ``<re:...>`` or a ``<path:...>``
before the last segment), ``mount``, and the methods a path allows (405,
OPTIONS, ``OPTIONS *``). Loaded on first use.
"""
import re


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


def parse_pattern(pattern):
    """Parse the segments of a URLPattern whose text has a ``<``: sets its
    ``segments`` (``(kind, text)``, kind None for a literal segment),
    ``arguments`` (``(kind, name)`` in order), ``is_static``,
    ``match_arguments`` (the function that ``match`` calls) and ``regex``
    (None when plain segments do)."""
    pattern.segments, pattern.arguments = segments, arguments = [], []
    # a regex argument or a path argument before the end: kept as regex
    kind = regex = None
    for segment in pattern.url_pattern.split('/'):
        regex = regex or kind == 'path'  # (kind: the previous segment's)
        kind = None
        if segment[:1] == '<':
            kind, _, name = segment[1:-1].rpartition(':')
            kind = kind or 'string'
            if segment[-1:] != '>' or not name or kind[:3] != 're:' \
                    and kind not in ('string', 'int', 'path'):
                raise ValueError('invalid URL pattern segment: ' + segment)
            regex = regex or kind[:3] == 're:'
            segment = name
            arguments.append((kind, name))
        segments.append((kind, segment))
    pattern.is_static = not arguments
    pattern.match_arguments = match_arguments  # a function, not a method
    pattern.regex = compile_pattern(pattern) if regex else None


def match_arguments(pattern, path):
    """``URLPattern.match`` for a pattern with arguments."""
    segments, texts = pattern.segments, []
    if pattern.regex is not None:
        found = pattern.regex.match(path)
        if found is None:
            return None
        for index in range(len(pattern.arguments)):
            texts.append(found.group(index + 1))
    else:
        parts, count = path.split('/'), len(segments)
        if segments[-1][0] == 'path' and len(parts) > count:
            parts[count - 1:] = ['/'.join(parts[count - 1:])]
        if len(parts) != count:
            return None
        for (kind, text), part in zip(segments, parts):
            if kind:
                texts.append(part)
            elif part != text:
                return None
    args = {}
    for (kind, name), text in zip(pattern.arguments, texts):
        if not text:
            return None
        if kind == 'int':
            digits = text[1:] if text[:1] == '-' else text
            if not digits or digits.strip('0123456789'):
                return None
            text = int(text)
        elif '%' in text:
            from _microdot_query import urldecode_bytes
            text = urldecode_bytes(text.encode(), False)
        args[name] = text
    return args
