"""A small HS256 JSON Web Token codec (RFC 7519 / RFC 7515), sans-IO.

Runs on CPython and MicroPython alike: it needs only ``hashlib.sha256``,
``binascii`` and ``json``. MicroPython has no ``hmac`` and no ``base64``
module, so HMAC (RFC 2104) and base64url (RFC 4648, section 5) are done by
hand here. Only HS256 is accepted: the signature is checked first (so no
JSON from an unsigned token is ever parsed), then a header naming any other
algorithm (``none``, ``HS512``...) is rejected.

Every error is a ``ValueError`` (binascii's and json's are ones already;
a class of our own would cost ~225 B of RAM on MicroPython), with a short
message: MicroPython interns a string of up to 10 characters (~20 B of
RAM), where a longer one costs a str object (~64 B).

Example::

    token = encode({'user': 'susan'}, 'secret-key')
    decode(token, 'secret-key')   # {'user': 'susan'}
"""
import binascii
import json
import time
from hashlib import sha256  # no fallback: the ImportError names it


def hmac_sha256(key, message):
    """Return the HMAC-SHA256 digest (32 bytes) of ``message`` under ``key``.

    Both arguments are bytes or str (UTF-8 encoded).
    """
    if isinstance(key, str):
        key = key.encode()
    if isinstance(message, str):
        message = message.encode()
    if len(key) > 64:  # longer than a SHA-256 block (RFC 2104's B)
        key = sha256(key).digest()
    key = bytearray(key + bytes(64 - len(key)))
    data = bytearray(key)
    for i in range(64):  # the inner and the outer padded keys
        key[i] ^= 0x36
        data[i] ^= 0x5C
    return sha256(data + sha256(key + message).digest()).digest()


def b64url_encode(data):
    """Encode bytes as unpadded base64url (returns bytes)."""
    return binascii.b2a_base64(data).rstrip(b'\n=').replace(
        b'+', b'-').replace(b'/', b'_')


def b64url_decode(text):
    """Decode unpadded base64url (bytes or str); ValueError if malformed.

    Only the canonical encoding is accepted (no stray characters, padding,
    or unused bits set), so each value has exactly one spelling.
    """
    if isinstance(text, str):
        text = text.encode()
    data = binascii.a2b_base64(text.replace(b'-', b'+').replace(b'_', b'/') +
                               b'=' * (-len(text) % 4))
    # what does not encode back to the same text was not canonical base64url
    if b64url_encode(data) != text:
        raise ValueError('base64url')
    return data


def encode(payload, key):
    """Return a signed HS256 token (str) carrying the ``payload`` dict."""
    # the header: base64url of '{"alg":"HS256","typ":"JWT"}', as PyJWT has it
    data = b'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.' + b64url_encode(
        json.dumps(payload, separators=(',', ':')).encode())
    return (data + b'.' + b64url_encode(hmac_sha256(key, data))).decode()


def check_claims(payload, leeway, now):
    """Return ``payload`` if it is a dict whose ``exp`` and ``nbf`` claims,
    when present, are numbers that hold at ``now`` (None: the clock) give
    or take ``leeway`` seconds; raise ValueError otherwise (its message is
    ``'not a dict'`` or the claim's name).

    Other claim names (``iss``, ``sub``, ``aud``...) are left to the caller.
    """
    if not isinstance(payload, dict):
        raise ValueError('not a dict')
    if now is None:
        now = time.time()
    for name in ('exp', 'nbf'):
        if name in payload:
            value = payload[name]
            if isinstance(value, bool) or \
                    not isinstance(value, (int, float)) or \
                    (value <= now - leeway if name == 'exp' else
                     value > now + leeway):
                raise ValueError(name)
    return payload


def decode(token, key, leeway=0, now=None):
    """Verify an HS256 token (str or bytes) and return its payload dict.

    ``exp`` and ``nbf`` claims are checked by ``check_claims``. Anything
    wrong raises ValueError, nothing else.
    """
    if isinstance(token, str):
        token = token.encode()
    parts = token.split(b'.') if isinstance(token, (bytes, bytearray)) \
        else ()
    if len(parts) != 3:
        raise ValueError('not a JWT')
    digest = hmac_sha256(key, parts[0] + b'.' + parts[1])
    data = b64url_decode(parts[2])  # the signature, compared in constant time
    n = len(data) ^ 32
    for value, item in zip(data, digest):
        n |= value ^ item
    if n:
        raise ValueError('signature')
    try:
        data = json.loads(b64url_decode(parts[0]).decode())  # the header
        payload = json.loads(b64url_decode(parts[1]).decode())
    except RuntimeError:  # CPython's RecursionError on deeply nested JSON
        raise ValueError('bad JSON')
    if not isinstance(data, dict) or data.get('alg') != 'HS256':
        raise ValueError('not HS256')
    return check_claims(payload, leeway, now)
