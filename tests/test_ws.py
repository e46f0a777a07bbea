"""WebSocket (RFC 6455): the codec of ``microdot_websocket`` (the handshake,
``read_frame``, what ``WebSocket`` sends) and the client side of the test
clients (``_microdot_test_websocket.encode_frame``) as byte tables checked
both ways, the message layer (``WebSocket``) over in-memory streams, the
wire flow of sync and async apps (request bytes in, 101 and frames out), and
both test clients' ``websocket()``.

Portable: runs under pytest and under tests/mp_runner.py on MicroPython.
"""
import unittest

try:
    import io
except ImportError:  # pragma: no cover
    import uio as io

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot_websocket
from microdot_websocket import read_frame, WebSocket, ConnectionClosed, \
    OP_TEXT, OP_BINARY, OP_PING
from _microdot_test_websocket import apply_mask, encode_frame, \
    WebSocketPeer
import _microdot_http
from _microdot_http import HTTPException, NoCaseDict, Connection, run_sync
from microdot import serve_connection
from microdot_asyncio import run_async
import microdot
import microdot_asyncio
import microdot_asyncio_websocket
from microdot_test_client import TestClient
from microdot_asyncio_test_client import TestClient as AsyncTestClient, \
    _AsyncMemoryConnection

OP_CONTINUATION, OP_CLOSE, OP_PONG = 0, 8, 10
MASK = b'\x37\xfa\x21\x3d'  # the mask of RFC 6455's examples (5.7)
BIG = 1 << 21
RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ=='
RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='


def pattern(size):
    block = bytes(range(256))
    return (block * (size // 256 + 1))[:size]


def xor(mask, data):
    # the reference masking, one byte at a time (RFC 6455 5.3); in place,
    # as MicroPython's default 2 MiB heap has no room for a list of ints
    out = bytearray(data)
    for i in range(len(out)):
        out[i] ^= mask[i % 4]
    return bytes(out)


def decode(data, max_size=BIG, require_mask=True):
    return run_sync(read_frame(io.BytesIO(data).read, max_size,
                               require_mask))


def decode_all(data, require_mask=False):
    """Every frame in ``data``, as (fin, opcode, payload) tuples; nothing
    may follow a close frame."""
    stream, frames = io.BytesIO(data), []
    while stream.tell() < len(data):
        if data[stream.tell():].startswith(b'HTTP/'):
            raise AssertionError('an HTTP response after the frames: %r'
                                 % stream.read()[:60])
        frames.append(run_sync(read_frame(stream.read, BIG, require_mask)))
        if frames[-1][1] == OP_CLOSE and stream.tell() < len(data):
            raise AssertionError('bytes after the close frame: %r'
                                 % stream.read()[:60])
    return frames


def client_frame(opcode, payload=b'', fin=True):
    return encode_frame(opcode, payload, fin, MASK)


def close_payload(code, reason=''):
    # the reference encoding of a close frame's payload (RFC 6455 5.5.1)
    return code.to_bytes(2, 'big') + reason.encode()


def parse_close(payload):
    """(code, reason) of a close frame the server sent."""
    return int.from_bytes(payload[:2], 'big'), payload[2:].decode()


def close_frame(code, reason=''):
    return (True, OP_CLOSE, close_payload(code, reason))


def accept(changes, method='GET'):
    """What the handshake answers to a request with these header changes."""
    return microdot_websocket.accept(FakeRequest(method, changes))


# ---------------------------------------------------------------- handshake

ACCEPT_KEYS = [
    (RFC_KEY, RFC_ACCEPT),                                    # RFC 6455 1.3
    ('x3JJHMbDL1EzLkh9GBhXDw==', 'HSmrc0sMlYUkAGmm5OPpG2HaGWk='),
    ('AAAAAAAAAAAAAAAAAAAAAA==', 'ICX+Yqv66kxgM0FcWaLWlFLwTAI='),
]

GOOD_HEADERS = {'Host': 'example.com', 'Upgrade': 'websocket',
                'Connection': 'Upgrade', 'Sec-WebSocket-Version': '13',
                'Sec-WebSocket-Key': RFC_KEY}

# (method, header changes; None removes the header)
HANDSHAKES_ACCEPTED = [
    ('GET', {}),
    ('GET', {'Upgrade': 'WebSocket'}),
    ('GET', {'Connection': 'upgrade'}),
    ('GET', {'Connection': 'keep-alive, Upgrade'}),
    ('GET', {'Connection': 'Upgrade,keep-alive'}),
    ('GET', {'Origin': 'http://example.com'}),
]

HANDSHAKES_REJECTED = [
    ('POST', {}),
    ('HEAD', {}),
    ('PUT', {}),
    ('GET', {'Upgrade': None}),
    ('GET', {'Upgrade': 'h2c'}),
    ('GET', {'Connection': None}),
    ('GET', {'Connection': 'keep-alive'}),
    ('GET', {'Connection': 'Upgraded'}),
    ('GET', {'Sec-WebSocket-Version': None}),
    ('GET', {'Sec-WebSocket-Version': '12'}),
    ('GET', {'Sec-WebSocket-Version': '8'}),
    ('GET', {'Sec-WebSocket-Key': None}),
    ('GET', {'Sec-WebSocket-Key': ''}),
    ('GET', {'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAA'}),      # 15 bytes
    ('GET', {'Sec-WebSocket-Key': 'AAAAAAAAAAAAAAAAAAAAAAA='}),  # 17 bytes
    ('GET', {'Sec-WebSocket-Key': 'not base64!'}),
    ('GET', {'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ'}),    # unpadded
]


class FakeRequest:
    def __init__(self, method, changes):
        self.method = method
        headers = dict(GOOD_HEADERS)
        for name, value in changes.items():
            if value is None:
                headers.pop(name, None)
            else:
                headers[name] = value
        self.headers = NoCaseDict(headers)


class TestHandshake(unittest.TestCase):
    def test_accept_key(self):
        for key, expected in ACCEPT_KEYS:
            self.assertIn(('\r\nSec-WebSocket-Accept: %s\r\n' % expected)
                          .encode(), accept({'Sec-WebSocket-Key': key}))

    def test_accepted_handshakes(self):
        for method, changes in HANDSHAKES_ACCEPTED:
            with self.subTest(method=method, changes=changes):
                self.assertIn(
                    ('\r\nSec-WebSocket-Accept: %s\r\n' % RFC_ACCEPT)
                    .encode(), accept(changes, method))

    def test_rejected_handshakes_are_400(self):
        for method, changes in HANDSHAKES_REJECTED:
            with self.subTest(method=method, changes=changes):
                with self.assertRaises(HTTPException) as cm:
                    accept(changes, method)
                self.assertEqual(cm.exception.status_code, 400, changes)

    def test_handshake_response(self):
        self.assertEqual(
            accept({}),
            b'HTTP/1.1 101 Switching Protocols\r\n'
            b'Upgrade: websocket\r\n'
            b'Connection: Upgrade\r\n'
            b'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n')


# ------------------------------------------------------------------- frames

# RFC 6455 5.7's examples, plus a close frame:
# (frame bytes, fin, opcode, payload, mask)
RFC_FRAMES = [
    (b'\x81\x05Hello', True, OP_TEXT, b'Hello', None),
    (b'\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58', True, OP_TEXT,
     b'Hello', MASK),
    (b'\x01\x03Hel', False, OP_TEXT, b'Hel', None),
    (b'\x80\x02lo', True, OP_CONTINUATION, b'lo', None),
    (b'\x89\x05Hello', True, OP_PING, b'Hello', None),
    (b'\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58', True, OP_PONG,
     b'Hello', MASK),
    (b'\x82\x7e\x01\x00' + pattern(256), True, OP_BINARY, pattern(256),
     None),
    (b'\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00' + pattern(65536), True,
     OP_BINARY, pattern(65536), None),
    (b'\x88\x02\x03\xe8', True, OP_CLOSE, b'\x03\xe8', None),
    (b'\x88\x80\x37\xfa\x21\x3d', True, OP_CLOSE, b'', MASK),
]

# every payload length class: (size, unmasked head, masked head w/o mask)
LENGTH_HEADS = [
    (0, b'\x82\x00', b'\x82\x80'),
    (1, b'\x82\x01', b'\x82\x81'),
    (125, b'\x82\x7d', b'\x82\xfd'),
    (126, b'\x82\x7e\x00\x7e', b'\x82\xfe\x00\x7e'),
    (127, b'\x82\x7e\x00\x7f', b'\x82\xfe\x00\x7f'),
    (65535, b'\x82\x7e\xff\xff', b'\x82\xfe\xff\xff'),
    (65536, b'\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00',
     b'\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00'),
]

# (opcode, fin, first byte)
FIRST_BYTES = [
    (OP_CONTINUATION, False, 0x00), (OP_CONTINUATION, True, 0x80),
    (OP_TEXT, False, 0x01), (OP_TEXT, True, 0x81),
    (OP_BINARY, False, 0x02), (OP_BINARY, True, 0x82),
    (OP_CLOSE, True, 0x88), (OP_PING, True, 0x89), (OP_PONG, True, 0x8a),
]

# (what, bytes, require_mask, max_size, code of the ConnectionClosed)
READ_ERRORS = [
    ('RSV1', b'\xc1\x80' + MASK, True, BIG, 1002),
    ('RSV2', b'\xa1\x80' + MASK, True, BIG, 1002),
    ('RSV3', b'\x91\x80' + MASK, True, BIG, 1002),
    ('fragmented ping', b'\x09\x80' + MASK, True, BIG, 1002),
    ('fragmented pong', b'\x0a\x80' + MASK, True, BIG, 1002),
    ('fragmented close', b'\x08\x82' + MASK + b'\x34\x12', True, BIG, 1002),
    ('ping of 126 bytes', b'\x89\xfe\x00\x7e' + MASK + b'x' * 126, True,
     BIG, 1002),
    ('close of 126 bytes', b'\x88\xfe\x00\x7e' + MASK + b'x' * 126, True,
     BIG, 1002),
    ('unmasked client frame', b'\x81\x05Hello', True, BIG, 1002),
    ('masked server frame', b'\x81\x85' + MASK + xor(MASK, b'Hello'),
     False, BIG, 1002),
    ('64-bit length with the top bit set',
     b'\x82\xff\x80\x00\x00\x00\x00\x00\x00\x00' + MASK, True, BIG, 1002),
    # the payload is not even read: the head alone is enough to refuse
    ('126 bytes over a 125 limit', b'\x82\xfe\x00\x7e' + MASK, True, 125,
     1009),
    ('65536 bytes over a 65535 limit',
     b'\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00' + MASK, True, 65535, 1009),
    ('2 bytes over a 1 limit', b'\x81\x82' + MASK, True, 1, 1009),
] + [
    ('opcode %d' % opcode, bytes([0x80 | opcode, 0x80]) + MASK, True, BIG,
     1002)
    for opcode in (3, 4, 5, 6, 7, 11, 12, 13, 14, 15)
]

# frames cut short: the stream ends before the frame does
TRUNCATED = [
    b'',
    b'\x81',
    b'\x81\x85',
    b'\x81\x85\x37\xfa',
    b'\x81\x85' + MASK + b'Hel',
    b'\x82\xfe\x01',
    b'\x82\xff\x00\x00\x00\x00',
]


class Trickle:
    """A stream that hands out at most ``step`` bytes per read."""

    def __init__(self, data, step):
        self.data, self.step = data, step

    def read(self, size):
        data = self.data[:min(size, self.step)]
        self.data = self.data[len(data):]
        return data


class TestFrames(unittest.TestCase):
    def test_apply_mask(self):
        self.assertEqual(apply_mask(MASK, b'Hello'), b'\x7f\x9f\x4d\x51\x58')
        self.assertEqual(apply_mask(MASK, b''), b'')
        for size in (1, 3, 4, 5, 1000):
            data = pattern(size)
            self.assertEqual(apply_mask(MASK, data), xor(MASK, data))
            self.assertEqual(apply_mask(MASK, apply_mask(MASK, data)), data)

    def test_rfc_examples_both_ways(self):
        for frame, fin, opcode, payload, mask in RFC_FRAMES:
            with self.subTest(frame=frame[:12]):
                self.assertEqual(encode_frame(opcode, payload, fin, mask),
                                 frame)
                self.assertEqual(decode(frame, require_mask=bool(mask)),
                                 (fin, opcode, payload))
                if fin and opcode in (OP_TEXT, OP_BINARY) and not mask:
                    self.assertEqual(sent(payload, opcode), frame)

    def test_length_classes_both_ways(self):
        for size, head, masked_head in LENGTH_HEADS:
            with self.subTest(size=size):
                payload = pattern(size)
                frame = encode_frame(OP_BINARY, payload)
                self.assertEqual(frame, head + payload)
                self.assertEqual(sent(payload), head + payload)
                self.assertEqual(decode(frame, require_mask=False),
                                 (True, OP_BINARY, payload))
                masked = encode_frame(OP_BINARY, payload, mask=MASK)
                self.assertEqual(masked, masked_head + MASK +
                                 xor(MASK, payload))
                self.assertEqual(decode(masked), (True, OP_BINARY, payload))

    def test_first_byte_of_every_opcode(self):
        payload = b'\x03\xe8'  # two bytes, a valid close code too
        for opcode, fin, first in FIRST_BYTES:
            frame = encode_frame(opcode, payload, fin)
            self.assertEqual(frame, bytes([first, 2]) + payload)
            self.assertEqual(decode(frame, require_mask=False),
                             (fin, opcode, payload))

    def test_limit_is_inclusive(self):
        for size in (0, 125, 126, 65536):
            frame = encode_frame(OP_BINARY, pattern(size), mask=MASK)
            self.assertEqual(decode(frame, max_size=size)[2], pattern(size))

    def test_reads_in_small_pieces(self):
        frame = encode_frame(OP_TEXT, pattern(300), mask=MASK)
        for step in (1, 2, 3, 7):
            self.assertEqual(
                run_sync(read_frame(Trickle(frame, step).read, BIG)),
                (True, OP_TEXT, pattern(300)))

    def test_protocol_errors(self):
        for what, data, require_mask, max_size, code in READ_ERRORS:
            with self.subTest(what=what):
                with self.assertRaises(ConnectionClosed) as cm:
                    decode(data, max_size, require_mask)
                self.assertEqual(cm.exception.code, code, what)

    def test_truncated_frames_end_the_stream(self):
        for data in TRUNCATED:
            with self.subTest(data=data):
                with self.assertRaises(HTTPException):
                    decode(data)


# -------------------------------------------------------------- close frames

# (payload, (code, reason))
CLOSE_PAYLOADS = [
    (b'', (1005, '')),
    (b'\x03\xe8', (1000, '')),
    (b'\x03\xe8bye', (1000, 'bye')),
    (b'\x03\xe9', (1001, '')),
    (b'\x03\xea', (1002, '')),
    (b'\x03\xeb', (1003, '')),
    (b'\x03\xef', (1007, '')),
    (b'\x03\xf0', (1008, '')),
    (b'\x03\xf1', (1009, '')),
    (b'\x03\xf2', (1010, '')),
    (b'\x03\xf3', (1011, '')),
    (b'\x0b\xb8', (3000, '')),
    (b'\x0f\xa0', (4000, '')),
    (b'\x13\x87', (4999, '')),
    (b'\x0f\xa1\xc3\xa9t\xc3\xa9', (4001, '\u00e9t\u00e9')),
]

# (payload, code of the ConnectionClosed)
BAD_CLOSE_PAYLOADS = [
    (b'\x03', 1002),
    (b'\x00\x00', 1002),      # 0
    (b'\x03\xe7', 1002),      # 999
    (b'\x03\xec', 1002),      # 1004
    (b'\x03\xed', 1002),      # 1005
    (b'\x03\xee', 1002),      # 1006
    (b'\x03\xf7', 1002),      # 1015
    (b'\x03\xf8', 1002),      # 1016
    (b'\x0b\xb7', 1002),      # 2999
    (b'\x13\x88', 1002),      # 5000
    (b'\xff\xff', 1002),      # 65535
    (b'\x03\xe8\xff', 1007),  # invalid UTF-8 reason
    (b'\x03\xe8ok\xc3', 1007),  # reason cut inside a character
]

# (code, reason, payload)
CLOSE_ENCODINGS = [
    (1000, '', b'\x03\xe8'),
    (1001, 'going away', b'\x03\xe9going away'),
    (4001, '\u00e9', b'\x0f\xa1\xc3\xa9'),
]


def received_close(payload):
    """(code, reason) of the ConnectionClosed that a client's close frame
    with ``payload`` raises from ``receive()``."""
    messages, closed = receive_all(Peer(client_frame(OP_CLOSE,
                                                     payload)).session())
    return closed.code, closed.reason


def sent_close(code, reason=''):
    """The payload of the close frame that ``close(code, reason)`` sends."""
    peer = Peer()
    peer.session().close(code, reason)
    frames = peer.frames()
    return frames[0][2]


class TestClosePayloads(unittest.TestCase):
    def test_parse_close(self):
        for payload, expected in CLOSE_PAYLOADS:
            self.assertEqual(received_close(payload), expected)
            self.assertEqual(decode(client_frame(OP_CLOSE, payload)),
                             (True, OP_CLOSE, payload))

    def test_invalid_close_payloads(self):
        for payload, code in BAD_CLOSE_PAYLOADS:
            with self.subTest(payload=payload):
                if code == 1002:  # read_frame checks the code
                    with self.assertRaises(ConnectionClosed) as cm:
                        decode(client_frame(OP_CLOSE, payload))
                    self.assertEqual(cm.exception.code, code, payload)
                self.assertEqual(received_close(payload)[0], code, payload)

    def test_close_payload_both_ways(self):
        for code, reason, payload in CLOSE_ENCODINGS:
            self.assertEqual(sent_close(code, reason), payload)
            self.assertEqual(received_close(payload), (code, reason))

    def test_long_reason_fits_a_control_frame(self):
        payload = sent_close(1000, 'x' * 200)
        self.assertEqual(len(payload), 125)
        self.assertEqual(parse_close(payload), (1000, 'x' * 123))

    def test_long_reason_is_cut_between_characters(self):
        # 2-byte characters: 123 bytes would end inside the 62nd one
        payload = sent_close(1000, '\u00e9' * 100)
        self.assertLessEqual(len(payload), 125)
        code, reason = parse_close(payload)
        self.assertEqual((code, reason), (1000, '\u00e9' * 61))


# ------------------------------------------------------------ message layer

class MemoryConnection:
    """What a WebSocket uses of ``request.connection``."""

    def __init__(self, read, write):
        self.read, self.write = read, write

    def set_read_timeout(self, seconds):
        pass


def make_session(read, write, max_size=1024):
    """A server-side WebSocket over ``read`` and ``write``."""
    request = FakeRequest('GET', {})
    request.connection = MemoryConnection(read, write)
    session = WebSocket(request)
    session.max_message_size = max_size
    return session


class Peer:
    """The server's end of an in-memory WebSocket: the client's frames
    to read, and what the server wrote."""

    def __init__(self, *frames):
        self.input = io.BytesIO(b''.join(frames))
        self.written = []

    def session(self, max_size=1024):
        return make_session(self.input.read, self.written.append, max_size)

    def frames(self):
        return decode_all(b''.join(self.written))


def sent(data, opcode=None):
    """The frame that ``send(data, opcode)`` writes."""
    peer = Peer()
    peer.session().send(data, opcode)
    return b''.join(peer.written)


def receive(session):
    return session.receive()


def receive_all(session):
    """Messages until the connection closes, and the ConnectionClosed."""
    messages = []
    while True:
        try:
            messages.append(receive(session))
        except ConnectionClosed as exc:
            return messages, exc


# (what, client frames, max message size, close code the server sends)
SESSION_FAILURES = [
    ('invalid UTF-8', [client_frame(OP_TEXT, b'caf\xff')], 1024, 1007),
    ('invalid UTF-8 across fragments',
     [client_frame(OP_TEXT, b'\xc3', False),
      client_frame(OP_CONTINUATION, b'(')], 1024, 1007),
    ('truncated UTF-8 at the end',
     [client_frame(OP_TEXT, b'ok\xe2\x82')], 1024, 1007),
    ('text interleaved with text',
     [client_frame(OP_TEXT, b'a', False), client_frame(OP_TEXT, b'b')],
     1024, 1002),
    ('binary inside a text message',
     [client_frame(OP_TEXT, b'a', False), client_frame(OP_BINARY, b'b')],
     1024, 1002),
    ('continuation without a start',
     [client_frame(OP_CONTINUATION, b'a')], 1024, 1002),
    ('unmasked frame', [encode_frame(OP_TEXT, b'a')], 1024, 1002),
    ('reserved bit', [b'\xc1\x80' + MASK], 1024, 1002),
    ('unknown opcode', [b'\x83\x80' + MASK], 1024, 1002),
    ('fragmented ping', [client_frame(OP_PING, b'', False)], 1024, 1002),
    ('close code 1005 on the wire',
     [client_frame(OP_CLOSE, b'\x03\xed')], 1024, 1002),
    ('close payload of 1 byte', [client_frame(OP_CLOSE, b'\x03')], 1024,
     1002),
    ('close reason not UTF-8', [client_frame(OP_CLOSE, b'\x03\xe8\xff')],
     1024, 1007),
    ('message over the limit', [client_frame(OP_BINARY, b'x' * 17)], 16,
     1009),
    ('fragments over the limit',
     [client_frame(OP_BINARY, b'x' * 10, False),
      client_frame(OP_CONTINUATION, b'x' * 7)], 16, 1009),
    ('text fragments over the limit',
     [client_frame(OP_TEXT, b'x' * 16, False),
      client_frame(OP_CONTINUATION, b'y')], 16, 1009),
]


class TestSession(unittest.TestCase):
    def test_text_and_binary(self):
        peer = Peer(client_frame(OP_TEXT, b'hi \xc3\xa9'),
                    client_frame(OP_BINARY, b'\x00\xff'),
                    client_frame(OP_TEXT), client_frame(OP_BINARY))
        session = peer.session()
        self.assertEqual(receive(session), 'hi \u00e9')
        self.assertEqual(receive(session), b'\x00\xff')
        self.assertEqual(receive(session), '')
        self.assertEqual(receive(session), b'')
        self.assertEqual(peer.written, [])

    def test_fragmented_text(self):
        peer = Peer(client_frame(OP_TEXT, b'Hel', False),
                    client_frame(OP_CONTINUATION, b'lo'))
        self.assertEqual(receive(peer.session()), 'Hello')

    def test_fragmented_binary_with_empty_fragments(self):
        peer = Peer(client_frame(OP_BINARY, b'ab', False),
                    client_frame(OP_CONTINUATION, b'', False),
                    client_frame(OP_CONTINUATION, b'cd', False),
                    client_frame(OP_CONTINUATION, b''))
        self.assertEqual(receive(peer.session()), b'abcd')

    def test_character_split_across_fragments(self):
        peer = Peer(client_frame(OP_TEXT, b'\xc3', False),
                    client_frame(OP_CONTINUATION, b'\xa9'))
        self.assertEqual(receive(peer.session()), '\u00e9')

    def test_ping_between_fragments_is_answered(self):
        peer = Peer(client_frame(OP_TEXT, b'Hel', False),
                    client_frame(OP_PING, b'p1'),
                    client_frame(OP_CONTINUATION, b'lo'),
                    client_frame(OP_PING))
        session = peer.session()
        self.assertEqual(receive(session), 'Hello')
        self.assertEqual(peer.written, [b'\x8a\x02p1'])
        with self.assertRaises(ConnectionClosed):
            receive(session)  # the stream ends after the second ping
        self.assertEqual(peer.frames(), [(True, OP_PONG, b'p1'),
                                         (True, OP_PONG, b'')])

    def test_pong_is_ignored(self):
        peer = Peer(client_frame(OP_PONG, b'x'), client_frame(OP_TEXT, b'a'))
        self.assertEqual(receive(peer.session()), 'a')
        self.assertEqual(peer.written, [])

    def test_limit_is_inclusive(self):
        peer = Peer(client_frame(OP_BINARY, b'x' * 16),
                    client_frame(OP_BINARY, b'y' * 8, False),
                    client_frame(OP_CONTINUATION, b'y' * 8))
        session = peer.session(16)
        self.assertEqual(receive(session), b'x' * 16)
        self.assertEqual(receive(session), b'y' * 16)

    def test_ping_near_the_limit_is_answered(self):
        # control frames are not part of the message: only the data
        # fragments count against max_message_size
        peer = Peer(client_frame(OP_BINARY, b'x' * 10, False),
                    client_frame(OP_PING, b'p' * 10),
                    client_frame(OP_CONTINUATION, b'x' * 6))
        self.assertEqual(receive(peer.session(16)), b'x' * 16)
        self.assertEqual(peer.frames(), [(True, OP_PONG, b'p' * 10)])

    def test_close_is_echoed(self):
        peer = Peer(client_frame(OP_TEXT, b'last'),
                    client_frame(OP_CLOSE, close_payload(1000, 'bye')))
        session = peer.session()
        messages, closed = receive_all(session)
        self.assertEqual(messages, ['last'])
        self.assertEqual((closed.code, closed.reason), (1000, 'bye'))
        self.assertEqual(peer.written, [b'\x88\x02\x03\xe8'])
        self.assertTrue(session.closed)
        with self.assertRaises(ConnectionClosed):
            receive(session)
        with self.assertRaises(ConnectionClosed):
            session.send('late')
        session.close()  # already closed: nothing more is sent
        self.assertEqual(len(peer.written), 1)

    def test_close_codes_are_echoed(self):
        for code in (1001, 3000, 4000, 4999):
            peer = Peer(client_frame(OP_CLOSE, close_payload(code)))
            messages, closed = receive_all(peer.session())
            self.assertEqual(closed.code, code)
            self.assertEqual(peer.frames(), [close_frame(code)])

    def test_close_without_code(self):
        peer = Peer(client_frame(OP_CLOSE))
        messages, closed = receive_all(peer.session())
        self.assertEqual(closed.code, 1005)
        self.assertEqual(peer.frames(), [close_frame(1000)])

    def test_protocol_failures_send_a_close(self):
        for what, frames, max_size, code in SESSION_FAILURES:
            with self.subTest(what=what):
                peer = Peer(*frames)
                session = peer.session(max_size)
                messages, closed = receive_all(session)
                self.assertEqual(messages, [], what)
                self.assertEqual(closed.code, code, what)
                written = peer.frames()
                self.assertEqual(len(written), 1, what)
                self.assertEqual(written[0][:2], (True, OP_CLOSE), what)
                self.assertEqual(parse_close(written[0][2])[0], code, what)
                self.assertTrue(session.closed)

    def test_stream_ends_mid_frame(self):
        for data in TRUNCATED[1:]:
            peer = Peer(data)
            messages, closed = receive_all(peer.session())
            self.assertEqual(closed.code, 1006)
            self.assertEqual(peer.written, [])

    def test_failure_reads_on_to_the_peers_close(self):
        # closing a socket with unread input resets the connection, which
        # can destroy the close frame before the peer reads it: after
        # failing, the session drops what the peer still sends (the rest
        # of an oversized frame included) until the peer's close frame
        for max_size, frames in (
                (16, [client_frame(OP_BINARY, b'x' * 300),
                      client_frame(OP_TEXT, b'ignored')]),
                (1024, [client_frame(OP_TEXT, b'\xff'),
                        client_frame(OP_BINARY, b'ignored')])):
            peer = Peer(*(frames + [client_frame(OP_CLOSE,
                                                 close_payload(1000))]))
            messages, closed = receive_all(peer.session(max_size))
            self.assertEqual(len(peer.frames()), 1)
            self.assertEqual(peer.input.read(), b'', closed.code)

    def test_connection_reset_while_reading(self):
        def reset(size):
            raise OSError(104, 'ECONNRESET')

        written = []
        session = make_session(reset, written.append)
        with self.assertRaises(ConnectionClosed) as cm:
            receive(session)
        self.assertEqual(cm.exception.code, 1006)
        self.assertEqual(written, [])
        self.assertTrue(session.closed)

    def test_connection_reset_while_writing(self):
        def broken_pipe(data):
            raise OSError(32, 'EPIPE')

        session = make_session(Peer().input.read, broken_pipe)
        with self.assertRaises(ConnectionClosed) as cm:
            session.send('to nobody')
        self.assertEqual(cm.exception.code, 1006)
        self.assertTrue(session.closed)
        # a failure whose close frame cannot be written ends the same way
        peer = Peer(client_frame(OP_TEXT, b'\xff'))
        session = make_session(peer.input.read, broken_pipe)
        with self.assertRaises(ConnectionClosed) as cm:
            receive(session)
        self.assertEqual(cm.exception.code, 1007)

    def test_stream_ends_between_fragments(self):
        peer = Peer(client_frame(OP_TEXT, b'Hel', False))
        messages, closed = receive_all(peer.session())
        self.assertEqual((messages, closed.code), ([], 1006))

    def test_send(self):
        peer = Peer()
        session = peer.session()
        session.send('hi')
        session.send(b'\x00\x01')
        session.send(b'raw text', OP_TEXT)
        session.send('x' * 126)
        self.assertEqual(peer.written, [
            b'\x81\x02hi', b'\x82\x02\x00\x01', b'\x81\x08raw text',
            b'\x81\x7e\x00\x7e' + b'x' * 126])

    def test_close_waits_for_the_reply(self):
        peer = Peer(client_frame(OP_TEXT, b'dropped'),
                    client_frame(OP_CLOSE, close_payload(4001)),
                    client_frame(OP_TEXT, b'after'))
        session = peer.session()
        session.close(4001, 'bye')
        self.assertEqual(peer.written, [b'\x88\x05\x0f\xa1bye'])
        self.assertTrue(session.closed)
        self.assertEqual(peer.input.read(), client_frame(OP_TEXT, b'after'))

    def test_close_when_the_peer_is_gone(self):
        peer = Peer(b'\x81\x85')
        session = peer.session()
        session.close(1001)
        self.assertEqual(peer.frames(), [close_frame(1001)])

    def test_client_side_masks_and_reads_unmasked(self):
        # the test clients' end of the WebSocket
        def client():
            yield 'from client'

        peer = WebSocketPeer(b'', client)
        peer.write(b'HTTP/1.1 101 Switching Protocols\r\n\r\n' +
                   encode_frame(OP_TEXT, b'from server'))
        self.assertEqual(peer.messages, ['from server'])
        written = peer.read(1024)
        self.assertEqual(decode(written), (True, OP_TEXT, b'from client'))
        self.assertEqual(written[1] & 0x80, 0x80)


# ------------------------------------------------- the wire flow of an app

def upgrade_request(path, headers=None):
    all_headers = dict(GOOD_HEADERS)
    all_headers.update(headers or {})
    return ('GET %s HTTP/1.1\r\n' % path + ''.join(
        ['%s: %s\r\n' % (name, value) for name, value in all_headers.items()
         if value is not None]) + '\r\n').encode()


def split_response(output):
    """(status line, header lines, frames) of what the server wrote."""
    head, _, rest = output.partition(b'\r\n\r\n')
    lines = head.decode().split('\r\n')
    if not lines[0].startswith('HTTP/1.1 101 '):
        return lines[0], lines[1:], rest  # refused: a plain HTTP response
    return lines[0], lines[1:], decode_all(rest)


class Errors:
    """Collects what a WebSocket route logs, for one test."""

    def __init__(self, test):
        self.logged = []
        saved = _microdot_http.print_exception
        _microdot_http.print_exception = self.logged.append
        test.addCleanup(setattr, _microdot_http, 'print_exception', saved)


class E2EError(Exception):
    pass


class WireContract:
    """An app's WebSocket routes fed request bytes and client frames in
    memory; what the server wrote is parsed back. Bound to sync and async
    apps below."""

    def exchange(self, path, frames=(), headers=None, break_after=None):
        """(status line, header lines, frames) the server wrote for the
        request to ``path`` followed by ``frames``; its writes fail after
        ``break_after`` of them when given."""
        raise NotImplementedError

    def test_echo(self):
        status, headers, frames = self.exchange('/echo', [
            client_frame(OP_TEXT, b'hi'),
            client_frame(OP_BINARY, b'\x00\xff'),
            client_frame(OP_TEXT, b'Hel', False),
            client_frame(OP_PING, b'p'),
            client_frame(OP_CONTINUATION, b'lo'),
            client_frame(OP_CLOSE, close_payload(1000))])
        self.assertEqual(status, 'HTTP/1.1 101 Switching Protocols')
        self.assertIn('Sec-WebSocket-Accept: ' + RFC_ACCEPT, headers)
        self.assertEqual(frames, [
            (True, OP_TEXT, b'hi'), (True, OP_BINARY, b'\x00\xff'),
            (True, OP_PONG, b'p'), (True, OP_TEXT, b'Hello'),
            close_frame(1000)])

    def test_client_close_code_reaches_the_handler(self):
        status, headers, frames = self.exchange('/record', [
            client_frame(OP_CLOSE, close_payload(4000, 'done'))])
        self.assertEqual(frames, [(True, OP_TEXT, b'ready'),
                                  close_frame(4000)])
        self.assertEqual(self.closed_with, [(4000, 'done')])

    def test_server_closes_with_a_code(self):
        for code in (1000, 1001, 4001):
            status, headers, frames = self.exchange('/close/%d' % code, [
                client_frame(OP_CLOSE, close_payload(code))])
            self.assertEqual(frames, [(True, OP_TEXT, b'closing'),
                                      close_frame(code, 'bye')])

    def test_handler_ending_closes_with_1000(self):
        status, headers, frames = self.exchange('/count/3', [
            client_frame(OP_CLOSE, close_payload(1000))])
        self.assertEqual(frames, [(True, OP_TEXT, b'0'), (True, OP_TEXT, b'1'),
                                  (True, OP_TEXT, b'2'), close_frame(1000)])

    def test_handler_exception_closes_with_1011_and_is_logged(self):
        errors = Errors(self)
        status, headers, frames = self.exchange('/fail', [
            client_frame(OP_TEXT, b'boom'),
            client_frame(OP_CLOSE, close_payload(1011))])
        self.assertEqual(frames, [close_frame(1011)])
        self.assertEqual(len(errors.logged), 1)
        self.assertIsInstance(errors.logged[0], E2EError)

    def test_protocol_error_closes_and_ends_quietly(self):
        errors = Errors(self)
        status, headers, frames = self.exchange('/echo', [
            client_frame(OP_TEXT, b'ok'), client_frame(OP_TEXT, b'\xff')])
        self.assertEqual(frames[0], (True, OP_TEXT, b'ok'))
        self.assertEqual(parse_close(frames[1][2])[0], 1007)
        self.assertEqual(len(frames), 2)
        self.assertEqual(errors.logged, [])

    def test_client_leaves_mid_frame(self):
        errors = Errors(self)
        status, headers, frames = self.exchange('/echo', [
            client_frame(OP_TEXT, b'ok'), b'\x81\x85' + MASK[:2]])
        self.assertEqual(frames, [(True, OP_TEXT, b'ok')])
        self.assertEqual(errors.logged, [])

    def test_client_gone_while_the_app_sends(self):
        # the handler learns it through ConnectionClosed: nothing logged
        errors = Errors(self)
        status, headers, frames = self.exchange('/count/3', [],
                                                break_after=2)
        self.assertEqual(status, 'HTTP/1.1 101 Switching Protocols')
        self.assertEqual(errors.logged, [])

    def test_bad_handshake_is_400(self):
        for changes in ({'Sec-WebSocket-Key': None},
                        {'Sec-WebSocket-Version': '12'},
                        {'Upgrade': None, 'Connection': None}):
            status, headers, body = self.exchange('/echo', [], changes)
            self.assertTrue(status.startswith('HTTP/1.1 400 '), status)
            self.assertNotIn('Sec-WebSocket-Accept: ' + RFC_ACCEPT, headers)


def make_sync_app(test):
    app = microdot.Microdot()
    with_websocket = microdot_websocket.with_websocket
    test.closed_with = []

    @app.route('/echo')
    @with_websocket
    def echo(request, ws):
        while True:
            ws.send(ws.receive())

    @app.route('/record')
    @with_websocket
    def record(request, ws):
        ws.send('ready')
        try:
            ws.receive()
        except ConnectionClosed as exc:
            test.closed_with.append((exc.code, exc.reason))

    @app.route('/close/<int:code>')
    @with_websocket
    def close(request, ws, code):
        ws.send('closing')
        ws.close(code, 'bye')

    @app.route('/count/<int:n>')
    @with_websocket
    def count(request, ws, n):
        for i in range(n):
            ws.send(str(i))

    @app.route('/fail')
    @with_websocket
    def fail(request, ws):
        ws.receive()
        raise E2EError('handler failed')

    @app.route('/headers')
    @with_websocket
    def headers(request, ws):
        ws.send(request.headers.get('X-Token', 'none'))
        ws.receive()

    return app


def make_async_app(test):
    app = microdot_asyncio.Microdot()
    with_websocket = microdot_asyncio_websocket.with_websocket
    test.closed_with = []

    @app.route('/echo')
    @with_websocket
    async def echo(request, ws):
        while True:
            await ws.send(await ws.receive())

    @app.route('/record')
    @with_websocket
    async def record(request, ws):
        await ws.send('ready')
        try:
            await ws.receive()
        except ConnectionClosed as exc:
            test.closed_with.append((exc.code, exc.reason))

    @app.route('/close/<int:code>')
    @with_websocket
    async def close(request, ws, code):
        await ws.send('closing')
        await ws.close(code, 'bye')

    @app.route('/count/<int:n>')
    @with_websocket
    async def count(request, ws, n):
        for i in range(n):
            await ws.send(str(i))

    @app.route('/fail')
    @with_websocket
    async def fail(request, ws):
        await ws.receive()
        raise E2EError('handler failed')

    @app.route('/headers')
    @with_websocket
    async def headers(request, ws):
        await ws.send(request.headers.get('X-Token', 'none'))
        await ws.receive()

    return app


class BrokenOutput:
    """An output whose writes fail (EPIPE) after ``writes`` of them."""

    def __init__(self, writes=None):
        self.output = io.BytesIO()
        self.writes = writes

    def write(self, data):
        if self.writes is not None:
            if self.writes <= 0:
                raise OSError(32, 'EPIPE')
            self.writes -= 1
        self.output.write(data)

    def getvalue(self):
        return self.output.getvalue()


class TestSyncWire(WireContract, unittest.TestCase):
    def exchange(self, path, frames=(), headers=None, break_after=None):
        app = make_sync_app(self)
        output = BrokenOutput(break_after)
        conn = Connection(io.BytesIO(
            upgrade_request(path, headers) + b''.join(frames)), output)
        run_sync(serve_connection(app, conn, ('127.0.0.1', 1234)))
        return split_response(output.getvalue())


class TestAsyncWire(WireContract, unittest.TestCase):
    def exchange(self, path, frames=(), headers=None, break_after=None):
        app = make_async_app(self)
        output = BrokenOutput(break_after)
        conn = _AsyncMemoryConnection(io.BytesIO(
            upgrade_request(path, headers) + b''.join(frames)), output)
        asyncio.run(run_async(serve_connection(app, conn,
                                               ('127.0.0.1', 1234))))
        return split_response(output.getvalue())


# ------------------------------------------------------------ test clients

class ClientContract:
    """``TestClient.websocket(path, client, headers=None)``, bound to the
    sync and async clients below."""

    def websocket(self, path, client, headers=None):
        raise NotImplementedError

    def test_echo_conversation(self):
        replies = []

        def client():
            replies.append((yield 'hello'))
            replies.append((yield b'\x00\x01'))
            replies.append((yield 'x' * 300))

        response = self.websocket('/echo', client)
        self.assertEqual(response.status_code, 101)
        self.assertEqual(response.headers['Sec-WebSocket-Accept'],
                         RFC_ACCEPT)
        self.assertEqual(replies, ['hello', b'\x00\x01', 'x' * 300])
        self.assertEqual(response.messages, replies)

    def test_server_initiated_messages(self):
        def client():
            return
            yield  # a generator that sends nothing

        response = self.websocket('/count/3', client)
        self.assertEqual(response.messages, ['0', '1', '2'])

    def test_server_closes_with_a_code(self):
        def client():
            yield 'ignored'

        response = self.websocket('/close/4001', client)
        self.assertEqual(response.messages, ['closing'])

    def test_headers_are_sent(self):
        def client():
            yield 'done'

        response = self.websocket('/headers', client, {'X-Token': 'abc'})
        self.assertEqual(response.messages, ['abc'])

    def test_client_close_reaches_the_handler(self):
        def client():
            return
            yield

        self.websocket('/record', client)
        self.assertEqual(self.closed_with, [(1000, '')])

    def test_bad_handshake_is_400(self):
        started = []

        def client():
            started.append(True)
            yield 'never sent'

        for headers in ({'Sec-WebSocket-Version': '12'},
                        {'Sec-WebSocket-Key': 'short'},
                        {'Upgrade': 'h2c'}):
            response = self.websocket('/echo', client, headers)
            self.assertEqual(response.status_code, 400)
            self.assertEqual(response.messages, [])
        self.assertEqual(started, [])

    def test_handler_exception_is_logged(self):
        errors = Errors(self)

        def client():
            yield 'boom'

        response = self.websocket('/fail', client)
        self.assertEqual(response.status_code, 101)
        self.assertEqual(response.messages, [])
        self.assertEqual(len(errors.logged), 1)
        self.assertIsInstance(errors.logged[0], E2EError)

    def test_handler_exception_close_code_is_reported(self):
        # a test needs to tell a handler that crashed (1011) from one that
        # ended (1000): the response carries the app's close frame
        Errors(self)

        def client():
            yield 'boom'

        response = self.websocket('/fail', client)
        self.assertEqual(getattr(response, 'close_code', None), 1011)
        response = self.websocket('/count/1', client)
        self.assertEqual(getattr(response, 'close_code', None), 1000)


class TestSyncClient(ClientContract, unittest.TestCase):
    def websocket(self, path, client, headers=None):
        return TestClient(make_sync_app(self)).websocket(path, client,
                                                         headers)

    def test_plain_get_to_a_websocket_route_is_400(self):
        response = TestClient(make_sync_app(self)).get('/echo')
        self.assertEqual(response.status_code, 400)


class TestAsyncClient(ClientContract, unittest.TestCase):
    def websocket(self, path, client, headers=None):
        return asyncio.run(AsyncTestClient(make_async_app(self)).websocket(
            path, client, headers))

    def test_plain_get_to_a_websocket_route_is_400(self):
        response = asyncio.run(AsyncTestClient(make_async_app(self)).get(
            '/echo'))
        self.assertEqual(response.status_code, 400)
