"""Files: ``send_file``, ``send_from_directory``, validators and
conditional requests (Range requests: ``_microdot_ranges``).

Loaded by the first ``send_file`` or ``send_from_directory``.
"""
import os

from _microdot_http import HTTPException

# errnos of a name that names no file: ENOENT, ENOTDIR, EISDIR, ENAMETOOLONG,
# ELOOP (the same numbers on CPython/Linux and MicroPython)
_NOT_FOUND = (2, 20, 21, 36, 40)
# CPython's; MicroPython has no os.path (nor readlink)
_realpath = getattr(getattr(os, 'path', None), 'realpath', None)

# The content types that send_file knows beside ``Response.types_map``, as
# ' extension type' words: one string costs less RAM than a dict. Every
# type has a '/', which no extension (the end of a path) has, so ' name '
# finds an extension word, never a type or a pair of words
_MORE_TYPES = ' htm text/html jpeg image/jpeg svg image/svg+xml ' \
    'ico image/x-icon mjs application/javascript webp image/webp wasm ' \
    'application/wasm mp4 video/mp4 pdf application/pdf xml application/xml ' \
    'woff2 font/woff2 csv text/csv md text/markdown '
# three letters each (a string costs less RAM than a tuple of names)
_DAYS = 'MonTueWedThuFriSatSun'
_MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec'


def more_type(extension):
    """The content type of a file extension that ``Response.types_map``
    lacks, among the common ones above; None if unknown."""
    found = _MORE_TYPES.find(' %s ' % extension)
    return _MORE_TYPES[found + len(extension) + 2:].split(' ')[0] \
        if found >= 0 else None


def send_file(cls, filename, status_code=200, content_type=None,
              stream=None, max_age=None, compressed=False,
              file_extension=''):
    """``Response.send_file``: a ``cls`` response that streams a file."""
    if content_type is None:
        name = filename.split('/')[-1]
        name = name.split('.')[-1].lower() if '.' in name else ''
        content_type = cls.types_map.get(name) or more_type(name) or \
            'application/octet-stream'
    headers = {'Content-Type': content_type}
    if compressed:
        headers['Content-Encoding'] = compressed \
            if isinstance(compressed, str) else 'gzip'
    max_age = cls.default_send_file_max_age if max_age is None else max_age
    if max_age is not None:
        headers['Cache-Control'] = 'max-age=%d' % max_age
    size = None
    if stream is None:
        path = filename + file_extension
        try:
            # MicroPython would open the name before a NUL
            stat = None if '\0' in path else os.stat(path)
            if stat is None or stat[0] & 0o170000 != 0o100000:
                raise HTTPException(404)  # a NUL, a directory, a FIFO...
            stream = open(path, 'rb')
        except OSError as exc:
            if exc.errno in _NOT_FOUND:
                raise HTTPException(404)
            raise  # EACCES, EMFILE...: the server's problem, a 500
        size, mtime = stat[6], int(stat[8])
        headers['Content-Length'] = str(size)
        headers['Last-Modified'] = http_date(mtime)
        headers['ETag'] = '"%x-%x"' % (mtime, size)
        headers['Accept-Ranges'] = 'bytes'
    response = cls(body=stream, status_code=status_code, headers=headers)
    response._file_size = size
    return response


def send_from_directory(cls, root, path, options):
    """``Response.send_from_directory``: ``cls.send_file`` of ``root/path``
    when ``path`` cannot leave ``root``; HTTPException(404) otherwise."""
    # '%' left after the route's decoding is a second encoding ('%2e%2e');
    # ':' a Windows drive or stream; both are refused rather than guessed at
    refused = not path or path[0] == '/' or '..' in path.split('/')
    for char in '\0\\:%':
        refused = refused or char in path
    if refused:
        raise HTTPException(404)
    root = root.rstrip('/') or ('/' if root else '.')
    filename = root + '/' + path
    name = filename + options.get('file_extension', '')
    if _realpath:  # CPython: where the symlinks lead must be inside root
        inside = _realpath(root)
        inside += '' if inside.endswith(os.sep) else os.sep
        if not _realpath(name).startswith(inside):
            raise HTTPException(404)
    else:  # MicroPython cannot read a link: any symlink below root is out
        here = root
        for part in name[len(root) + 1:].split('/'):
            try:
                for entry in os.ilistdir(here):
                    if entry[0] == part and entry[1] == 0o120000:
                        raise HTTPException(404)
            except OSError:
                break  # no such directory: send_file answers 404
            here += '/' + part
    return cls.send_file(filename, **options)


def file_chunks(res):
    """Generator of the chunks of a file body (``send_file_buffer_size``
    each), up to the end of a Range; the file is closed at the end."""
    remaining = res._body_limit
    try:
        while remaining is None or remaining > 0:
            size = res.send_file_buffer_size
            if remaining is not None:
                size = min(size, remaining)
                remaining -= size
            chunk = res.body.read(size)
            if not chunk:
                break
            yield chunk
    finally:
        res.close()


def http_date(timestamp):
    """Format a Unix timestamp as an IMF-fixdate (RFC 9110)."""
    days, seconds = divmod(int(timestamp), 86400)
    # the civil date of a day count (proleptic Gregorian calendar)
    era, day_of_era = divmod(days + 719468, 146097)
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 -
                   day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 -
                                year_of_era // 100)
    month_index = (5 * day_of_year + 2) // 153
    month = month_index + (3 if month_index < 10 else -9)
    weekday = (days + 3) % 7 * 3
    return '%s, %02d %s %04d %02d:%02d:%02d GMT' % (
        _DAYS[weekday:weekday + 3],
        day_of_year - (153 * month_index + 2) // 5 + 1,
        _MONTHS[month * 3 - 3:month * 3],
        year_of_era + era * 400 + (month <= 2),
        seconds // 3600, seconds // 60 % 60, seconds % 60)


def parse_http_date(text):
    """Parse an IMF-fixdate into a Unix timestamp; None if it is not one."""
    parts = text.split(' ')
    try:
        # -1 (not found) and a match across two names are not multiples of 3
        if len(parts) != 6 or parts[5] != 'GMT' or len(parts[2]) != 3 or \
                _MONTHS.find(parts[2]) % 3:
            raise ValueError()
        month = _MONTHS.find(parts[2]) // 3 + 1
        hours, minutes, seconds = map(int, parts[4].split(':'))
        day, year = int(parts[1]), int(parts[3]) - (month <= 2)
    except ValueError:
        return None
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    days = era * 146097 + year_of_era * 365 + year_of_era // 4 - \
        year_of_era // 100 + day_of_year - 719468
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def apply_conditions(res, request):
    """Answer If-None-Match, If-Modified-Since and Range for a response
    with an ETag: returns it as it is, turned into a 304 or a 206, or a
    new 416 response."""
    headers, asked = res.headers, request.headers
    if res.status_code != 200 or request.method not in ('GET', 'HEAD'):
        return res
    etag = headers['ETag']
    if 'If-None-Match' in asked:
        # an entity-tag has no space or tab: drop the list's whitespace
        tags = asked['If-None-Match'].replace(' ', '').replace(
            '\t', '').split(',')
        not_modified = '*' in tags or etag in tags or 'W/' + etag in tags
    else:
        since = parse_http_date(asked.get('If-Modified-Since', ''))
        modified = parse_http_date(headers.get('Last-Modified', ''))
        not_modified = since is not None and modified is not None and \
            modified <= since
    if not_modified:
        res.close()
        res.status_code, res.body = 304, b''
        for name in ('Content-Length', 'Content-Type', 'Accept-Ranges'):
            headers.pop(name, None)
        return res
    if res._file_size is None or 'Range' not in asked or \
            asked.get('If-Range', etag) != etag:
        return res
    from _microdot_ranges import apply_range  # rarer: resumed downloads
    return apply_range(res, asked['Range'])
