"""The dicts of requests and responses: case-insensitive and multi-valued."""

import sys

_MISSING = object()


class NoCaseDict(dict):
    """A dict with case-insensitive string keys that keeps the first spelling.

    Example::

        headers = NoCaseDict({'Content-Type': 'text/plain'})
        headers['content-type']  # 'text/plain'

    ``_keys`` maps each lowercase key to its stored spelling; the adapters
    test it directly where a lookup is on every request's path.
    """
    __slots__ = ('_keys',)  # no __dict__: a request makes two of these

    def __init__(self, initial_dict=None):
        if _dict is not dict:
            _dict.__init__(self)
        self._keys = {}
        if initial_dict:
            self.update(initial_dict)

    def __setitem__(self, key, value):
        try:
            key = self._keys.setdefault(key.lower(), key)
        except AttributeError:
            pass
        _dict.__setitem__(self, key, value)

    def __getitem__(self, key):
        try:
            key = self._keys.get(key.lower(), key)
        except AttributeError:
            pass
        return _dict.__getitem__(self, key)

    def __delitem__(self, key):
        try:
            key = self._keys.pop(key.lower(), key)
        except AttributeError:
            pass
        _dict.__delitem__(self, key)

    def __contains__(self, key):
        try:
            return key.lower() in self._keys
        except AttributeError:
            return _dict.get(self, key, _MISSING) is not _MISSING

    def get(self, key, default=None):
        try:
            key = self._keys.get(key.lower(), key)
        except AttributeError:
            pass
        return _dict.get(self, key, default)

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key, *default):
        try:
            key = self._keys.pop(key.lower(), key)
        except AttributeError:
            pass
        return _dict.pop(self, key, *default)

    def _fill(self, pairs):
        # an empty dict gets (name, value) string pairs in one pass, when no
        # two names are the same ignoring case; False, unchanged, otherwise
        keys = self._keys
        for name, _ in pairs:
            keys[name.lower()] = name
        if len(keys) != len(pairs):
            keys.clear()
            return False
        _dict.update(self, pairs)
        return True

    def update(self, other_dict=(), **kwargs):
        items = other_dict.items() if hasattr(other_dict, 'items') \
            else other_dict
        for key, value in items:
            self[key] = value
        for key, value in kwargs.items():
            self[key] = value


if sys.implementation.name != 'micropython':
    _dict = dict  # CPython: dict's methods cost half of super()'s
else:
    class _dict:
        # MicroPython's dict methods refuse a subclass; super()'s do not.
        # Plain functions: read from the class, MicroPython leaves them
        # unbound (smaller than staticmethods)
        def __init__(d):
            super(NoCaseDict, d).__init__()

        def __setitem__(d, key, value):
            super(NoCaseDict, d).__setitem__(key, value)

        def __getitem__(d, key):
            return super(NoCaseDict, d).__getitem__(key)

        def __delitem__(d, key):
            super(NoCaseDict, d).__delitem__(key)

        def get(d, key, default=None):
            return super(NoCaseDict, d).get(key, default)

        def pop(d, key, *default):
            return super(NoCaseDict, d).pop(key, *default)

        def update(d, pairs):
            super(NoCaseDict, d).update(pairs)


class MultiDict(dict):
    """A dict that keeps every value given to a key, in order.

    ``d[key] = value`` appends; ``d[key]`` and ``get`` return the first value,
    ``getlist`` all of them.
    """

    def __init__(self, initial_dict=None):
        super().__init__()
        if initial_dict:
            items = initial_dict.items() if hasattr(initial_dict, 'items') \
                else initial_dict
            for key, value in items:
                self[key] = value

    def __setitem__(self, key, value):
        values = super().get(key)
        if values is None:
            super().__setitem__(key, [value])
        else:
            values.append(value)

    def __getitem__(self, key):
        return super().__getitem__(key)[0]

    def get(self, key, default=None, type=None):
        values = super().get(key)
        if values is None:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    def getlist(self, key, type=None):
        """Return every value of ``key`` (converted by ``type`` if given)."""
        values = super().get(key) or []
        return [value if type is None else type(value) for value in values]

    def values(self):
        return [values[0] for values in super().values()]

    def items(self):
        return [(key, values[0]) for key, values in super().items()]
