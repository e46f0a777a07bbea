"""The multipart/form-data parser (RFC 7578), sans-IO: ``feed(bytes)``
returns events; ``microdot_multipart`` reads the body and feeds it.

Events, in a list per ``feed``: ``(HEADERS, (name, filename, headers))``,
``(DATA, bytes)`` and ``(END, None)`` for each part. Every limit raises
HTTPException(413), a malformed body HTTPException(400).
"""
from _microdot_http import HTTPException, NoCaseDict, decode_text

try:
    from micropython import const
except ImportError:  # pragma: no cover
    def const(x):
        return x

HEADERS = const(0)
DATA = const(1)
END = const(2)
_PREAMBLE = const(0)
_AFTER = const(1)  # just after a delimiter: CRLF, or -- (the last one)
_HEAD = const(2)
_BODY = const(3)
_DONE = const(4)


def parse_options(value):
    """Split ``type; key=value; key="quoted"`` into the lowercased type and
    a dict of its parameters (keys lowercased, quoted strings unescaped).

    Raises HTTPException(400) for an unterminated quoted string.
    """
    kind, _, rest = value.partition(';')
    options = {}
    while rest:
        key, _, rest = rest.partition('=')
        rest = rest.lstrip()
        if rest[:1] == '"':
            i, out = 1, []
            while True:
                if i >= len(rest):
                    raise HTTPException(400, 'Unterminated quoted string')
                c = rest[i]
                if c == '"':
                    break
                if c == '\\':
                    i += 1
                    c = rest[i:i + 1]
                out.append(c)
                i += 1
            text = ''.join(out)
            rest = rest[i + 1:].partition(';')[2]
        else:
            text, _, rest = rest.partition(';')
            text = text.strip()
        options[key.strip().lower()] = text
    return kind.strip().lower(), options


def part_names(headers):
    """``(name, filename)`` from a part's Content-Disposition; ``filename``
    is None for a field, and ``filename*`` (RFC 5987) wins over
    ``filename``. Raises HTTPException(400) without a form-data name."""
    kind, options = parse_options(headers.get('Content-Disposition', ''))
    if kind != 'form-data' or 'name' not in options:
        raise HTTPException(400, 'Part without a form-data name')
    filename = options.get('filename')
    extended = options.get('filename*')
    if extended is not None:  # charset'language'%-escapes: UTF-8 is
        # decoded, else Latin-1 (the two charsets RFC 5987 names)
        from _microdot_query import urldecode_bytes
        filename = urldecode_bytes(
            extended.partition("'")[2].partition("'")[2].encode(), False)
    return options['name'], filename


class MultipartParser:
    """Feed it the body, get the events of the parts.

    ``boundary`` is the str from the Content-Type; the limits are the
    number of parts, the bytes of one part's header section, and the size
    of a field that is not a file.
    """

    def __init__(self, boundary, max_parts, max_header_size, max_field_size):
        if not 0 < len(boundary) <= 70:
            raise HTTPException(400, 'Invalid multipart boundary')
        self.delimiter = b'\r\n--' + boundary.encode()
        # the first delimiter may open the body: search after a CRLF
        self.buffer = b'\r\n'
        self.state = _PREAMBLE
        self.parts = self.size = 0
        self.is_file = False
        self.limits = max_parts, max_header_size, max_field_size

    def feed(self, data):
        """Parse ``data``, the next bytes of the body; return the events."""
        events = []
        buf = self.buffer + data
        delimiter = self.delimiter
        max_field_size = self.limits[2]
        while True:
            state = self.state
            if state == _PREAMBLE or state == _BODY:
                i = buf.find(delimiter)
                end = i if i >= 0 else max(len(buf) - len(delimiter) + 1, 0)
                if state == _BODY and end:
                    self.size += end
                    if not self.is_file and self.size > max_field_size:
                        raise HTTPException(413, 'Form field too large')
                    events.append((DATA, buf[:end]))
                if i < 0:
                    buf = buf[end:]
                    break
                if state == _BODY:
                    events.append((END, None))
                buf = buf[i + len(delimiter):]
                self.state = _AFTER
            elif state == _AFTER or state == _HEAD:
                rest = self._part_start(buf, events)
                if rest is None:  # more input is needed
                    break
                buf = rest
            else:  # the epilogue is ignored
                buf = b''
                break
        self.buffer = buf
        return events

    def _part_start(self, buf, events):
        # state _AFTER (the rest of a delimiter line) or _HEAD (a part's
        # headers, once whole): returns what follows, or None for more input
        max_parts, max_header_size = self.limits[:2]
        if self.state == _AFTER:
            i = buf.find(b'\r\n')
            if buf[:2] == b'--':
                self.state = _DONE
                return b''
            if i < 0:
                if len(buf.strip(b' \t')) > 1 or len(buf) > 256:
                    raise HTTPException(400, 'Malformed delimiter line')
                return None
            if buf[:i].strip(b' \t'):  # only transport padding
                raise HTTPException(400, 'Malformed delimiter line')
            self.parts += 1
            if self.parts > max_parts:
                raise HTTPException(413, 'Too many parts')
            self.state = _HEAD
            return buf[i:]
        # buf starts with the delimiter line's CRLF: no headers is CRLF CRLF,
        # and an empty part's body ends at once (the delimiter's CRLF)
        i = buf.find(b'\r\n\r\n')
        if i < 0 or i > max_header_size:
            if i > max_header_size or len(buf) > max_header_size + 4:
                raise HTTPException(413, 'Part header too large')
            return None
        headers = NoCaseDict()
        for line in buf[2:i].split(b'\r\n') if i else ():
            key, colon, value = decode_text(line).partition(':')
            if not colon or not key or key != key.strip():
                raise HTTPException(400, 'Malformed part header')
            headers[key] = value.strip()
        name, filename = part_names(headers)
        self.is_file, self.size = filename is not None, 0
        events.append((HEADERS, (name, filename, headers)))
        self.state = _BODY
        return buf[i + 4:]

    def close(self):
        """Raise HTTPException(400) unless the final delimiter was read."""
        if self.state != _DONE:
            raise HTTPException(400, 'Incomplete multipart body')
