"""Cookies: the Cookie header read, Set-Cookie lines written.

Loaded on first use of ``request.cookies`` or ``Response.set_cookie``.
"""

#: The Expires of a deleted cookie.
EXPIRED = 'Thu, 01 Jan 1970 00:00:01 GMT'


def parse_cookies(header):
    """Parse a Cookie header value into a dict."""
    cookies = {}
    for item in header.split(';'):
        name, equals, value = item.partition('=')
        if equals:
            value = value.strip()
            if len(value) > 1 and value[0] == value[-1] == '"':
                value = value[1:-1]
            cookies[name.strip()] = value
    return cookies


def cookie_line(name, value, path=None, domain=None, expires=None,
                max_age=None, secure=False, http_only=False, same_site=None):
    """Return a Set-Cookie header value, refusing header injection.

    ValueError is raised for CR, LF or ``;`` in any part.
    """
    if expires is not None and not isinstance(expires, str):
        expires = expires.strftime('%a, %d %b %Y %H:%M:%S GMT')
    parts = [name + '=' + value]
    for attribute, text in (('', name), ('', value), ('Path', path),
                            ('Domain', domain), ('SameSite', same_site),
                            ('Expires', expires)):
        if text:
            for char in '\r\n;':
                if char in text:
                    raise ValueError('Invalid character in cookie ' + (
                        attribute or ('name' if text is name else 'value')))
            if attribute:
                parts.append(attribute + '=' + text)
    if max_age is not None:
        parts.append('Max-Age=%d' % max_age)
    if secure:
        parts.append('Secure')
    if http_only:
        parts.append('HttpOnly')
    return '; '.join(parts)
