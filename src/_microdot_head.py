"""The rarer forms of a request head, loaded by the first request that has
one: a request line with another HTTP version, a target that is not a path
(``*``, ``http://host/path``), and a header field that comes twice.
"""
from _microdot_http import HTTPException


def other_request_line(parts):
    """The parts of a request line whose version is neither HTTP/1.1 nor
    HTTP/1.0: another HTTP/1 minor version is served as 1.1; a line that
    is not three parts ending in ``HTTP/<digit>.<digit>`` is a 400, another
    major version a 505."""
    version = parts[2] if len(parts) == 3 else b''
    if len(version) != 8 or version[:5] != b'HTTP/' or \
            version[6:7] != b'.' or not version[5:6].isdigit() or \
            not version[7:].isdigit():
        raise HTTPException(400)
    if version[5:6] != b'1':
        raise HTTPException(505)
    return parts[0], parts[1], b'HTTP/1.1'


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


def repeated_field(headers, name, value):
    """The value to store for a request header ``name`` that ``headers``
    already has: both joined as RFC 9110 allows (``; `` for Cookie), or
    None for an identical Content-Length (one stands). HTTPException(400)
    for a second ``Host`` or ``Content-Type`` and for a second, different
    ``Content-Length``."""
    lower = name.lower()
    if lower == 'content-length':
        if headers[name] != value:
            raise HTTPException(400)
        return None
    if lower in ('host', 'content-type'):  # one value each, no list
        raise HTTPException(400)
    return headers[name] + ('; ' if lower == 'cookie' else ', ') + value
