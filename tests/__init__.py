# Test modules that also run under MicroPython, by module name (e.g.
# 'test_http'): `micropython tests/mp_runner.py` (part of `make test`) runs
# exactly these. They must stick to the unittest subset in _mp_unittest.py
# and to what MicroPython has (see tests/mp_runner.py's docstring).
# Keep this file a plain assignment: the runner imports it as a top-level
# module (`from __init__ import PORTABLE`) on CPython and MicroPython alike.
PORTABLE = [
    'test_http',
    'test_datastructures',
    'test_app',
    'test_asyncio_app',
    'test_cors',
    'test_utemplate',
    'test_jwt',
    'test_session',
    'test_ws',
    'test_compat_1x',
    'test_expect',
    'test_static_files',
    'test_csrf',
    'test_multipart',
    'test_auth',
    'test_login',
    'test_sse',
]
