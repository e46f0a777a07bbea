"""Query strings and forms: MultiDict and the urlencoded format.

Loaded on first use of ``request.args`` or ``request.form``, or of the
names ``MultiDict`` and ``urlencode`` of ``microdot``.
"""
from _microdot_http import urldecode_str


class MultiDict(dict):
    """A dict that keeps every value given to a key, in order.

    ``d[key] = value`` appends; ``d[key]`` and ``get`` return the first value,
    ``getlist`` all of them.
    """

    def __init__(self, initial_dict=None):
        super().__init__()
        if initial_dict:
            for key, value in initial_dict.items() \
                    if hasattr(initial_dict, 'items') else initial_dict:
                self[key] = value

    def __setitem__(self, key, value):
        if key in self:
            super().__getitem__(key).append(value)
        else:
            super().__setitem__(key, [value])

    def __getitem__(self, key):
        return super().__getitem__(key)[0]

    def get(self, key, default=None, type=None):
        """The first value of ``key`` (converted by ``type``) or ``default``."""
        values = self.getlist(key)
        try:
            return type(values[0]) if type else values[0]
        except (IndexError, ValueError, TypeError):
            return default

    def getlist(self, key, type=None):
        """Every value of ``key`` (converted by ``type`` if given)."""
        values = super().get(key) or []
        return [type(value) for value in values] if type else list(values)

    def values(self):
        return [values[0] for values in super().values()]

    def items(self):
        return [(key, values[0]) for key, values in super().items()]


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
        out.append(chr(byte) if byte in b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~' else '+' if byte == 32
                   else '%%%02X' % byte)
    return ''.join(out)
