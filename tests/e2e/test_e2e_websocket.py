"""WebSocket over real sockets, with the ``websockets`` library as the client
(issue 6): once per server kind that has WebSocket (gunicorn/WSGI has none:
skipped, documented in conftest's ``differences``).

``apps/basic_app.py`` picks the WebSocket module of its server kind and sets
``max_message_size`` to 2 MiB; MicroPython kinds start with a 16 MiB heap
(``MICROPYTHON_WEBSOCKET_HEAP``) so that the 1 MiB echo fits. One server per
kind serves the whole module (``websocket_server``); every test checks that
the server logged no unexpected traceback while it ran.

Protocol-level cases (unmasked frame, invalid UTF-8, ping between fragments,
a client vanishing mid-frame) go over a raw socket after a manual
handshake, with a frame reader of this module's own. Under uvicorn the
framing and the handshake are uvicorn's (``--ws auto``: websockets-sansio,
the websockets library being installed), not ours: the cases assert what
it does, and conftest's ``differences`` lists where that differs.
"""
import base64
import json
import os
import socket
import struct
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from conftest import unexpected_tracebacks

TIMEOUT = 10.0
# how long the client waits for the server to end TCP after the closing
# handshake: a server that keeps the connection open costs this much
CLOSE_TIMEOUT = 2.0
MIB = 1024 * 1024
SIZES = [0, 125, 126, 65535, 65536, MIB]
MASK = b'\x11\x22\x33\x44'
OP_CONTINUATION, OP_TEXT, OP_BINARY = 0, 1, 2
OP_CLOSE, OP_PING, OP_PONG = 8, 9, 10


@pytest.fixture(autouse=True)
def no_new_server_errors(websocket_server):
    """Fail the test during which the server logged a traceback (other than
    the app's deliberate E2EIntentionalError)."""
    before = [len(text) for text in websocket_server.output()]
    yield
    time.sleep(0.02)  # a handler thread may still be finishing
    after = websocket_server.output()
    # the module's teardown checks only what comes after this
    websocket_server.checked = tuple(len(text) for text in after)
    new = ''.join(text[start:] for text, start in zip(after, before))
    problems = unexpected_tracebacks(new, websocket_server.spec.allowed_logs())
    assert not problems, '%s logged:\n%s' % (websocket_server.kind,
                                             '\n\n'.join(problems))
    assert websocket_server.proc.poll() is None, 'the server exited'


def ws_connect(server, path, **options):
    options.setdefault('max_size', 4 * MIB)
    return connect('ws://%s:%d%s' % (server.host, server.port, path),
                   proxy=None, open_timeout=TIMEOUT,
                   close_timeout=CLOSE_TIMEOUT,
                   ping_interval=None, **options)


def text_of(size):
    return ''.join(chr(32 + i % 95) for i in range(size))


def binary_of(size):
    block = bytes(range(256))
    return (block * (size // 256 + 1))[:size]


def closed_by_server(ws):
    """Wait for the server's close; return its (code, reason)."""
    with pytest.raises(ConnectionClosed) as info:
        while True:
            ws.recv(timeout=TIMEOUT)
    assert info.value.rcvd is not None, 'no close frame from the server'
    return info.value.rcvd.code, info.value.rcvd.reason


# ----------------------------------------------------- the websockets client

@pytest.mark.parametrize('size', SIZES)
def test_echo(websocket_server, size):
    with ws_connect(websocket_server, '/ws/echo') as ws:
        text = text_of(size)
        ws.send(text)
        assert ws.recv(timeout=TIMEOUT) == text
        binary = binary_of(size)
        ws.send(binary)
        assert ws.recv(timeout=TIMEOUT) == binary


def test_many_messages_on_one_connection(websocket_server):
    with ws_connect(websocket_server, '/ws/echo') as ws:
        for i in range(50):
            ws.send('message %d \u00e9' % i)
            assert ws.recv(timeout=TIMEOUT) == 'message %d \u00e9' % i


def test_fragmented_messages(websocket_server):
    with ws_connect(websocket_server, '/ws/echo') as ws:
        ws.send(['Hel', 'lo ', '', 'w\u00f6rld'])
        assert ws.recv(timeout=TIMEOUT) == 'Hello w\u00f6rld'
        ws.send([b'ab', b'', b'cd'])
        assert ws.recv(timeout=TIMEOUT) == b'abcd'
        # a character split across two fragments
        ws.send([b'caf\xc3', b'\xa9'], text=True)
        assert ws.recv(timeout=TIMEOUT) == 'caf\u00e9'
        parts = [binary_of(40000)] * 3
        ws.send(parts)
        assert ws.recv(timeout=TIMEOUT) == b''.join(parts)


def test_ping_pong(websocket_server):
    with ws_connect(websocket_server, '/ws/echo') as ws:
        for payload in (b'', b'probe', b'x' * 125):
            assert ws.ping(payload).wait(TIMEOUT), 'no pong for %r' % payload
        ws.send('still open')
        assert ws.recv(timeout=TIMEOUT) == 'still open'


def test_client_close_code_reaches_the_handler(websocket_server):
    with ws_connect(websocket_server, '/ws/record') as ws:
        assert ws.recv(timeout=TIMEOUT) == 'ready'
        ws.close(4000, 'client done')
        assert ws.protocol.close_rcvd.code == 4000  # echoed
    deadline = time.monotonic() + 5
    while True:
        seen = websocket_server.get('/ws/last-close').json()
        if seen or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert seen == {'code': 4000, 'reason': 'client done'}


@pytest.mark.parametrize('code', [1000, 1001, 4001])
def test_server_closes_with_a_code(websocket_server, code):
    with ws_connect(websocket_server, '/ws/close/%d' % code) as ws:
        assert ws.recv(timeout=TIMEOUT) == 'closing'
        assert closed_by_server(ws) == (code, 'bye')


def test_server_sends_messages_then_closes(websocket_server):
    with ws_connect(websocket_server, '/ws/count/20') as ws:
        received = [ws.recv(timeout=TIMEOUT) for _ in range(20)]
        assert closed_by_server(ws) == (1000, '')
    assert received == ['message %d' % i for i in range(20)]


def test_handler_exception_closes_with_1011(websocket_server):
    with ws_connect(websocket_server, '/ws/error') as ws:
        ws.send('boom')
        assert closed_by_server(ws)[0] == 1011


def test_oversized_message_is_1009(websocket_server):
    # /ws/small takes 1 KiB: 1025 bytes fit the socket buffers, so the
    # client is done sending when the server answers (see the raw test
    # below for a message the server leaves unread)
    with ws_connect(websocket_server, '/ws/small') as ws:
        ws.send(text_of(1024))
        assert ws.recv(timeout=TIMEOUT) == text_of(1024)
        try:  # two fragments: the second one crosses the limit
            ws.send([binary_of(600), binary_of(425)])
        except ConnectionClosed:
            pass  # the server's close came before the last fragment left
        assert closed_by_server(ws)[0] == 1009
    websocket_server.assert_alive()


def test_unknown_route_is_404(websocket_server):
    expected = websocket_server.difference('websocket-not-found', {})
    with pytest.raises(InvalidStatus) as info:
        with ws_connect(websocket_server, '/no-such-route'):
            pass
    assert info.value.response.status_code == expected.get('status', 404)


# --------------------------------------------------------------- raw sockets

def handshake(key=None, version='13', path='/ws/echo', extra=b''):
    key = key or base64.b64encode(os.urandom(16)).decode()
    lines = ['GET %s HTTP/1.1' % path, 'Host: 127.0.0.1',
             'Upgrade: websocket', 'Connection: Upgrade']
    if key != 'omit':
        lines.append('Sec-WebSocket-Key: ' + key)
    if version is not None:
        lines.append('Sec-WebSocket-Version: ' + version)
    return ('\r\n'.join(lines) + '\r\n').encode() + extra + b'\r\n'


def frame(opcode, payload=b'', fin=True, mask=MASK):
    # an encoder of our own, independent of microdot_websocket
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if mask else 0
    if len(payload) < 126:
        head += bytes([bit | len(payload)])
    elif len(payload) < 65536:
        head += bytes([bit | 126]) + struct.pack('!H', len(payload))
    else:
        head += bytes([bit | 127]) + struct.pack('!Q', len(payload))
    if not mask:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4]
                               for i, b in enumerate(payload))


def read_frame(conn):
    """(fin, opcode, payload) of the next server frame; servers never mask."""
    first, second = conn.read_exact(2)
    assert not second & 0x80, 'the server masked a frame'
    size = second & 0x7F
    if size == 126:
        size = struct.unpack('!H', conn.read_exact(2))[0]
    elif size == 127:
        size = struct.unpack('!Q', conn.read_exact(8))[0]
    return bool(first & 0x80), first & 0x0F, conn.read_exact(size)


def close_code(payload):
    return struct.unpack('!H', payload[:2])[0] if payload else 1005


class RawWebSocket:
    """A raw socket through the opening handshake."""

    def __init__(self, server, path='/ws/echo'):
        self.conn = server.connect(TIMEOUT)
        self.conn.send(handshake(path=path))
        version, status, reason, headers = self.conn.read_head()
        assert status == 101, (status, reason)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def send(self, data):
        self.conn.send(data)

    def read_frame(self):
        return read_frame(self.conn)

    def expect_close(self, code):
        """The server fails the connection with ``code``: a close frame
        (after any other frames it sent) and then the end of the stream."""
        while True:
            fin, opcode, payload = self.read_frame()
            if opcode == OP_CLOSE:
                break
        assert close_code(payload) == code, payload
        try:  # our close reply; the server may already be gone
            self.conn.send(frame(OP_CLOSE, payload[:2]))
        except OSError:
            pass
        self.conn.assert_closed(within=TIMEOUT)


def test_raw_echo_and_clean_close(websocket_server):
    with RawWebSocket(websocket_server) as ws:
        ws.send(frame(OP_TEXT, b'raw'))
        assert ws.read_frame() == (True, OP_TEXT, b'raw')
        ws.send(frame(OP_CLOSE, struct.pack('!H', 1000)))
        fin, opcode, payload = ws.read_frame()
        assert (opcode, close_code(payload)) == (OP_CLOSE, 1000)
        ws.conn.assert_closed(within=TIMEOUT)


def test_oversized_frame_is_1009_then_a_clean_close(websocket_server):
    # 2 MiB + 1 byte against the app's 2 MiB limit, sent by a thread while
    # this one reads: the close frame must come, and then the end of the
    # connection after our close reply, not a reset (a server that closes
    # with unread input makes the kernel reset the connection; real clients
    # still sending, the websockets library included, then often report
    # 1006 instead of the server's 1009)
    with RawWebSocket(websocket_server) as ws:
        payload = frame(OP_BINARY, binary_of(2 * MIB + 1))
        errors = []
        sender = threading.Thread(target=send_ignoring_errors,
                                  args=(ws.conn.sock, payload, errors))
        sender.start()
        try:
            while True:
                fin, opcode, payload = ws.read_frame()
                if opcode == OP_CLOSE:
                    break
        finally:
            sender.join(TIMEOUT)
        assert close_code(payload) == 1009
        assert errors == [], 'the server reset the connection while the ' \
            'client was sending: %r' % errors
        ws.send(frame(OP_CLOSE, payload[:2]))
        assert_clean_end(ws.conn)
    websocket_server.assert_alive()


def send_ignoring_errors(sock, data, errors):
    try:
        sock.sendall(data)
    except OSError as exc:
        errors.append(exc)


def assert_clean_end(conn):
    """The server ends the connection with a FIN, not a reset."""
    assert not conn.buffer, 'unexpected bytes: %r' % conn.buffer[:100]
    try:
        data = conn.sock.recv(65536)
    except ConnectionResetError:
        raise AssertionError('the server reset the connection')
    assert data == b'', 'expected the end of the stream, got %r' % data[:100]


def test_ping_between_fragments(websocket_server):
    with RawWebSocket(websocket_server) as ws:
        ws.send(frame(OP_TEXT, b'Hel', fin=False) + frame(OP_PING, b'p1') +
                frame(OP_CONTINUATION, b'lo'))
        assert ws.read_frame() == (True, OP_PONG, b'p1')
        assert ws.read_frame() == (True, OP_TEXT, b'Hello')


def test_unmasked_client_frame_is_1002(websocket_server):
    with RawWebSocket(websocket_server) as ws:
        ws.send(frame(OP_TEXT, b'not masked', mask=None))
        ws.expect_close(1002)
    websocket_server.assert_alive()


def test_invalid_utf8_is_1007(websocket_server):
    expected = websocket_server.difference('websocket-invalid-utf8', {})
    with RawWebSocket(websocket_server) as ws:
        ws.send(frame(OP_TEXT, b'caf\xc3('))
        ws.expect_close(expected.get('close_code', 1007))
    websocket_server.assert_alive()


def test_reserved_bit_is_1002(websocket_server):
    with RawWebSocket(websocket_server) as ws:
        ws.send(b'\xc1\x80' + MASK)
        ws.expect_close(1002)
    websocket_server.assert_alive()


# (what, request bytes); every one gets 400 and no upgrade
BAD_HANDSHAKES = [
    ('missing-key', handshake(key='omit')),
    ('short-key', handshake(key='c2hvcnQ=')),
    ('wrong-version', handshake(version='12')),
    ('missing-version', handshake(version=None)),
    ('no-upgrade', b'GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
]


@pytest.mark.parametrize('what,request_bytes', BAD_HANDSHAKES,
                         ids=[case[0] for case in BAD_HANDSHAKES])
def test_bad_handshake_is_400(websocket_server, what, request_bytes):
    expected = websocket_server.difference(
        'websocket-bad-handshake', {}).get(what, 400)
    with websocket_server.connect(TIMEOUT) as conn:
        conn.send(request_bytes)
        response = conn.read_response()
    assert response.status == expected, (what, response.status,
                                         response.body[:200])
    assert response.header('Sec-WebSocket-Accept') is None
    websocket_server.assert_alive()


@pytest.mark.parametrize('abort', [False, True], ids=['fin', 'reset'])
def test_client_vanishes_mid_frame(websocket_server, abort):
    ws = RawWebSocket(websocket_server)
    ws.send(frame(OP_TEXT, b'ok'))
    assert ws.read_frame() == (True, OP_TEXT, b'ok')
    # a 200-byte frame of which only the head and 10 bytes arrive
    ws.send(frame(OP_BINARY, b'x' * 200)[:18])
    if abort:  # an RST instead of a FIN
        ws.conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                struct.pack('ii', 1, 0))
    ws.conn.close()
    with ws_connect(websocket_server, '/ws/echo') as next_ws:
        next_ws.send('next connection')
        assert next_ws.recv(timeout=TIMEOUT) == 'next connection'
    websocket_server.assert_alive()


def test_client_vanishes_while_the_server_sends(websocket_server):
    # the handler's send() fails: it must learn that the client left
    # (ConnectionClosed, ended quietly), not log an OSError
    ws = RawWebSocket(websocket_server, '/ws/count/200000')
    assert ws.read_frame() == (True, OP_TEXT, b'message 0')
    ws.conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack('ii', 1, 0))
    ws.conn.close()
    with ws_connect(websocket_server, '/ws/echo') as next_ws:
        next_ws.send('next connection')
        assert next_ws.recv(timeout=TIMEOUT) == 'next connection'
    websocket_server.assert_alive()


def test_last_close_route_is_json(websocket_server):
    # the helper route of test_client_close_code_reaches_the_handler
    reply = websocket_server.get('/ws/last-close')
    assert reply.status == 200
    assert isinstance(json.loads(reply.body.decode()), dict)
