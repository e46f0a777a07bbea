"""A small HS256 JSON Web Token codec (RFC 7519 / RFC 7515), sans-IO.

Runs on CPython and MicroPython alike: it needs only ``hashlib.sha256``,
``binascii`` and ``json``. MicroPython has no ``hmac`` and no ``base64``
module, so HMAC (RFC 2104) and base64url (RFC 4648, section 5) are done by
hand here. Only HS256 is accepted: a token whose header names any other
algorithm (``none``, ``HS512``...) is rejected before its signature is
looked at.

Example::

    token = encode({'user': 'susan'}, 'secret-key')
    decode(token, 'secret-key')   # {'user': 'susan'}
"""
import binascii
import json

try:
    import hashlib
    sha256 = hashlib.sha256
except (ImportError, AttributeError):  # pragma: no cover
    sha256 = None

try:
    import time
except ImportError:  # pragma: no cover
    import utime as time

_BLOCK_SIZE = 64  # SHA-256 block size in bytes (RFC 2104's B)
_HEADER = b'{"alg":"HS256","typ":"JWT"}'  # what PyJWT writes, key-sorted
_BASE64URL = b'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz' \
    b'0123456789-_'


class InvalidTokenError(ValueError):
    """The token is malformed, not HS256, badly signed, expired or early."""


def _to_bytes(text):
    if isinstance(text, str):
        return text.encode()
    if isinstance(text, (bytes, bytearray)):
        return bytes(text)
    raise TypeError('expected str or bytes')


def hmac_sha256(key, message):
    """Return the HMAC-SHA256 digest (32 bytes) of ``message`` under ``key``.

    Both arguments are bytes or str (UTF-8 encoded).
    """
    if sha256 is None:  # pragma: no cover
        raise ImportError('_microdot_jwt needs hashlib.sha256')
    key = _to_bytes(key)
    if len(key) > _BLOCK_SIZE:
        key = sha256(key).digest()
    key = key + b'\x00' * (_BLOCK_SIZE - len(key))
    inner = sha256(bytes([byte ^ 0x36 for byte in key]))
    inner.update(_to_bytes(message))
    outer = sha256(bytes([byte ^ 0x5c for byte in key]))
    outer.update(inner.digest())
    return outer.digest()


def constant_time_equal(a, b):
    """Compare two byte strings in time that depends only on their length."""
    if len(a) != len(b):
        return False
    difference = 0
    for x, y in zip(a, b):
        difference |= x ^ y
    return difference == 0


def b64url_encode(data):
    """Encode bytes as unpadded base64url (returns bytes)."""
    text = binascii.b2a_base64(data).rstrip(b'\n').rstrip(b'=')
    return text.replace(b'+', b'-').replace(b'/', b'_')


def b64url_decode(text):
    """Decode unpadded base64url bytes; InvalidTokenError if malformed.

    Only the canonical encoding is accepted (no stray characters, padding,
    or unused bits set), so each value has exactly one spelling.
    """
    text = _to_bytes(text)
    if len(text) % 4 == 1 or any(c not in _BASE64URL for c in text):
        raise InvalidTokenError('invalid base64url')
    padded = text.replace(b'-', b'+').replace(b'_', b'/') + \
        b'=' * (-len(text) % 4)
    try:
        data = binascii.a2b_base64(padded)
    except ValueError:  # binascii.Error (CPython) is a ValueError
        raise InvalidTokenError('invalid base64url')
    if b64url_encode(data) != text:
        raise InvalidTokenError('non-canonical base64url')
    return data


def encode(payload, key):
    """Return a signed HS256 token (str) carrying the ``payload`` dict."""
    body = json.dumps(payload, separators=(',', ':')).encode()
    signing_input = b64url_encode(_HEADER) + b'.' + b64url_encode(body)
    signature = b64url_encode(hmac_sha256(key, signing_input))
    return (signing_input + b'.' + signature).decode()


def _json_object(segment):
    try:
        value = json.loads(b64url_decode(segment).decode())
    except (ValueError, UnicodeError, RuntimeError):
        # RuntimeError: CPython's RecursionError on deeply nested JSON
        raise InvalidTokenError('invalid JSON segment')
    if not isinstance(value, dict):
        raise InvalidTokenError('segment is not a JSON object')
    return value


def check_claims(payload, leeway=0, now=None):
    """Return ``payload`` if it is a dict whose ``exp`` and ``nbf`` claims,
    when present, are numbers that hold at ``now`` (default: the clock)
    give or take ``leeway`` seconds; raise InvalidTokenError otherwise.

    Other claim names (``iss``, ``sub``, ``aud``...) are left to the caller.
    """
    if not isinstance(payload, dict):
        raise InvalidTokenError('payload is not a JSON object')
    if now is None:
        now = time.time()
    for claim in ('exp', 'nbf'):
        value = payload.get(claim)
        if value is not None and (isinstance(value, bool) or
                                  not isinstance(value, (int, float))):
            raise InvalidTokenError(claim + ' claim is not a number')
    if 'exp' in payload and payload['exp'] <= now - leeway:
        raise InvalidTokenError('token expired')
    if 'nbf' in payload and payload['nbf'] > now + leeway:
        raise InvalidTokenError('token not yet valid')
    return payload


def decode(token, key, leeway=0, now=None):
    """Verify an HS256 token and return its payload dict.

    ``exp`` and ``nbf`` claims are checked by ``check_claims``. Anything
    wrong raises InvalidTokenError (a ValueError), nothing else.
    """
    try:
        token = _to_bytes(token)
    except (UnicodeError, TypeError):
        raise InvalidTokenError('token is not text')
    parts = token.split(b'.')
    if len(parts) != 3:
        raise InvalidTokenError('token must have three segments')
    if _json_object(parts[0]).get('alg') != 'HS256':
        raise InvalidTokenError('algorithm is not HS256')
    expected = hmac_sha256(key, parts[0] + b'.' + parts[1])
    if not constant_time_equal(b64url_decode(parts[2]), expected):
        raise InvalidTokenError('signature mismatch')
    return check_claims(_json_object(parts[1]), leeway, now)
