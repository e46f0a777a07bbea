"""Range requests (RFC 9110 section 14): a 206 or 416 answer to a ``Range``
header. Loaded by the first request with one for a ``send_file`` response.
"""
from _microdot_http import HTTPException


def parse_range(header, size):
    """Parse a single ``bytes=`` Range header against a resource size.

    Returns ``(start, end)`` with ``end`` inclusive, None when the header is
    malformed or asks for several ranges (the whole resource is sent), and
    raises HTTPException(416) when no byte of the range exists.
    """
    if not header.startswith('bytes=') or ',' in header:
        return None
    first, sep, last = header[6:].strip().partition('-')
    # ASCII digits only (str.isdigit() takes '²' too), one side may be empty
    if not sep or (first + last).strip('0123456789') or first == last == '':
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


def apply_range(res, header):
    """Turn a 200 ``send_file`` response into the 206 that ``header`` (a
    Range) asks for; returns it, a new 416 response, or it unchanged when
    the header is not one single satisfiable range."""
    size = res._file_size
    try:
        byte_range = parse_range(header, size)
    except HTTPException:
        res.close()
        return type(res)(b'', 416, {'Content-Range': 'bytes */%d' % size})
    if byte_range is not None:
        start, end = byte_range
        res.body.seek(start)
        res._body_limit = end - start + 1
        res.status_code = 206
        res.headers['Content-Length'] = str(res._body_limit)
        res.headers['Content-Range'] = 'bytes %d-%d/%d' % (start, end, size)
    return res
