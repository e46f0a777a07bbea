"""What a request makes on first use: ``body`` and ``stream``, ``g``,
``args`` and ``form`` (MultiDict, the urlencoded format), ``json`` and
``cookies``.

Loaded then, or by the first use of ``microdot``'s names ``MultiDict``,
``urlencode``, ``urldecode_str`` and ``urldecode_bytes``, or by a
percent-escape in a URL argument.
"""
import io
import json

from _microdot_http import HTTPException, decode_text


class Globals:
    """``request.g``: where an app keeps its own data for one request."""


def parsed(request, name):
    """The value of the request attribute ``name`` (``g``, or one parsed
    from the request); AttributeError for a name that is not one of them."""
    if name == 'body' or name == 'stream':
        if request._stream is None:  # a body in memory: body or stream
            if request._used not in (None, name):
                raise RuntimeError('Cannot use both stream and body')
            request._used = name
        if name == 'body':  # b'' when the body was too large to keep
            return request._body
        if request._awaited:  # asyncio: reads are awaited
            from _microdot_async_stream import AsyncStream
            return AsyncStream(request._stream or request._body)
        return request._stream or io.BytesIO(request._body)
    if name == 'g':
        return Globals()
    if name == 'args':
        return MultiDict(parse_query(request.query_string or ''))
    if name == 'cookies':
        from _microdot_cookies import parse_cookies
        return parse_cookies(request.headers.get('Cookie', ''))
    if name != 'json' and name != 'form':
        raise AttributeError(name)
    media = (request.content_type or '').split(';')[0].strip().lower()
    if name == 'form' and media == 'application/x-www-form-urlencoded':
        return MultiDict(parse_query(decode_text(request.body)))
    if name == 'json' and media == 'application/json':
        try:
            return json.loads(request.body.decode())
        except (ValueError, UnicodeError):
            raise HTTPException(400, 'Invalid JSON body')


def urldecode_bytes(b, plus_is_space=True):
    """Decode URL-encoded bytes into a string (UTF-8, else Latin-1).

    A ``%`` that starts no valid escape stays as it is.
    """
    if plus_is_space:
        b = b.replace(b'+', b' ')
    parts = b.split(b'%')
    out = [parts[0]]
    for part in parts[1:]:
        try:
            out.append(bytes([int(part[:2], 16)]) + part[2:]
                       if len(part) > 1 else b'%' + part)
        except ValueError:
            out.append(b'%' + part)
    return decode_text(b''.join(out))


def urldecode_str(s):
    """Decode a URL-encoded string (UTF-8 percent escapes included)."""
    return urldecode_bytes(s.encode())


class MultiDict(dict):
    """A dict that keeps every value given to a key, in order.

    ``d[key] = value`` appends; ``d[key]`` and ``get`` return the first value,
    ``getlist`` all of them.
    """
    # super(MultiDict, self): a bare super() makes each method a closure
    # over its class, about 48 B more RAM each on MicroPython

    def __init__(self, initial_dict=None):
        super(MultiDict, self).__init__()
        if initial_dict:
            for key, value in initial_dict.items() \
                    if hasattr(initial_dict, 'items') else initial_dict:
                self[key] = value

    def __setitem__(self, key, value):
        if key in self:
            super(MultiDict, self).__getitem__(key).append(value)
        else:
            super(MultiDict, self).__setitem__(key, [value])

    def __getitem__(self, key):
        return super(MultiDict, self).__getitem__(key)[0]

    def get(self, key, default=None, type=None):
        """The first value of ``key`` (converted by ``type``), or
        ``default``."""
        values = self.getlist(key)
        try:
            return type(values[0]) if type else values[0]
        except (IndexError, ValueError, TypeError):
            return default

    def getlist(self, key, type=None):
        """Every value of ``key`` (converted by ``type`` if given)."""
        values = []
        for value in super(MultiDict, self).get(key) or ():
            values.append(type(value) if type else value)
        return values

    def values(self):
        values = []
        for value in super(MultiDict, self).values():
            values.append(value[0])
        return values

    def items(self):
        items = []
        for key, values in super(MultiDict, self).items():
            items.append((key, values[0]))
        return items


def parse_query(query):
    """Split a query string into a list of decoded ``(name, value)`` pairs."""
    pairs = []
    for item in query.split('&'):
        if item:
            name, _, value = item.partition('=')
            pairs.append((urldecode_str(name), urldecode_str(value)))
    return pairs


def urlencode(s):
    """Percent-encode a string (UTF-8) for a URL query, ``+`` for spaces."""
    out = []
    for byte in s.encode():
        if byte in b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' \
                b'0123456789-_.~':
            out.append(chr(byte))
        else:
            out.append('+' if byte == 32 else '%%%02X' % byte)
    return ''.join(out)
