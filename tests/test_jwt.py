"""Tests of the small HS256 codec in ``_microdot_jwt``.

Portable (runs under tests/mp_runner.py on MicroPython): RFC 4231 HMAC
vectors, base64url tables, a fixed token, and every rejection. The
``TestAgainstPyJWT`` class checks, on CPython with PyJWT installed, that our
tokens are byte-identical to PyJWT's and that each accepts the other's.
"""
import binascii
import json
import unittest

import _microdot_jwt
from _microdot_jwt import hmac_sha256, b64url_encode, b64url_decode, \
    encode, decode

try:
    import jwt as pyjwt
    pyjwt.PyJWT
except (ImportError, AttributeError):
    pyjwt = None

# RFC 4231 section 4: (key, data, HMAC-SHA-256 hex; case 5 is truncated)
RFC4231 = [
    (b'\x0b' * 20, b'Hi There',
     'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'),
    (b'Jefe', b'what do ya want for nothing?',
     '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'),
    (b'\xaa' * 20, b'\xdd' * 50,
     '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe'),
    (bytes(range(1, 26)), b'\xcd' * 50,
     '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b'),
    (b'\x0c' * 20, b'Test With Truncation',
     'a3b6167473100ee06e0c796c2955552b'),
    (b'\xaa' * 131, b'Test Using Larger Than Block-Size Key - Hash Key First',
     '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'),
    (b'\xaa' * 131, b'This is a test using a larger than block-size key and '
     b'a larger than block-size data. The key needs to be hashed before '
     b'being used by the HMAC algorithm.',
     '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2'),
]

# the example token published on jwt.io, and a one-claim token from PyJWT
JWT_IO_KEY = 'your-256-bit-secret'
JWT_IO_TOKEN = (
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZ'
    'SI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36P'
    'Ok6yJV_adQssw5c')
JWT_IO_PAYLOAD = {'sub': '1234567890', 'name': 'John Doe', 'iat': 1516239022}
ONE_CLAIM_TOKEN = (
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgN'
    'ryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U')

# (bytes, base64url) both ways
B64URL = [
    (b'', b''), (b'f', b'Zg'), (b'fo', b'Zm8'), (b'foo', b'Zm9v'),
    (b'foob', b'Zm9vYg'), (b'\xfb\xff', b'-_8'), (b'\xff' * 3, b'____'),
    (b'\x00' * 4, b'AAAAAA'),
]

KEY = 'k' * 32


def segment(obj):
    """base64url of a JSON value, as str."""
    return b64url_encode(json.dumps(obj).encode()).decode()


def signed(header, payload, key=KEY):
    """A token with arbitrary header and payload, HMAC-SHA256 signed."""
    signing_input = segment(header) + '.' + segment(payload)
    signature = b64url_encode(hmac_sha256(key, signing_input.encode()))
    return signing_input + '.' + signature.decode()


def bad_tokens():
    """(label, token) pairs that decode(token, KEY) must reject."""
    good = encode({'user': 'susan'}, KEY)
    header, payload, signature = good.split('.')
    middle = len(signature) // 2
    flipped = 'A' if signature[middle] != 'A' else 'B'
    return [
        ('empty', ''),
        ('garbage', 'not a token'),
        ('dots only', '..'),
        ('two segments', header + '.' + payload),
        ('four segments', good + '.x'),
        ('truncated', good[:-5]),
        ('signature changed', header + '.' + payload + '.' +
         signature[:middle] + flipped + signature[middle + 1:]),
        ('signature missing', header + '.' + payload + '.'),
        ('payload swapped', header + '.' + segment({'user': 'admin'}) + '.' +
         signature),
        ('wrong key', encode({'user': 'susan'}, 'another key')),
        ('alg none', segment({'alg': 'none', 'typ': 'JWT'}) + '.' + payload +
         '.'),
        ('alg none signed', signed({'alg': 'none'}, {'user': 'susan'})),
        ('alg HS512 label', signed({'alg': 'HS512'}, {'user': 'susan'})),
        ('alg lowercase', signed({'alg': 'hs256'}, {'user': 'susan'})),
        ('no alg', signed({'typ': 'JWT'}, {'user': 'susan'})),
        ('header not object', signed(['HS256'], {'user': 'susan'})),
        ('payload not object', signed({'alg': 'HS256'}, ['susan'])),
        ('payload not JSON', header + '.' + 'bm90IGpzb24' + '.' + signature),
        ('bad base64 char', header + '.' + payload + '.' + signature[:-1] +
         '*'),
        ('padded', good + '='),
        ('non-canonical', header + '.Zh.' + signature),
        ('non-ASCII', good[:10] + '\u00e9' + good[11:]),
        ('expired', signed({'alg': 'HS256'}, {'exp': 1000})),
        ('not yet valid', signed({'alg': 'HS256'}, {'nbf': 10 ** 12})),
        ('exp not a number', signed({'alg': 'HS256'}, {'exp': 'never'})),
        ('exp boolean', signed({'alg': 'HS256'}, {'exp': True})),
        ('deeply nested header', b64url_encode(
            b'[' * 1100).decode() + '.' + payload + '.' +
         signature),
    ]


class TestHMAC(unittest.TestCase):
    def test_rfc4231_vectors(self):
        for key, data, expected in RFC4231:
            digest = binascii.hexlify(hmac_sha256(key, data)).decode()
            self.assertEqual(digest[:len(expected)], expected)

    def test_str_arguments_are_utf8(self):
        self.assertEqual(hmac_sha256('Jefe', 'what do ya want for nothing?'),
                         hmac_sha256(b'Jefe', b'what do ya want for nothing?'))
        self.assertEqual(hmac_sha256('\u00e9', b'x'),
                         hmac_sha256(b'\xc3\xa9', b'x'))

    def test_key_of_exactly_one_block_is_not_hashed(self):
        self.assertNotEqual(hmac_sha256(b'a' * 64, b'x'),
                            hmac_sha256(b'a' * 65, b'x'))

    def test_other_types_rejected(self):
        self.assertRaises(TypeError, hmac_sha256, 12, b'x')

    def test_signature_compared_whole(self):
        # decode's constant-time comparison: equal, one bit, one byte
        # more or less, the high bit
        signing_input = segment({'alg': 'HS256'}) + '.' + segment({})
        good = hmac_sha256(KEY, signing_input)
        for signature, accepted in (
                (good, True),
                (good[:-1] + bytes([good[-1] ^ 1]), False),
                (good[:-1], False),
                (good + b'\x00', False),
                (b'', False),
                (bytes([good[0] ^ 0x80]) + good[1:], False)):
            token = signing_input + '.' + b64url_encode(signature).decode()
            if accepted:
                self.assertEqual(decode(token, KEY), {})
            else:
                self.assertRaises(ValueError, decode, token, KEY)


class TestBase64URL(unittest.TestCase):
    def test_table_both_ways(self):
        for data, text in B64URL:
            self.assertEqual(b64url_encode(data), text)
            self.assertEqual(b64url_decode(text), data)
            self.assertEqual(b64url_decode(text.decode()), data)

    def test_rejects_malformed(self):
        for text in (b'Z', b'Zg==', b'Zg=', b'Zm9v\n', b'+/8', b'Zm 9v',
                     b'Zh', b'Zm9', b'\xc3\xa9Zg'):
            self.assertRaises(ValueError, b64url_decode, text)


class TestEncodeDecode(unittest.TestCase):
    def test_jwt_io_example_token(self):
        self.assertEqual(decode(JWT_IO_TOKEN, JWT_IO_KEY), JWT_IO_PAYLOAD)

    def test_fixed_token_encoding(self):
        self.assertEqual(encode({'sub': '1234567890'}, JWT_IO_KEY),
                         ONE_CLAIM_TOKEN)

    def test_header_is_pyjwt_header(self):
        header = encode({}, KEY).split('.')[0]
        self.assertEqual(b64url_decode(header),
                         b'{"alg":"HS256","typ":"JWT"}')

    def test_round_trip(self):
        for payload in ({}, {'a': 1}, {'name': 'Jos\u00e9', 'n': [1, 2.5]},
                        {'nested': {'x': None, 'y': True}}):
            for key in (KEY, b'\x00\xff' * 40, '\u00e9' * 3):
                self.assertEqual(decode(encode(payload, key), key), payload)
                self.assertEqual(decode(encode(payload, key).encode(), key),
                                 payload)

    def test_every_bad_token_rejected(self):
        for label, token in bad_tokens():
            try:
                decode(token, KEY)
            except ValueError:
                continue
            self.fail('accepted: ' + label)

    def test_non_text_token_rejected(self):
        self.assertRaises(ValueError, decode, 12345, KEY)
        self.assertRaises(ValueError, decode, None, KEY)

    def test_exp_boundaries(self):
        token = encode({'exp': 1000}, KEY)
        self.assertEqual(decode(token, KEY, now=999), {'exp': 1000})
        self.assertRaises(ValueError, decode, token, KEY, now=1000)
        self.assertEqual(decode(token, KEY, now=1005, leeway=10),
                         {'exp': 1000})
        self.assertEqual(decode(encode({'exp': 1000.5}, KEY), KEY, now=1000),
                         {'exp': 1000.5})

    def test_nbf_boundaries(self):
        token = encode({'nbf': 1000}, KEY)
        self.assertEqual(decode(token, KEY, now=1000), {'nbf': 1000})
        self.assertRaises(ValueError, decode, token, KEY, now=999)
        self.assertEqual(decode(token, KEY, now=995, leeway=10),
                         {'nbf': 1000})

    def test_exp_checked_against_the_clock(self):
        import time
        now = int(time.time())
        self.assertEqual(decode(encode({'exp': now + 60}, KEY), KEY),
                         {'exp': now + 60})
        self.assertRaises(ValueError, decode,
                          encode({'exp': now - 1}, KEY), KEY)

    def test_module_has_no_io_imports(self):
        for name in ('socket', 'select', 'asyncio', 'threading'):
            self.assertFalse(hasattr(_microdot_jwt, name))


@unittest.skipIf(pyjwt is None, 'PyJWT is not installed (CPython only)')
class TestAgainstPyJWT(unittest.TestCase):
    payloads = [{}, {'user': 'susan'}, {'sub': 'x', 'n': 1, 'l': [1, 'a']},
                {'name': 'Jos\u00e9', 'ok': True, 'nothing': None}]
    keys = [KEY, 'k' * 100, b'\x01\x02' * 20]

    def setUp(self):
        import warnings
        catcher = warnings.catch_warnings()
        catcher.__enter__()
        self.addCleanup(catcher.__exit__, None, None, None)
        warnings.simplefilter('ignore')  # PyJWT's short-key warnings

    def test_tokens_are_byte_identical(self):
        for payload in self.payloads:
            for key in self.keys:
                self.assertEqual(encode(payload, key),
                                 pyjwt.encode(payload, key, algorithm='HS256'))

    def test_each_accepts_the_other(self):
        for payload in self.payloads:
            for key in self.keys:
                ours = encode(payload, key)
                theirs = pyjwt.encode(payload, key, algorithm='HS256')
                self.assertEqual(pyjwt.decode(ours, key, algorithms=['HS256']),
                                 payload)
                self.assertEqual(decode(theirs, key), payload)

    def test_real_hs512_token_rejected(self):
        token = pyjwt.encode({'user': 'susan'}, KEY, algorithm='HS512')
        self.assertRaises(ValueError, decode, token, KEY)

    def test_bad_tokens_rejected_by_pyjwt_too(self):
        # our rejection table is not stricter than the reference, except
        # for non-canonical base64, which PyJWT tolerates
        for label, token in bad_tokens():
            if label in ('non-canonical', 'padded'):
                continue
            self.assertRaises(pyjwt.PyJWTError, pyjwt.decode, token, KEY,
                              algorithms=['HS256'])

    def test_hmac_matches_stdlib(self):
        import hashlib
        import hmac
        import random
        rng = random.Random(4231)
        for _ in range(200):
            key = bytes(rng.randrange(256) for _ in range(rng.randrange(150)))
            data = bytes(rng.randrange(256) for _ in range(rng.randrange(300)))
            self.assertEqual(hmac_sha256(key, data),
                             hmac.new(key, data, hashlib.sha256).digest())
