"""URL patterns that need a regular expression: ``<re:...>`` segments and
``<path:...>`` before the last segment. Loaded by the first such route."""
import re


def compile_pattern(pattern):
    """The compiled regex of a URLPattern, a positional group per argument
    (MicroPython's re has no named groups)."""
    regex = ''
    for kind, text in pattern.segments:
        if kind is None:
            if regex or text:  # MicroPython's re has no re.escape
                regex += '/' + ''.join(['\\' + char if char in
                                        '.^$*+?{}[]\\|()' else char
                                        for char in text])
        else:
            regex += '/(' + {'string': '[^/]+', 'int': '-?[0-9]+',
                             'path': '.+'}.get(kind, kind[3:]) + ')'
    try:
        return re.compile('^' + regex + '$')
    except Exception:
        raise ValueError('invalid URL pattern: ' + pattern.url_pattern)
