"""microdot_sse: the event codec (tables, both directions) and the stream's
behaviour through both test clients (a contract bound to a sync and an
async handler). Over real sockets on every server kind:
``tests/e2e/test_e2e_sse.py``.

Portable: runs under pytest and under tests/mp_runner.py on MicroPython,
where the sync binding is skipped (sync SSE handlers need threads).
"""
import io
import time
import unittest

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot
import microdot_asyncio
import microdot_test_client
import microdot_asyncio_test_client
import microdot_sse
from test_compat_1x import _Reader
from _microdot_sse_events import parse_events
from microdot_sse import SSE, format_event, sse_response, \
    with_sse

try:
    import threading  # noqa: F401 - only asks whether sync SSE can run
except ImportError:  # pragma: no cover - MicroPython
    threading = None

# (send() arguments, the bytes on the wire)
FORMATS = [
    (('hi',), b'data: hi\n\n'),
    (('',), b'data: \n\n'),
    (('a\nb',), b'data: a\ndata: b\n\n'),
    (('a\r\nb\rc\n',), b'data: a\ndata: b\ndata: c\ndata: \n\n'),
    ((b'bytes \xc3\xa9',), 'data: bytes \xe9\n\n'.encode()),
    ((42,), b'data: 42\n\n'),
    (({'a': 1},), b'data: {"a": 1}\n\n'),
    (([1, 'x'],), b'data: [1, "x"]\n\n'),
    (('x', 'tick', 7, 1500), b'event: tick\nid: 7\nretry: 1500\ndata: x\n\n'),
    (('x', None, 'abc'), b'id: abc\ndata: x\n\n'),
    ((': not a comment',), b'data: : not a comment\n\n'),
]

# (stream, the events an EventSource dispatches)
PARSES = [
    ('data: a\n\n', [{'event': 'message', 'data': 'a', 'id': None}]),
    ('data:a\r\ndata:  b\r\n\r\n',
     [{'event': 'message', 'data': 'a\n b', 'id': None}]),
    ('data: a\r\rdata: b\r\r', [{'event': 'message', 'data': 'a', 'id': None},
                                {'event': 'message', 'data': 'b', 'id': None}]),
    (': comment\n: ping\n\n', []),
    ('event: x\n\ndata: y\n\n', [{'event': 'message', 'data': 'y',
                                  'id': None}]),
    ('data\n\n', [{'event': 'message', 'data': '', 'id': None}]),
    ('id: 1\ndata: a\n\ndata: b\n\n',
     [{'event': 'message', 'data': 'a', 'id': '1'},
      {'event': 'message', 'data': 'b', 'id': '1'}]),
    ('id: a\0b\ndata: x\n\n', [{'event': 'message', 'data': 'x',
                                'id': None}]),
    ('retry: 10x\ndata: x\n\nretry: 20\ndata: y\n\n',
     [{'event': 'message', 'data': 'x', 'id': None},
      {'event': 'message', 'data': 'y', 'id': None, 'retry': 20}]),
    ('other: 1\ndata: x\n\n', [{'event': 'message', 'data': 'x',
                                'id': None}]),
    ('data: cut off\n', []),
    (b'event: t\ndata: \xc3\xa9\n\n', [{'event': 't', 'data': '\xe9',
                                       'id': None}]),
]


class TestCodec(unittest.TestCase):
    def test_format_table(self):
        for args, wire in FORMATS:
            self.assertEqual(format_event(*args), wire)

    def test_format_then_parse_gives_the_data_back(self):
        for data in ['x', 'two\nlines', 'a\n\nb', '', ' lead', 'caf\xe9']:
            event = parse_events(format_event(data, 'e', 'i'))
            self.assertEqual(event, [{'event': 'e', 'data': data, 'id': 'i'}])

    def test_parse_table(self):
        for stream, events in PARSES:
            self.assertEqual(parse_events(stream), events)

    def test_parse_then_format_gives_the_bytes_back(self):
        for _, wire in FORMATS:
            event = parse_events(wire)[0]
            self.assertEqual(format_event(event['data'], None if event[
                'event'] == 'message' else event['event'], event['id'],
                event.get('retry')), wire.replace(b'\r', b''))

    def test_line_breaks_in_fields_are_refused(self):
        for args in [('x', 'a\nb'), ('x', 'a\rb'), ('x', None, '1\n2'),
                     ('x', None, 'a\0')]:
            with self.assertRaises(ValueError):
                format_event(*args)


class _Dropped:
    """A client's end that takes the head and then is gone."""

    def __init__(self):
        self.writes = 0

    def write(self, data):
        self.writes += 1
        if self.writes > 1:
            raise OSError(32, 'Broken pipe')


class SSEContract:
    """Bound to the sync and the async side: ``modules`` is (framework,
    test client); ``handler(script, log)`` builds a handler that runs the
    script's steps (('send', args), ('sleep', seconds), ('loop', n),
    ('fail', None), ('oserror', None)) and logs its start and end. What
    the stream logs (``print_exception``) goes to ``self.logged``."""
    modules = (microdot, microdot_test_client)

    def setUp(self):
        self.saved = SSE.ping_interval, SSE.max_queue, SSE.send_timeout
        self.logged, self.print_exception = [], microdot_sse.print_exception
        microdot_sse.print_exception = self.logged.append

    def tearDown(self):
        SSE.ping_interval, SSE.max_queue, SSE.send_timeout = self.saved
        microdot_sse.print_exception = self.print_exception

    def app(self, script, log, route='/events'):
        app = self.modules[0].Microdot()
        app.route(route, methods=['GET', 'POST'])(
            with_sse(self.handler(script, log)))
        return app

    def get(self, app, path='/events', headers=None, client=None):
        client = client or self.modules[1].TestClient(app)
        return self.resolve(client.get(path, headers))

    def test_headers_and_events(self):
        log = []
        res = self.get(self.app([('send', ('one',)),
                                 ('send', ({'n': 2}, 'tick', 5)),
                                 ('send', ('a\nb',))], log))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Type'],
                         'text/event-stream; charset=UTF-8')
        self.assertEqual(res.headers['Cache-Control'], 'no-cache')
        self.assertEqual(parse_events(res.body), [
            {'event': 'message', 'data': 'one', 'id': None},
            {'event': 'tick', 'data': '{"n": 2}', 'id': '5'},
            {'event': 'message', 'data': 'a\nb', 'id': '5'}])
        self.assertEqual(res.events, parse_events(res.body))
        self.assertEqual(log, [('start', None), 'end'])

    def test_last_event_id_reaches_the_handler(self):
        log = []
        self.get(self.app([], log), headers={'Last-Event-ID': '41'})
        self.assertEqual(log, [('start', '41'), 'end'])

    def test_a_failing_handler_ends_the_stream(self):
        log = []
        res = self.get(self.app([('send', ('x',)), ('fail', None),
                                 ('send', ('never',))], log))
        self.assertEqual(res.status_code, 200)
        self.assertEqual([e['data'] for e in parse_events(res.body)], ['x'])
        self.assertEqual(log, [('start', None), 'end'])
        self.assertEqual([type(e) for e in self.logged], [ValueError])

    def test_a_handler_os_error_is_logged(self):
        # only the OSError of send() to a client that left goes unlogged
        log = []
        res = self.get(self.app([('send', ('x',)), ('oserror', None)], log))
        self.assertEqual([e['data'] for e in parse_events(res.body)], ['x'])
        self.wait_for(log)
        self.assertEqual(len(self.logged), 1)
        self.assertIsInstance(self.logged[0], OSError)

    def test_heartbeat_comments_between_events(self):
        SSE.ping_interval = 0.02
        res = self.get(self.app([('send', ('a',)), ('sleep', 0.15),
                                 ('send', ('b',))], []))
        self.assertIn(b': ping\n\n', res.body)
        self.assertEqual([e['data'] for e in parse_events(res.body)],
                         ['a', 'b'])

    def test_no_heartbeat_by_default(self):
        res = self.get(self.app([('send', ('a',)), ('sleep', 0.05),
                                 ('send', ('b',))], []))
        self.assertNotIn(b'ping', res.body)

    def test_head_request_does_not_run_the_handler(self):
        log = []
        client = self.modules[1].TestClient(self.app([], log))
        res = self.resolve(client.request('HEAD', '/events'))
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.body, b'')
        self.assertEqual(log, [])

    def test_a_client_that_leaves_ends_the_handler(self):
        log = []
        client = self.modules[1].TestClient(
            self.app([('loop', 1000)], log))
        base = client.connection_class
        client.connection_class = lambda stream, output: base(stream,
                                                               _Dropped())
        with self.assertRaises(OSError):  # a server's driver swallows it
            self.get(None, client=client)
        self.wait_for(log)
        self.assertEqual(log[-1], 'end')
        self.assertLess(log[-2], 1000)
        self.assertEqual(self.logged, [])  # leaving is not an error

    def test_a_client_that_reads_nothing_is_dropped(self):
        SSE.max_queue, SSE.send_timeout, SSE.ping_interval = 2, 0.05, 0.01
        log = []
        rest = self.read_first_then_stall(self.handler([('loop', 1000)],
                                                       log))
        self.wait_for(log)
        self.assertEqual(log[-1], 'end')
        self.assertLessEqual(log[-2], 4)  # the buffer stays bounded
        self.assertLess(len(rest), 10)  # then the stream ends

    def test_sse_response_passes_arguments(self):
        log = []
        app = self.modules[0].Microdot()
        handler = self.handler([], log)
        app.route('/<int:n>')(
            lambda request, n: sse_response(request, handler, n, 'b'))
        self.assertEqual(self.get(app, '/3').status_code, 200)
        self.assertEqual(log, [('start', None, 3, 'b'), 'end'])

    def wait_for(self, log):
        for _ in range(100):  # a sync handler ends in its own thread
            if log[-1:] == ['end']:
                return
            time.sleep(0.01)


def sync_handler(script, log):
    def handler(request, sse, *args):
        log.append(('start', sse.last_event_id) + args)
        sent = None
        try:
            for step, value in script:
                if step == 'send':
                    sse.send(*value)
                elif step == 'sleep':
                    time.sleep(value)
                elif step == 'loop':
                    sent = 0
                    for sent in range(value):
                        sse.send('x' * 100)
                        time.sleep(0.001)
                elif step == 'oserror':
                    open('/nonexistent/microdot-sse-test')
                else:
                    raise ValueError('failed as the test asked')
        finally:
            log.extend(['end'] if sent is None else [sent, 'end'])
    return handler


def async_handler(script, log):
    async def handler(request, sse, *args):
        log.append(('start', sse.last_event_id) + args)
        sent = None
        try:
            for step, value in script:
                if step == 'send':
                    await sse.send(*value)
                elif step == 'sleep':
                    await asyncio.sleep(value)
                elif step == 'loop':
                    sent = 0
                    for sent in range(value):
                        await sse.send('x' * 100)
                        await asyncio.sleep(0.001)
                elif step == 'oserror':
                    open('/nonexistent/microdot-sse-test')
                else:
                    raise ValueError('failed as the test asked')
        finally:
            log.extend(['end'] if sent is None else [sent, 'end'])
    return handler


REQUEST = b'GET /events HTTP/1.1\r\nHost: x\r\n\r\n'


@unittest.skipIf(threading is None, 'sync SSE handlers need threads')
class TestSSESync(SSEContract, unittest.TestCase):
    handler = staticmethod(sync_handler)

    def resolve(self, value):
        return value

    def read_first_then_stall(self, handler):
        request = microdot.Request.create(microdot.Microdot(),
                                          io.BytesIO(REQUEST), ('x', 1))
        chunks = iter(sse_response(request, handler).body)
        self.assertEqual(next(chunks), b'data: ' + b'x' * 100 + b'\n\n')
        time.sleep(0.25)  # reads nothing more
        rest = []
        for chunk in chunks:  # what is left: the buffer, not pings forever
            rest.append(chunk)
            if len(rest) > 20:
                break
        return rest


def new_request():
    # an asyncio Request, as its server would make it
    return microdot_asyncio.Request.create(
        microdot_asyncio.Microdot(), _Reader(REQUEST), None, ('x', 1))


class TestSSEAsync(SSEContract, unittest.TestCase):
    modules = (microdot_asyncio, microdot_asyncio_test_client)
    handler = staticmethod(async_handler)

    def resolve(self, value):
        async def run():
            try:
                return await value
            finally:  # MicroPython's asyncio.run ends with tasks pending:
                await asyncio.sleep(0.02)  # let a cancelled handler end
        return asyncio.run(run())

    def read_first_then_stall(self, handler):
        async def run():
            request = await new_request()
            chunks = sse_response(request, handler).body.__aiter__()
            self.assertEqual(await chunks.__anext__(),
                             b'data: ' + b'x' * 100 + b'\n\n')
            await asyncio.sleep(0.25)  # reads nothing more
            rest = []
            while len(rest) < 21:
                try:
                    rest.append(await chunks.__anext__())
                except StopAsyncIteration:
                    break
            return rest
        return asyncio.run(run())

    def test_the_stream_closed_before_it_started(self):
        async def run():
            request = await new_request()
            body = sse_response(request, async_handler([], [])).body
            body.close()
            with self.assertRaises(StopAsyncIteration):
                await body.__anext__()
        asyncio.run(run())

