"""Property tests of the WebSocket codec (CPython only: hypothesis).

- every frame the test clients' ``encode_frame`` makes, ``read_frame``
  reads back, whatever the opcode, payload, mask and the size of the reads;
- close frames round-trip: what ``WebSocket.close(code, reason)`` sends,
  ``receive()`` on the other end raises as ConnectionClosed(code, reason);
- arbitrary bytes fed to ``read_frame`` raise nothing but ConnectionClosed
  (a close code) or HTTPException (the stream ended), and fed to
  ``WebSocket.receive`` nothing but ConnectionClosed, after at most one close
  frame with a valid code and pongs for pings.
"""
import io

from hypothesis import given, settings, strategies as st, HealthCheck

from _microdot_http import HTTPException
from _microdot_http import run_sync
from _microdot_test_websocket import encode_frame, apply_mask
from microdot_websocket import read_frame, WebSocket, ConnectionClosed, \
    OP_TEXT, OP_BINARY, OP_PING

OP_CONTINUATION, OP_CLOSE, OP_PONG = 0, 8, 10

SETTINGS = settings(max_examples=500, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
DATA_OPCODES = (OP_CONTINUATION, OP_TEXT, OP_BINARY)
CONTROL_OPCODES = (OP_CLOSE, OP_PING, OP_PONG)
# the sizes where the length encoding changes
BOUNDARIES = (0, 1, 125, 126, 127, 65535, 65536, 65537)
VALID_CODES = st.sampled_from([1000, 1001, 1002, 1003, 1007, 1008, 1009,
                               1010, 1011]) | st.integers(3000, 4999)

masks = st.none() | st.binary(min_size=4, max_size=4)


class Connection:
    """What a WebSocket uses of ``request.connection``."""

    def __init__(self, read, write):
        self.read, self.write = read, write

    def set_read_timeout(self, seconds):
        pass


class Request:
    def __init__(self, read, write):
        self.connection = Connection(read, write)


def make_session(read, write, max_size):
    session = WebSocket(Request(read, write))
    session.max_message_size = max_size
    return session


def close_payload(code, reason=''):
    """What ``close(code, reason)`` sends as the close frame's payload."""
    written = []
    make_session(io.BytesIO().read, written.append, 0).close(code, reason)
    return run_sync(read_frame(io.BytesIO(written[0]).read, 0, False))[2]


def parse_close(payload):
    """(code, reason) that a client's close frame with ``payload`` makes
    ``receive()`` raise."""
    frame = encode_frame(OP_CLOSE, payload, mask=b'\x01\x02\x03\x04')
    try:
        make_session(io.BytesIO(frame).read, [].append, 0).receive()
    except ConnectionClosed as closed:
        return closed.code, closed.reason
    raise AssertionError('receive() returned after a close frame')


@st.composite
def frames(draw):
    """(fin, opcode, payload, mask) of a valid frame."""
    opcode = draw(st.sampled_from(DATA_OPCODES + CONTROL_OPCODES))
    if opcode == OP_CLOSE:  # read_frame checks the code and the reason
        payload = draw(st.just(b'') | st.builds(
            lambda code, reason: code.to_bytes(2, 'big') + reason.encode(),
            VALID_CODES, st.text(max_size=30)))
        return True, opcode, payload, draw(masks)
    if opcode in CONTROL_OPCODES:
        return True, opcode, draw(st.binary(max_size=125)), draw(masks)
    if draw(st.booleans()):
        size = draw(st.sampled_from(BOUNDARIES))
        payload = bytes([draw(st.integers(0, 255))]) * size
    else:
        payload = draw(st.binary(max_size=300))
    return draw(st.booleans()), opcode, payload, draw(masks)


class Pieces:
    """A stream that hands out at most ``step`` bytes per read."""

    def __init__(self, data, step):
        self.data, self.step = data, step

    def read(self, size):
        data = self.data[:min(size, self.step)]
        self.data = self.data[len(data):]
        return data


@SETTINGS
@given(frames(), st.integers(1, 70000))
def test_encode_decode_round_trip(frame, step):
    fin, opcode, payload, mask = frame
    data = encode_frame(opcode, payload, fin, mask)
    stream = Pieces(data, step)
    decoded = run_sync(read_frame(stream.read, len(payload),
                                  mask is not None))
    assert decoded == (fin, opcode, payload)
    assert stream.data == b''  # exactly one frame was read


@SETTINGS
@given(st.binary(min_size=4, max_size=4), st.binary(max_size=600))
def test_mask_is_its_own_inverse(mask, data):
    masked = apply_mask(mask, data)
    assert len(masked) == len(data)
    assert masked == bytes(b ^ mask[i % 4] for i, b in enumerate(data))
    assert apply_mask(mask, masked) == data


# reasons of any length; non-ASCII ones cross the 123-byte cut sooner
reasons = st.text(max_size=150) | st.text(
    st.characters(min_codepoint=0x80, codec='utf-8'), min_size=30,
    max_size=100)


@SETTINGS
@given(VALID_CODES, reasons)
def test_close_payload_round_trip(code, reason):
    payload = close_payload(code, reason)
    assert len(payload) <= 125  # it must fit a control frame
    parsed_code, parsed_reason = parse_close(payload)
    assert parsed_code == code
    assert reason.startswith(parsed_reason)


@SETTINGS
@given(st.binary(max_size=300), st.booleans(), st.integers(0, 400))
def test_random_bytes_never_crash_read_frame(data, require_mask, max_size):
    stream = io.BytesIO(data)
    try:
        while True:
            fin, opcode, payload = run_sync(read_frame(
                stream.read, max_size, require_mask))
            assert len(payload) <= max_size
            assert opcode in DATA_OPCODES + CONTROL_OPCODES
    except ConnectionClosed as exc:
        assert exc.code in (1002, 1009)
    except HTTPException as exc:  # the stream ended
        assert exc.status_code == 400


def check_session(data, max_size):
    written = []
    session = make_session(io.BytesIO(data).read, written.append, max_size)
    messages = []
    try:
        for _ in range(len(data) + 1):
            messages.append(session.receive())
    except ConnectionClosed as closed:
        assert 1000 <= closed.code <= 4999
    else:
        raise AssertionError('the stream ended and receive() still returns')
    for message in messages:
        assert isinstance(message, (str, bytes))
        assert len(message) <= max_size
    # what the server wrote: pongs, then at most one close with a valid code
    sent = io.BytesIO(b''.join(written))
    replies = []
    while sent.tell() < len(b''.join(written)):
        replies.append(run_sync(read_frame(sent.read, 125, False)))
    closes = [reply for reply in replies if reply[1] == OP_CLOSE]
    assert len(closes) <= 1
    assert all(reply[1] == OP_PONG for reply in replies[:len(replies) -
                                                        len(closes)])
    if closes:
        assert replies[-1][1] == OP_CLOSE
        payload = closes[0][2]  # read_frame checked it; receive() agrees
        assert parse_close(payload)[0] == int.from_bytes(payload[:2], 'big')
    return messages


@SETTINGS
@given(st.binary(max_size=300), st.integers(0, 300))
def test_random_bytes_never_crash_the_session(data, max_size):
    check_session(data, max_size)


@st.composite
def frame_sequences(draw):
    """Mostly well-formed masked frames, in any order: what a buggy or
    hostile client could send. Now and then a byte is flipped."""
    data = b''
    for _ in range(draw(st.integers(1, 6))):
        opcode = draw(st.sampled_from(DATA_OPCODES + CONTROL_OPCODES))
        if opcode == OP_CLOSE:
            payload = draw(st.binary(max_size=3) | st.builds(
                close_payload, VALID_CODES, st.text(max_size=10)))
        elif opcode in CONTROL_OPCODES:
            payload = draw(st.binary(max_size=125))
        elif opcode == OP_TEXT or draw(st.booleans()):
            payload = draw(st.text(max_size=40)).encode()
        else:
            payload = draw(st.binary(max_size=40))
        fin = opcode in CONTROL_OPCODES or draw(st.booleans())
        data += encode_frame(opcode, payload, fin, b'\x01\x02\x03\x04')
    if data and draw(st.booleans()):
        index = draw(st.integers(0, len(data) - 1))
        data = data[:index] + bytes([data[index] ^ draw(
            st.integers(1, 255))]) + data[index + 1:]
    return data


@SETTINGS
@given(frame_sequences(), st.integers(0, 200))
def test_frame_sequences_never_crash_the_session(data, max_size):
    check_session(data, max_size)
