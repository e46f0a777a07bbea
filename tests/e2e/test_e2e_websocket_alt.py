"""``microdot_websocket_alt`` (MicroPython's native ``websocket`` module)
under the ``micropython`` binary, with the ``websockets`` library as the
client: small text and binary messages (the native module reads what has
arrived, so messages stay well under one TCP segment and its 4 KiB buffer)
and a ping. The limits listed in docs/websocket.md (no close codes, no
pong: the native module drops control frames) are not tested. Runs
``apps/ws_alt_app.py``; one server per test.
"""
import pytest
from websockets.sync.client import connect

from conftest import APPS, ServerKind, Unavailable, check_server_health, \
    find_micropython, start_server, _micropython_env

TIMEOUT = 10.0


def _alt_command(port, **options):
    return [find_micropython(), APPS / 'ws_alt_app.py', port]


ALT_KIND = ServerKind('micropython-websocket-alt', _alt_command,
                      env=_micropython_env, concurrent=False)


@pytest.fixture
def alt_server(tmp_path):
    try:
        ALT_KIND.command(0)
    except Unavailable as exc:
        pytest.skip(str(exc))
    server = start_server(ALT_KIND, tmp_path)
    try:
        yield server
    finally:
        check_server_health(server)


def alt_connect(server, path='/ws/echo'):
    return connect('ws://%s:%d%s' % (server.host, server.port, path),
                   proxy=None, open_timeout=TIMEOUT, close_timeout=2,
                   ping_interval=None)


def test_alt_echo_small_messages(alt_server):
    messages = ['hello', '\u00e9t\u00e9 \u2603', 'x' * 900, b'\x00\x01\xff',
                bytes(range(256)) * 3]
    with alt_connect(alt_server) as ws:
        for message in messages:
            ws.send(message)
            assert ws.recv(timeout=TIMEOUT) == message
        ws.close(4000)
        assert ws.protocol.close_rcvd is not None  # the server answered
    alt_server.assert_alive()


def test_alt_survives_a_ping(alt_server):
    # the native module consumes control frames itself and sends no pong;
    # the WebSocket must stay open all the same (the websockets library
    # pings every 20 s by default)
    with alt_connect(alt_server) as ws:
        ws.ping(b'probe')
        ws.send('after the ping')
        assert ws.recv(timeout=TIMEOUT) == 'after the ping'
    alt_server.assert_alive()


def test_alt_is_unsupported_on_cpython():
    with pytest.raises(ImportError) as info:
        import microdot_websocket_alt  # noqa: F401
    assert 'MicroPython' in str(info.value)
