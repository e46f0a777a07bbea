"""Status texts: reason phrases and the bodies of default error responses.

Loaded with the first status other than 200, or the first error.
"""
_REASONS = {
    100: 'Continue', 201: 'Created', 202: 'Accepted',
    204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently',
    302: 'Found', 303: 'See Other', 304: 'Not Modified',
    307: 'Temporary Redirect', 308: 'Permanent Redirect', 400: 'Bad Request',
    401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
    405: 'Method Not Allowed', 406: 'Not Acceptable',
    408: 'Request Timeout', 409: 'Conflict', 410: 'Gone',
    411: 'Length Required', 412: 'Precondition Failed',
    413: 'Payload Too Large', 414: 'URI Too Long',
    415: 'Unsupported Media Type', 416: 'Range Not Satisfiable',
    417: 'Expectation Failed', 418: "I'm a teapot",
    422: 'Unprocessable Content', 429: 'Too Many Requests',
    431: 'Request Header Fields Too Large', 500: 'Internal Server Error',
    501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
    504: 'Gateway Timeout', 505: 'HTTP Version Not Supported',
}
_BODIES = {400: 'Bad request', 404: 'Not found', 405: 'Method not allowed',
           413: 'Payload too large', 500: 'Internal server error'}


def reason_phrase(status_code):
    """Return the standard reason phrase of a status code."""
    return 'OK' if status_code == 200 else _REASONS.get(status_code) or (
        'Unknown', 'Informational', 'Success', 'Redirection', 'Client Error',
        'Server Error')[min(status_code // 100, 5)]


def error_body(status_code, reason=None):
    """The text of a default error response."""
    return reason or _BODIES.get(status_code) or reason_phrase(status_code)
