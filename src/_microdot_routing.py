"""URL patterns and the route table: no I/O here."""
import re

from _microdot_core import url_arg

_DIGITS = '0123456789'
_REGEX_SPECIAL = '.^$*+?{}[]\\|()'


def _escape(text):
    # MicroPython's re has no re.escape
    return ''.join(['\\' + char if char in _REGEX_SPECIAL else char
                    for char in text])


def _parse_segment(segment):
    # '<int:id>' -> ('int', 'id'); '<re:[a-z]+:slug>' -> ('re', 'slug', '[a-z]+')
    if segment[-1:] != '>':
        raise ValueError('invalid URL pattern segment: ' + segment)
    spec = segment[1:-1]
    kind, name = spec.rsplit(':', 1) if ':' in spec else ('string', spec)
    if kind.startswith('re:'):
        return 're', name, kind[3:]
    if kind not in ('string', 'int', 'path') or not name:
        raise ValueError('invalid URL pattern segment: ' + segment)
    return kind, name, None


def _convert_int(text):
    digits = text[1:] if text[:1] == '-' else text
    if not digits:
        return None
    for char in digits:
        if char not in _DIGITS:
            return None
    return int(text)


class URLPattern:
    """A compiled route pattern such as ``/users/<int:id>``.

    Segments: ``<name>`` or ``<string:name>`` (one segment), ``<int:name>``,
    ``<path:name>`` (the rest of the path) and ``<re:REGEX:name>``.
    """

    def __init__(self, url_pattern):
        self.url_pattern = url_pattern
        self.segments = []
        self._regex = None
        for segment in url_pattern.split('/'):
            if segment[:1] == '<':
                self.segments.append(_parse_segment(segment))
            else:
                self.segments.append((None, segment, None))
        kinds = [segment[0] for segment in self.segments]
        self.is_static = kinds.count(None) == len(kinds)
        self._tail_path = kinds[-1] == 'path'
        if 're' in kinds or 'path' in kinds[:-1]:
            self._regex = self._compile_regex()

    def _compile_regex(self):
        # MicroPython's re has no named groups: groups are positional
        pattern = ''
        for kind, text, regex in self.segments:
            if kind is None:
                pattern += '/' + _escape(text) if pattern or text else ''
                continue
            regex = {'string': '[^/]+', 'int': '-?[0-9]+', 'path': '.+'}.get(
                kind, regex)
            pattern += '/(' + regex + ')'
        try:
            return re.compile('^' + pattern + '$')
        except Exception:
            raise ValueError('invalid URL pattern: ' + self.url_pattern)

    def match(self, path):
        """Return a dict of the URL arguments in ``path``, or None."""
        if self.is_static:
            return {} if path == self.url_pattern else None
        if self._regex is not None:
            return self._match_regex(path)
        parts = path.split('/')
        count = len(self.segments)
        if self._tail_path and len(parts) > count:
            parts[count - 1:] = ['/'.join(parts[count - 1:])]
        if len(parts) != count:
            return None
        args = {}
        for (kind, text, _), part in zip(self.segments, parts):
            if kind is None:
                if part != text:
                    return None
            elif not self._convert(kind, text, part, args):
                return None
        return args

    def _convert(self, kind, name, text, args):
        if not text:
            return False
        value = _convert_int(text) if kind == 'int' else url_arg(text)
        args[name] = value
        return value is not None

    def _match_regex(self, path):
        found = self._regex.match(path)
        if found is None:
            return None
        args, group = {}, 1
        for kind, name, _ in self.segments:
            if kind is not None:
                if not self._convert(kind, name, found.group(group), args):
                    return None
                group += 1
        return args


def _accepts(methods, method):
    return method in methods or method == 'HEAD' and 'GET' in methods


class Router:
    """The route table: first registered match wins.

    Static patterns are found by a dict lookup; patterns with arguments are
    tried in order, only before the best static candidate.
    """

    def __init__(self):
        self.routes = []
        self._static = {}
        self._dynamic = []

    def add(self, methods, pattern, handler):
        index = len(self.routes)
        self.routes.append((methods, pattern, handler))
        if pattern.is_static:
            self._static.setdefault(pattern.url_pattern, []).append(index)
        else:
            self._dynamic.append(index)

    def match(self, method, path):
        """Return ``(handler, url_args, allowed_methods)`` for a request.

        ``handler`` is None when no route accepts the method; then
        ``allowed_methods`` lists what the matching routes accept.
        """
        routes = self.routes
        best = len(routes)
        for index in self._static.get(path, ()):
            methods = routes[index][0]
            if method in methods or _accepts(methods, method):
                best = index
                break
        for index in self._dynamic:
            if index > best:
                break
            methods, pattern, handler = routes[index]
            if _accepts(methods, method):
                args = pattern.match(path)
                if args is not None:
                    return handler, args, None
        if best < len(routes):
            return routes[best][2], {}, None
        return None, None, self.allowed_methods(path)

    def allowed_methods(self, path):
        """Every method that some route for ``path`` accepts."""
        allowed = []
        for methods, pattern, _ in self.routes:
            if pattern.match(path) is not None:
                allowed.extend([m for m in methods if m not in allowed])
        return allowed
