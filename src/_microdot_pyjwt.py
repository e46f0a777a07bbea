"""``microdot_session``'s tokens made by PyJWT, where it is installed
(CPython, ``pip install "microdot[session]"``), behind the interface of
``_microdot_jwt``: ``encode(payload, key)`` and ``decode(token, key)``.

PyJWT signs and verifies (its JWS layer); the claims are checked by
``_microdot_jwt.check_claims``, as on MicroPython, so a session may hold any
key (``'sub': 5``...) and reads the same on every platform. The tokens are
byte for byte those of ``_microdot_jwt``. ``microdot_session`` picks this
module only where ``jwt`` is PyJWT (it has ``api_jws``); the functions
import it themselves, so that this module imports anywhere.
"""
import json

from _microdot_jwt import check_claims


def encode(payload, key):
    """Return a signed HS256 token (str) carrying the ``payload`` dict."""
    from jwt import api_jws
    token = api_jws.encode(json.dumps(payload, separators=(',', ':')).encode(),
                           key, algorithm='HS256')
    return token.decode() if isinstance(token, bytes) else token  # PyJWT 1


def decode(token, key):
    """Verify an HS256 token and return its payload dict.

    Anything wrong raises ValueError, as ``_microdot_jwt.decode`` does.
    """
    from jwt import PyJWTError, api_jws
    try:
        payload = json.loads(api_jws.decode(token, key, algorithms=['HS256'])
                             .decode())
    except (PyJWTError, RuntimeError) as exc:
        # RuntimeError: CPython's RecursionError on deeply nested JSON
        raise ValueError(str(exc)) from exc
    return check_claims(payload, 0, None)
