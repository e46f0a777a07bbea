"""Sans-IO HTTP/1.1 helpers shared by every Microdot driver.

Plain functions over bytes and strings: no sockets, no event loop. A parsing
rule, a limit or a security fix made here holds for every server.
"""
try:
    from micropython import const
except ImportError:  # CPython
    def const(x):
        return x

_REASONS = {
    100: 'Continue', 200: 'OK', 201: 'Created', 202: 'Accepted',
    204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently',
    302: 'Found', 303: 'See Other', 304: 'Not Modified',
    307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request',
    401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
    405: 'Method Not Allowed', 408: 'Request Timeout', 409: 'Conflict',
    406: 'Not Acceptable', 410: 'Gone', 411: 'Length Required',
    412: 'Precondition Failed', 413: 'Payload Too Large',
    414: 'URI Too Long', 415: 'Unsupported Media Type',
    416: 'Range Not Satisfiable', 418: "I'm a teapot",
    422: 'Unprocessable Content',
    429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
    500: 'Internal Server Error', 501: 'Not Implemented',
    502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
    505: 'HTTP Version Not Supported',
}
_CLASS_REASONS = ('Unknown', 'Informational', 'Success', 'Redirection',
                  'Client Error', 'Server Error')
_DEFAULT_BODIES = {400: 'Bad request', 404: 'Not found',
                   405: 'Method not allowed', 413: 'Payload too large',
                   500: 'Internal server error'}
_METHOD_CHARS = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
_TOKEN_CHARS = _METHOD_CHARS + b"!#$%&'*+.^`|~"
_DAYS = ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')
_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
           'Oct', 'Nov', 'Dec')
_SECONDS_PER_DAY = const(86400)


def reason_phrase(status_code):
    """Return the standard reason phrase of a status code."""
    return _REASONS.get(status_code) or _CLASS_REASONS[min(status_code // 100,
                                                           5)]


def error_body(status_code, reason=None):
    """The text of a default error response."""
    return reason or _DEFAULT_BODIES.get(status_code) or \
        reason_phrase(status_code)


class HTTPException(Exception):
    """An HTTP error response, raised to stop a request with a status code.

    Example::

        raise HTTPException(404, 'No such user')
    """

    def __init__(self, status_code, reason=None):
        super().__init__(status_code, reason)
        self.status_code = status_code
        self.reason = reason or error_body(status_code)

    def __repr__(self):  # pragma: no cover
        return 'HTTPException: {}'.format(self.status_code)


def decode_text(data):
    """Decode bytes as UTF-8, falling back to Latin-1 for invalid input."""
    try:
        return data.decode('utf-8')
    except UnicodeError:
        return ''.join([chr(byte) for byte in data])


def _strip_eol(line):
    if line.endswith(b'\r\n'):
        return line[:-2]
    if line.endswith(b'\n'):
        return line[:-1]
    return line


_CONTROL_CHARS = bytes([c for c in range(32) if c != 9] + [127])


def _has_control_chars(data):
    for byte in data:
        if byte < 32 and byte != 9 or byte == 127:
            return True
    return False


def _is_token(data, allowed=_TOKEN_CHARS):
    if not data:
        return False
    for byte in data:
        if byte not in allowed:
            return False
    return True


if hasattr(bytes, 'translate'):  # CPython: the same checks in C
    def _has_control_chars(data):  # noqa: F811
        return len(data.translate(None, _CONTROL_CHARS)) != len(data)

    def _is_token(data, allowed=_TOKEN_CHARS):  # noqa: F811
        return bool(data) and not data.translate(None, allowed)


def parse_request_line(line):
    """Parse ``b'GET /path HTTP/1.1\\r\\n'`` into ``(method, target, version)``.

    Raises HTTPException(400) for a malformed line and 505 for an unknown
    HTTP major version.
    """
    parts = _strip_eol(line).split(b' ')
    if len(parts) != 3:
        raise HTTPException(400)
    method, target, version = parts
    if not _is_token(method, _METHOD_CHARS) or not target or \
            _has_control_chars(target) or target[0] not in b'/*':
        raise HTTPException(400)
    if len(version) != 8 or not version.startswith(b'HTTP/') or \
            version[6:7] != b'.' or not version[5:6].isdigit() or \
            not version[7:8].isdigit():
        raise HTTPException(400)
    if version[5:6] != b'1':
        raise HTTPException(505)
    return method.decode(), decode_text(target), '1.0' if version == b'HTTP/1.0' \
        else '1.1'


def parse_header_line(line):
    """Parse ``b'Name: value\\r\\n'`` into ``('Name', 'value')``.

    Raises HTTPException(400) for a line that is not a valid header field,
    including obsolete line folding.
    """
    name, colon, value = line.partition(b':')
    if not colon or not _is_token(name):
        raise HTTPException(400)
    value = value.strip(b' \t\r\n')  # OWS and the line end
    if _has_control_chars(value):
        raise HTTPException(400)
    return name.decode(), decode_text(value)


def parse_content_length(value):
    """Return a Content-Length header value as an int (400 if invalid)."""
    if not value or not value.isdigit() or len(value) > 15:
        raise HTTPException(400)
    return int(value)


def parse_chunk_size(line):
    """Return the size announced by a chunked-encoding size line."""
    size = _strip_eol(line).split(b';', 1)[0].strip()
    try:
        if not size or len(size) > 8:
            raise ValueError()
        return int(size, 16)
    except ValueError:
        raise HTTPException(400)


def encode_chunk(data):
    """Frame ``data`` as one HTTP/1.1 chunk; ``b''`` gives the last chunk."""
    if not data:
        return b'0\r\n\r\n'
    return b'%x\r\n%s\r\n' % (len(data), data)


_SAFE_CHARS = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~'


def urlencode(s):
    """Percent-encode a string (UTF-8) for a URL query, ``+`` for spaces."""
    out = []
    for byte in s.encode('utf-8'):
        if byte in _SAFE_CHARS:
            out.append(chr(byte))
        elif byte == 32:
            out.append('+')
        else:
            out.append('%%%02X' % byte)
    return ''.join(out)


def _unquote(data, plus_is_space=True):
    # data is bytes; a bad or stray '%' stays as it is
    if plus_is_space:
        data = data.replace(b'+', b' ')
    parts = data.split(b'%')
    if len(parts) == 1:
        return data
    out = [parts[0]]
    for part in parts[1:]:
        try:
            if len(part) < 2:
                raise ValueError()
            out.append(bytes([int(part[:2], 16)]) + part[2:])
        except ValueError:
            out.append(b'%' + part)
    return b''.join(out)


def urldecode_bytes(b):
    """Decode a URL-encoded bytes object into a string (UTF-8)."""
    return decode_text(_unquote(b))


def urldecode_str(s):
    """Decode a URL-encoded string (UTF-8 percent escapes included)."""
    return decode_text(_unquote(s.encode('utf-8')))


def unquote_path(s):
    """Decode percent escapes in a path segment (``+`` stays a plus)."""
    return decode_text(_unquote(s.encode('utf-8'), False))


def parse_query(query):
    """Split a query string into a list of decoded ``(name, value)`` pairs."""
    pairs = []
    for item in query.split('&'):
        if not item:
            continue
        if '=' in item:
            name, value = item.split('=', 1)
        else:
            name, value = item, ''
        pairs.append((urldecode_str(name), urldecode_str(value)))
    return pairs


def parse_cookies(header):
    """Parse a Cookie header value into a dict."""
    cookies = {}
    for item in header.split(';'):
        if '=' not in item:
            continue
        name, value = item.split('=', 1)
        value = value.strip()
        if len(value) > 1 and value[0] == value[-1] == '"':
            value = value[1:-1]
        cookies[name.strip()] = value
    return cookies


def _check_cookie_part(text, what):
    for char in '\r\n;':
        if char in text:
            raise ValueError('Invalid character in cookie ' + what)


def cookie_line(name, value, path=None, domain=None, expires=None,
                max_age=None, secure=False, http_only=False, same_site=None):
    """Return a Set-Cookie header value, refusing header injection."""
    _check_cookie_part(name, 'name')
    _check_cookie_part(value, 'value')
    parts = [name + '=' + value]
    for attribute, text in (('Path', path), ('Domain', domain),
                            ('SameSite', same_site)):
        if text:
            _check_cookie_part(text, attribute)
            parts.append(attribute + '=' + text)
    if expires is not None:
        if not isinstance(expires, str):
            expires = expires.strftime('%a, %d %b %Y %H:%M:%S GMT')
        _check_cookie_part(expires, 'Expires')
        parts.append('Expires=' + expires)
    if max_age is not None:
        parts.append('Max-Age=%d' % max_age)
    if secure:
        parts.append('Secure')
    if http_only:
        parts.append('HttpOnly')
    return '; '.join(parts)


def _days_from_civil(year, month, day):
    # days since 1970-01-01 of a proleptic Gregorian date
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + \
        day_of_year
    return era * 146097 + day_of_era - 719468


def _civil_from_days(days):
    days += 719468
    era = days // 146097
    day_of_era = days - era * 146097
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 -
                   day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 -
                                year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_index + 2) // 5 + 1
    month = month_index + (3 if month_index < 10 else -9)
    return year_of_era + era * 400 + (month <= 2), month, day


def http_date(timestamp):
    """Format a Unix timestamp as an IMF-fixdate (RFC 9110)."""
    timestamp = int(timestamp)
    days, seconds = divmod(timestamp, _SECONDS_PER_DAY)
    year, month, day = _civil_from_days(days)
    return '%s, %02d %s %04d %02d:%02d:%02d GMT' % (
        _DAYS[(days + 3) % 7], day, _MONTHS[month - 1], year,
        seconds // 3600, seconds // 60 % 60, seconds % 60)


def parse_http_date(text):
    """Parse an IMF-fixdate into a Unix timestamp; None if it is not one."""
    parts = text.split(' ')
    if len(parts) != 6 or parts[5] != 'GMT' or parts[2] not in _MONTHS:
        return None
    clock = parts[4].split(':')
    try:
        day, year = int(parts[1]), int(parts[3])
        hours, minutes, seconds = int(clock[0]), int(clock[1]), int(clock[2])
    except (ValueError, IndexError):
        return None
    days = _days_from_civil(year, _MONTHS.index(parts[2]) + 1, day)
    return days * _SECONDS_PER_DAY + hours * 3600 + minutes * 60 + seconds


def parse_range(header, size):
    """Parse a single ``bytes=`` Range header against a resource size.

    Returns ``(start, end)`` with ``end`` inclusive, None when the header is
    malformed or asks for several ranges (the whole resource is sent), and
    raises HTTPException(416) when no byte of the range exists.
    """
    if not header.startswith('bytes=') or ',' in header:
        return None
    first, sep, last = header[6:].strip().partition('-')
    if not sep or not (first.isdigit() or first == '') or \
            not (last.isdigit() or last == '') or first == last == '':
        return None
    if first == '':
        if int(last) == 0 or size == 0:
            raise HTTPException(416)
        return max(size - int(last), 0), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise HTTPException(416)
    return start, min(int(last), size - 1) if last else size - 1


_STATUS_LINES = {}


def status_line(version, status_code, reason=None):
    """Return the status line of a response as bytes, CRLF included."""
    key = (version, status_code, reason)
    line = _STATUS_LINES.get(key)
    if line is None:
        line = ('HTTP/%s %d %s\r\n' % (version, status_code, check_header_value(
            reason or reason_phrase(status_code)))).encode()
        if len(_STATUS_LINES) < 64:  # custom reasons must not grow it
            _STATUS_LINES[key] = line
    return line


def header_items(headers):
    """The ``(name, value)`` pairs of a headers dict, values as str.

    A list value gives one pair per item. ValueError is raised for a value
    with CR or LF (response splitting).
    """
    items = []
    for name, value in headers.items():
        if type(value) is not str:
            if isinstance(value, list):
                items += [(name, str(item)) for item in value]
                continue
            value = str(value)
        items.append((name, value))
    for _, value in items:
        if '\n' in value or '\r' in value:
            raise ValueError('Invalid character in header value')
    return items


def header_lines(headers):
    """Encode a headers dict as header lines (see ``header_items``)."""
    return ''.join(['%s: %s\r\n' % item
                    for item in header_items(headers)]).encode()


def check_header_value(value):
    """Refuse header values that would split the response (CR or LF)."""
    if '\r' in value or '\n' in value:
        raise ValueError('Invalid character in header value')
    return value
