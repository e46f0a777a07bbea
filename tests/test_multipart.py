"""microdot_multipart: the sans-IO parser (byte tables, fed whole and split
at every point), ``@with_form_data`` and ``FormDataIter`` bound to the sync
and the asyncio test client, and hostile bodies.

Portable: runs under pytest and under tests/mp_runner.py on MicroPython.
"""
import io
import unittest

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot
import microdot_asyncio
import microdot_test_client
import microdot_asyncio_test_client
from microdot import HTTPException
from microdot_multipart import FileUpload, FormDataIter, with_form_data
from _microdot_multipart import MultipartParser, parse_options, HEADERS, \
    DATA, END

CT = 'multipart/form-data; boundary=XyZ'


def body(*parts, boundary=b'XyZ', end=True):
    """A multipart body; each part is (disposition params, extra headers
    bytes, data)."""
    out = b''
    for params, extra, data in parts:
        out += b'--' + boundary + b'\r\nContent-Disposition: form-data; ' + \
            params + b'\r\n' + extra + b'\r\n' + data + b'\r\n'
    return out + (b'--' + boundary + b'--\r\n' if end else b'')


SAMPLE = body((b'name="a"', b'', b'hello'),
              (b'name="f"; filename="x.txt"', b'Content-Type: text/plain\r\n',
               b'line one\r\n--XyY x--XyZ\r\n\r\n-'),
              (b'name="a"', b'', b''))


def events_of(data, step=None):
    """Feed data (in pieces of step bytes) and return the events with the
    DATA events of each part joined."""
    parser = MultipartParser('XyZ', 100, 1024, 1024)
    found = []
    step = step or len(data)
    for i in range(0, len(data), step):
        for kind, value in parser.feed(data[i:i + step]):
            if kind == DATA and found and found[-1][0] == DATA:
                found[-1] = (DATA, found[-1][1] + value)
            elif kind == HEADERS:
                found.append((HEADERS, (value[0], value[1],
                                        value[2].get('Content-Type'))))
            else:
                found.append((kind, value))
    parser.close()
    return found


SAMPLE_EVENTS = [
    (HEADERS, ('a', None, None)), (DATA, b'hello'), (END, None),
    (HEADERS, ('f', 'x.txt', 'text/plain')),
    (DATA, b'line one\r\n--XyY x--XyZ\r\n\r\n-'), (END, None),
    (HEADERS, ('a', None, None)), (END, None)]


class TestParser(unittest.TestCase):
    def test_whole_body(self):
        self.assertEqual(events_of(SAMPLE), SAMPLE_EVENTS)

    def test_split_at_every_point(self):
        for step in (1, 2, 3, 5, 7, 11):
            self.assertEqual(events_of(SAMPLE, step), SAMPLE_EVENTS)
        for i in range(len(SAMPLE)):
            parser = MultipartParser('XyZ', 100, 1024, 1024)
            events = parser.feed(SAMPLE[:i]) + parser.feed(SAMPLE[i:])
            self.assertEqual(len([e for e in events if e[0] == END]), 3)

    def test_preamble_epilogue_and_padding(self):
        padded = SAMPLE.replace(b'\n--XyZ\r\n', b'\n--XyZ \t\r\n')
        data = b'preamble\r\n' + padded + b'epilogue'
        self.assertEqual(events_of(data), SAMPLE_EVENTS)

    def test_names(self):
        table = [
            (b'name="a b"; filename="../../etc/passwd"', ('a b',
                                                        '../../etc/passwd')),
            (b'name="q"; filename="a\\"b\\\\c"', ('q', 'a"b\\c')),
            (b'name=plain; filename=x.bin', ('plain', 'x.bin')),
            (b'name="n"; filename="nul\x00.txt"', ('n', 'nul\x00.txt')),
            (b'name="u"; filename="x"; filename*=UTF-8\'\'%E2%82%AC%20rates',
             ('u', '\u20ac rates')),
            (b'name="l"; filename*=iso-8859-1\'en\'%A3', ('l', '\xa3')),
            (b'name="\xc3\xa9t\xc3\xa9"', ('\xe9t\xe9', None)),
        ]
        for params, expected in table:
            found = events_of(body((params, b'', b'x')))
            self.assertEqual(found[0][1][:2], expected)

    def test_parse_options(self):
        self.assertEqual(parse_options('Multipart/Form-Data; Boundary="a;b"'),
                         ('multipart/form-data', {'boundary': 'a;b'}))
        self.assertEqual(parse_options('a; b="x" ; c = y'),
                         ('a', {'b': 'x', 'c': 'y'}))

    def test_malformed_is_400(self):
        table = [
            SAMPLE[:-10],  # no final delimiter
            b'no boundary at all',
            b'--XyZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XyZ--',
            b'--XyZ\r\nContent-Type: text/plain\r\n\r\nx\r\n--XyZ--',
            b'--XyZ\r\nbad header line\r\n\r\nx\r\n--XyZ--',
            b'--XyZ\r\nContent-Disposition: form-data; name="x\r\n\r\n'
            b'x\r\n--XyZ--',
            b'--XyZjunk\r\n',
            b'--XyZ' + b' ' * 300,  # endless padding after a delimiter
        ]
        for data in table:
            with self.assertRaises(HTTPException) as cm:
                events_of(data)
            self.assertEqual(cm.exception.status_code, 400)
        for boundary in ('', 'x' * 71):
            with self.assertRaises(HTTPException):
                MultipartParser(boundary, 1, 1, 1)

    def test_limits_are_413(self):
        # fed a piece at a time, as a server reads them: MicroPython's heap
        # does not hold the whole of the first two
        big_header = [b'--XyZ\r\nX-Big: '] + [b'h' * 4096] * 256
        many = [b'--XyZ\r\nContent-Disposition: form-data; name="p"\r\n'
                b'\r\n\r\n'] * 10000
        big_field = [body((b'name="a"', b'', b'v' * 2000))]
        for pieces in (big_header, many, big_field):
            parser = MultipartParser('XyZ', 100, 1024, 1024)
            with self.assertRaises(HTTPException) as cm:
                for piece in pieces:
                    parser.feed(piece)
            self.assertEqual(cm.exception.status_code, 413)
        # a file has no field limit
        self.assertEqual(events_of(body((b'name="f"; filename="f"', b'',
                                         b'v' * 5000)))[1][1], b'v' * 5000)

    def test_a_boundary_that_never_comes_keeps_one_buffer(self):
        parser = MultipartParser('XyZ', 100, 1024, 1024)
        parser.feed(b'--XyZ\r\nContent-Disposition: form-data; name="f"; '
                    b'filename="f"\r\n\r\n')
        for i in range(100):
            parser.feed(b'x' * 1000)
            self.assertLess(len(parser.buffer), 10)
        with self.assertRaises(HTTPException):
            parser.close()


class MultipartContract:
    """Bound below to the sync and the asyncio test client."""
    modules = (microdot, microdot_test_client)
    kept = []

    def setUp(self):
        request = self.modules[0].Request
        self.saved = request.max_body_length, request.max_content_length
        request.max_content_length = 1 << 20
        self.size = FileUpload.max_memory_size

    def tearDown(self):
        request = self.modules[0].Request
        request.max_body_length, request.max_content_length = self.saved
        FileUpload.max_memory_size = self.size

    def post(self, data, path='/form', content_type=CT):
        client = self.modules[1].TestClient(self.app())
        return self.resolve(client.post(
            path, headers={'Content-Type': content_type}, body=data))

    def resolve(self, value):
        return value

    def test_form_and_files(self):
        res = self.post(SAMPLE)
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.json, {
            'form': [['a', 'hello'], ['a', '']],
            'files': [['f', 'x.txt', 'text/plain',
                       'line one\r\n--XyY x--XyZ\r\n\r\n-']]})

    def test_streamed_body(self):
        self.modules[0].Request.max_body_length = 16
        self.test_form_and_files()
        self.test_iter()

    def test_large_file_spills_or_streams(self):
        FileUpload.max_memory_size = 8
        try:
            import tempfile  # noqa: F401
        except ImportError:  # pragma: no cover
            # MicroPython: the file stays a stream, the parts after it are
            # not read
            res = self.post(SAMPLE)
            self.assertEqual(res.json['form'], [['a', 'hello']])
            self.assertEqual(res.json['files'][0][3][:8], 'line one')
            return
        self.test_form_and_files()

    def test_iter(self):
        res = self.post(SAMPLE, '/iter')
        self.assertEqual(res.json, [['a', 'hello'], ['f', 'x.txt', 'line '],
                                    ['a', '']])

    def test_copy_outlives_the_request(self):
        del self.kept[:]
        self.assertEqual(self.post(SAMPLE, '/copy').status_code, 200)
        copy = self.kept[0]
        self.assertEqual(self.resolve(copy.read(4)), b'line')
        target = io.BytesIO()
        self.resolve(copy.save(target))
        self.assertEqual(target.getvalue()[:4], b' one')
        self.resolve(copy.close())

    def test_hostile_filenames_are_kept_as_given(self):
        data = body((b'name="f"; filename="../../x\x00.txt"', b'', b'data'))
        res = self.post(data)
        self.assertEqual(res.json['files'][0][1], '../../x\x00.txt')

    def test_errors(self):
        self.assertEqual(self.post(SAMPLE[:-8]).status_code, 400)
        self.assertEqual(self.post(body(*[(b'name="p"', b'', b'')] * 1000),
                                   ).status_code, 413)
        self.assertEqual(self.post(SAMPLE, '/iter', 'text/plain'
                                   ).status_code, 400)

    def test_urlencoded_body(self):
        res = self.post(b'a=1&b=2', content_type='application/'
                        'x-www-form-urlencoded')
        self.assertEqual(res.json, {'form': [['a', '1'], ['b', '2']],
                                    'files': []})


def _pairs(multidict):
    return [[k, v] for k in sorted(multidict)
            for v in multidict.getlist(k)]


def sync_app():
    app = microdot.Microdot()

    @app.post('/form')
    @with_form_data
    def form(req):
        return {'form': _pairs(req.form), 'files': [
            [k, f.filename, f.content_type, f.read().decode()]
            for k in req.files for f in req.files.getlist(k)]}

    @app.post('/iter')
    def iterate(req):
        out = []
        for name, value in FormDataIter(req):
            if isinstance(value, str):
                out.append([name, value])
            else:
                out.append([name, value.filename, value.read(5).decode()])
        return out

    @app.post('/copy')
    @with_form_data
    def copy(req):
        MultipartContract.kept.append(req.files['f'].copy())
        return 'ok'
    return app


def async_app():
    app = microdot_asyncio.Microdot()

    @app.post('/form')
    @with_form_data
    async def form(req):
        files = []
        for k in req.files:
            for f in req.files.getlist(k):
                data = await f.read()
                files.append([k, f.filename, f.content_type, data.decode()])
        return {'form': _pairs(req.form), 'files': files}

    @app.post('/iter')
    async def iterate(req):
        out = []
        async for name, value in FormDataIter(req):
            if isinstance(value, str):
                out.append([name, value])
            else:
                data = await value.read(5)
                out.append([name, value.filename, data.decode()])
        return out

    @app.post('/copy')
    @with_form_data
    async def copy(req):
        MultipartContract.kept.append(await req.files['f'].copy())
        return 'ok'
    return app


class TestMultipartSync(MultipartContract, unittest.TestCase):
    def app(self):
        return sync_app()

    def test_chunked_request(self):
        data = SAMPLE
        raw = ('POST / HTTP/1.1\r\nContent-Type: %s\r\n'
               'Transfer-Encoding: chunked\r\n\r\n' % CT).encode()
        for i in range(0, len(data), 10):
            piece = data[i:i + 10]
            raw += b'%x\r\n' % len(piece) + piece + b'\r\n'
        raw += b'0\r\n\r\n'
        req = microdot.Request.create(microdot.Microdot(), io.BytesIO(raw),
                                      ('127.0.0.1', 1))
        names = [name for name, value in FormDataIter(req)]
        self.assertEqual(names, ['a', 'f', 'a'])

    def iterate(self, data):
        return FormDataIter(microdot.Request.create(
            microdot.Microdot(), io.BytesIO(
                ('POST / HTTP/1.1\r\nContent-Type: %s\r\n'
                 'Content-Length: %d\r\n\r\n' % (CT, len(data))
                 ).encode() + data), ('127.0.0.1', 1)))

    def test_streamed_upload_read_whole_then_left_behind(self):
        FormDataIter.buffer_size, saved = 7, FormDataIter.buffer_size
        try:
            it = self.iterate(SAMPLE + b'epilogue')
            self.assertEqual(next(it), ('a', 'hello'))
            name, upload = next(it)
            self.assertEqual(upload.read(), SAMPLE_EVENTS[4][1])
            self.assertEqual(upload.read(), b'')
            it = self.iterate(SAMPLE)
            uploads = [value for name, value in it]
            self.assertEqual(uploads[1].read(), b'')  # the iterator moved on
            uploads[1].close()
            self.assertEqual(uploads[1].read(), b'')
        finally:
            FormDataIter.buffer_size = saved

    def test_save_to_a_path(self):
        try:
            import tempfile
            import os
        except ImportError:  # pragma: no cover
            return  # MicroPython: tested with a file object above
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'out.bin')
            req = microdot.Request.create(
                microdot.Microdot(), io.BytesIO(
                    ('POST / HTTP/1.1\r\nContent-Type: %s\r\n'
                     'Content-Length: %d\r\n\r\n' % (CT, len(SAMPLE))
                     ).encode() + SAMPLE), ('127.0.0.1', 1))
            for name, value in FormDataIter(req):
                if name == 'f':
                    value.save(path)
            with open(path, 'rb') as f:
                self.assertEqual(f.read()[:8], b'line one')

    def test_max_memory_size(self):
        FileUpload.max_memory_size = 8
        app = microdot.Microdot()
        found = []

        @app.post('/')
        @with_form_data
        def upload(req):
            found.append(type(req.files['f']._source).__name__)
            found.append(req.form.get('a'))
            return req.files['f'].read()
        res = microdot_test_client.TestClient(app).post(
            '/', headers={'Content-Type': CT}, body=SAMPLE)
        self.assertEqual(res.body, b'line one\r\n--XyY x--XyZ\r\n\r\n-')
        try:
            import tempfile  # noqa: F401
            self.assertNotEqual(found[0], 'BytesIO')  # a temporary file
        except ImportError:  # pragma: no cover
            self.assertEqual(found[0], 'FormDataIter')  # still a stream


class TestMultipartAsync(MultipartContract, unittest.TestCase):
    modules = (microdot_asyncio, microdot_asyncio_test_client)

    def app(self):
        return async_app()

    def resolve(self, value):
        if hasattr(value, 'send') or hasattr(value, '__await__'):
            return asyncio.run(value)
        return value
