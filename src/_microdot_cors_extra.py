"""The rarer CORS headers, for ``microdot_cors``: loaded on first use.

Those of the answer to a preflight (methods, request headers, max age) and
``Access-Control-Expose-Headers``. A browser sends a preflight (``OPTIONS``
with ``Origin`` and ``Access-Control-Request-Method``) before a cross-origin
request that is not "simple": a method other than GET, HEAD or POST, a
header of its own, a JSON body. An application that gets no preflight and
exposes no header never loads this module, and keeps its RAM (~1.2 KB on
MicroPython, ~550 B more than the same code inside ``microdot_cors``) for
something else.
"""
from microdot_cors import is_preflight


def add_headers(cors, request, headers):
    """Add to ``headers`` (for an origin that ``cors`` allows) the headers
    of a preflight's answer, or ``Access-Control-Expose-Headers``."""
    if not is_preflight(request):
        value = cors.expose_headers
        headers['Access-Control-Expose-Headers'] = value if isinstance(
            value, str) else ', '.join(value)
        return
    methods = cors.allowed_methods
    if not methods:  # those of the routes of the URL
        methods = []
        for route_methods, pattern, _ in request.app.url_map:
            if pattern.match(request.path) is not None:
                for method in route_methods:
                    if method not in methods:
                        methods.append(method)
    if methods:
        headers['Access-Control-Allow-Methods'] = methods if isinstance(
            methods, str) else ', '.join(methods)
    allowed = cors.allowed_headers
    if allowed is None:  # those the preflight asks for
        allowed = request.headers.get('Access-Control-Request-Headers')
    if allowed:
        headers['Access-Control-Allow-Headers'] = allowed if isinstance(
            allowed, str) else ', '.join(allowed)
    if cors.max_age is not None:
        headers['Access-Control-Max-Age'] = str(cors.max_age)


def preflight_response(cors, request):
    """The answer to a preflight from an origin ``cors`` allows, else None."""
    headers = cors.get_cors_headers(request)
    if 'Access-Control-Allow-Origin' in headers:
        return request.app.response_class(status_code=cors.preflight_status,
                                          headers=headers)
