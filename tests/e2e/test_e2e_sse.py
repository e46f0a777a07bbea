"""Server-Sent Events over real sockets on every server kind, serving
``apps/sse_app.py``, read by an EventSource-style reader on a raw socket:
the framing, multi-line and JSON data, ``Last-Event-ID``, the heartbeat, a
client that leaves, and a client that reads nothing. The codec and the
stream's rules through the test clients: ``tests/test_sse.py``.
"""
import os
import socket
import time

import pytest

from conftest import _selected_kinds, module_server
from _microdot_sse_events import parse_events

@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def sse_server(request, tmp_path_factory):
    reason = request.param.differences.get('sse')
    if reason:
        pytest.skip('%s differs, documented: %s' % (request.param.name,
                                                    reason))
    marks = tmp_path_factory.mktemp(request.param.name + '-marks')
    for srv in module_server(request.param, tmp_path_factory.mktemp(
            request.param.name), 'sse_app', {'SSE_MARKS': str(marks)}):
        srv.marks = marks
        yield srv


class EventSource:
    """What a browser's EventSource does with one response: the head, then
    events as they arrive (chunked or to the end of the connection)."""

    def __init__(self, server, path, headers=None):
        self.conn = server.connect()
        lines = ['GET %s HTTP/1.1' % path, 'Host: localhost',
                 'Accept: text/event-stream', 'Cache-Control: no-cache']
        for name, value in (headers or {}).items():
            lines.append('%s: %s' % (name, value))
        self.conn.send(('\r\n'.join(lines) + '\r\n\r\n').encode())
        _, self.status, _, headers = self.conn.read_head()
        self.headers = {name.lower(): value for name, value in headers}
        self.chunked = self.headers.get('transfer-encoding') == 'chunked'
        self.text = b''
        self.ended = False

    def _more(self):
        if self.chunked:
            size = int(self.conn.read_line(), 16)
            if not size:
                self.ended = True
                return
            self.text += self.conn.read_exact(size)
            self.conn.read_exact(2)
        else:
            try:
                self.conn._fill()
            except EOFError:
                self.ended = True
            self.text, self.conn.buffer = self.text + self.conn.buffer, b''

    def events(self, count=None):
        """The first ``count`` events (all of them, to the stream's end)."""
        while not self.ended and (count is None or
                                  len(parse_events(self.text)) < count):
            self._more()
        return parse_events(self.text)[:count]

    def close(self):
        self.conn.close()


def wait_for_mark(server, name, seconds=5):
    path = os.path.join(str(server.marks), name + '.ended')
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return True
        time.sleep(0.02)
    return False


def test_head_and_events(sse_server):
    source = EventSource(sse_server, '/events?n=4')
    try:
        assert source.status == 200
        assert source.headers['content-type'].startswith('text/event-stream')
        assert source.headers['cache-control'] == 'no-cache'
        assert source.events() == [
            {'event': 'resume', 'data': '-', 'id': None},
            {'event': 'message', 'data': '{"n": 1}', 'id': '1'},
            {'event': 'message', 'data': 'line 2\nnext', 'id': '2'},
            {'event': 'message', 'data': '{"n": 3}', 'id': '3'}]
        assert source.ended
    finally:
        source.close()


def test_last_event_id_reaches_the_handler(sse_server):
    source = EventSource(sse_server, '/events?n=1', {'Last-Event-ID': '41'})
    try:
        assert source.events() == [{'event': 'resume', 'data': '41',
                                    'id': None}]
    finally:
        source.close()


def test_heartbeat_comments_keep_a_quiet_stream_open(sse_server):
    source = EventSource(sse_server, '/forever?id=quiet&every=0.3')
    try:
        source.events(2)
        assert b': ping\n\n' in source.text
    finally:
        source.close()


def test_a_client_that_leaves_ends_the_handler(sse_server):
    source = EventSource(sse_server, '/forever?id=left')
    assert [e['data'] for e in source.events(3)] == ['x' * 10] * 3
    source.close()
    assert wait_for_mark(sse_server, 'left')
    assert sse_server.get('/').status == 200


def test_a_client_that_reads_nothing_is_dropped(sse_server):
    sse_server.require_concurrency()
    sock = socket.create_connection((sse_server.host, sse_server.port))
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b'GET /forever?id=stall&every=0&size=16384 HTTP/1.1\r\n'
                     b'Host: localhost\r\n\r\n')
        # the server's buffers fill, send() waits send_timeout, the
        # handler ends; meanwhile other clients are served
        assert sse_server.get('/').status == 200
        assert wait_for_mark(sse_server, 'stall', 10)
    finally:
        sock.close()
    assert sse_server.get('/').status == 200
