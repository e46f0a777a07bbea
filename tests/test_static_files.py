"""Serving files safely: ``send_file`` answers 404 for names that name no
file, and ``send_from_directory`` refuses every path that could leave its
root, through both test clients (``StaticContract``), plus its refusals as
a table of direct calls.

The files live in ``tests/.tmp_static`` (MicroPython has no tempfile),
created by ``setUpClass`` and removed by ``tearDownClass``. Symlinks are
made with ``os.symlink`` (CPython) or ``ln -s`` through ``os.system`` (the
MicroPython unix port); their tests are skipped where neither exists.

Portable: runs under pytest and under tests/mp_runner.py on MicroPython,
from the repository root.
"""
import os
import sys
import unittest

try:
    import asyncio
except ImportError:  # pragma: no cover
    import uasyncio as asyncio

import microdot
import microdot_asyncio
from microdot import Microdot, Response, HTTPException
from microdot_test_client import TestClient
from microdot_asyncio_test_client import TestClient as AsyncTestClient

MICROPYTHON = sys.implementation.name == 'micropython'
TMP = 'tests/.tmp_static'
ROOT = TMP + '/static'
HELLO = b'hello, static\n'
PAGE = b'<p>page</p>\n'
SECRET = b'secret!\n'
BIG = b'0123456789abcdef' * 4096  # 64 KiB: 64 send_file blocks
FILES = {
    ROOT + '/hello.txt': HELLO,
    ROOT + '/sub/page.html': PAGE,
    ROOT + '/big.bin': BIG,
    ROOT + '/%2e%2e': b'a file named %2e%2e\n',
    TMP + '/secret.txt': SECRET,
    TMP + '/static-secret/secret.txt': SECRET,
}
# link -> target, relative to ROOT's directory entries
LINKS = {
    ROOT + '/out.txt': '../static-secret/secret.txt',
    ROOT + '/outdir': '../static-secret',
    ROOT + '/up': '..',
    ROOT + '/in.txt': 'hello.txt',
    ROOT + '/sub/in.txt': '../hello.txt',
    TMP + '/static-link': 'static',
}

# URL paths under /static/ that must be 404, whatever the runtime; each
# would reach an existing file if it were followed
REFUSED_URLS = [
    '../secret.txt',
    '%2e%2e/secret.txt',
    '%2E%2E/secret.txt',
    '.%2e/secret.txt',
    '%2e./secret.txt',
    'sub/%2e%2e/%2e%2e/secret.txt',
    '..%2fsecret.txt',
    '%2e%2e%2fsecret.txt',
    'sub/..%2f..%2fsecret.txt',
    '%252e%252e/secret.txt',  # decoded once by the route: %2e%2e
    '%252e%252e%252fsecret.txt',
    '..%5csecret.txt',  # backslash
    'sub%5c..%5c..%5csecret.txt',
    '%5c..%5csecret.txt',
    '..%5c/secret.txt',
    '%2f' + 'etc/passwd',  # absolute after decoding
    '%2f%2fetc/passwd',
    'C:/Windows/win.ini',
    'c:secret.txt',
    'C%3a%5cWindows%5cwin.ini',
    'hello.txt:stream',
    'hello.txt%00',
    'hello.txt%00.png',
    '%00',
    '..%2fstatic-secret/secret.txt',  # the sibling-prefix escape
    '../static-secret/secret.txt',
    '%2e%2e%2fstatic-secret%2fsecret.txt',
]
# names that are no file: 404 from send_file itself
MISSING_URLS = ['missing.txt', 'sub', 'sub/', 'hello.txt/', 'hello.txt/x',
                'sub/missing/x', 'a' * 300, 'sub/' + 'b' * 300 + '/x', '.']


def write_file(path, data):
    with open(path, 'wb') as f:
        f.write(data)


def read_file(path):
    with open(path, 'rb') as f:
        return f.read()


def make_symlink(target, link):
    """Create a symlink; False where this runtime cannot."""
    if hasattr(os, 'symlink'):
        os.symlink(target, link)
        return True
    if hasattr(os, 'system'):  # the MicroPython unix port
        return os.system("ln -s '%s' '%s'" % (target, link)) == 0
    return False  # pragma: no cover - boards


def remove_tree(path):
    """Remove a directory tree (symlinks unlinked, never followed)."""
    try:
        names = os.listdir(path)
    except OSError:
        return
    for name in names:
        child = path + '/' + name
        try:
            os.remove(child)  # a file or a symlink, to a directory too
        except OSError:
            remove_tree(child)
    os.rmdir(path)


def make_tree():
    """The fixture tree; returns whether its symlinks exist."""
    remove_tree(TMP)
    for directory in (TMP, ROOT, ROOT + '/sub', TMP + '/static-secret'):
        os.mkdir(directory)
    for path in FILES:
        write_file(path, FILES[path])
    links = True
    for link in LINKS:
        links = make_symlink(LINKS[link], link) and links
    return links


class Recorder:
    """A file body that counts its reads."""

    def __init__(self, stream):
        self.stream = stream
        self.reads = 0
        self.closed = False

    def read(self, size=-1):
        self.reads += 1
        return self.stream.read(size)

    def seek(self, offset):
        return self.stream.seek(offset)

    def close(self):
        self.closed = True
        self.stream.close()


class StaticContract:
    """send_file and send_from_directory as a client sees them."""

    response_class = Response

    def make_app(self):
        return Microdot()

    def make_client(self, app):
        raise NotImplementedError

    def resolve(self, value):
        return value

    @classmethod
    def setUpClass(cls):
        cls.links = make_tree()

    @classmethod
    def tearDownClass(cls):
        remove_tree(TMP)

    def setUp(self):
        response_class = self.response_class
        app = self.make_app()
        self.recorders = []

        @app.route('/static/<path:path>')
        def static(request, path):
            return response_class.send_from_directory(ROOT, path)

        @app.route('/linked/<path:path>')
        def linked(request, path):
            return response_class.send_from_directory(TMP + '/static-link',
                                                      path)

        @app.route('/cached/<path:path>')
        def cached(request, path):
            return response_class.send_from_directory(
                ROOT + '/', path, max_age=60, content_type='text/x-test')

        @app.route('/file/<path:name>')
        def file(request, name):  # deliberately unguarded
            return response_class.send_file(ROOT + '/' + name)

        @app.after_request
        def record(request, response):
            if hasattr(response.body, 'read'):
                response.body = Recorder(response.body)
                self.recorders.append(response.body)

        self.client = self.make_client(app)

    def request(self, method, path, headers=None):
        return self.resolve(self.client.request(method, path, headers))

    def get(self, path, headers=None):
        return self.request('GET', path, headers)

    def test_serves_a_file_with_validators(self):
        res = self.get('/static/hello.txt')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.body, HELLO)
        self.assertEqual(res.headers['Content-Type'], 'text/plain')
        self.assertEqual(res.headers['Content-Length'], str(len(HELLO)))
        self.assertIn('ETag', res.headers)
        self.assertIn('Last-Modified', res.headers)

    def test_serves_nested_files(self):
        res = self.get('/static/sub/page.html')
        self.assertEqual((res.status_code, res.body), (200, PAGE))
        self.assertEqual(res.headers['Content-Type'], 'text/html')
        res = self.get('/static/./sub//page.html')
        self.assertEqual((res.status_code, res.body), (200, PAGE))

    def test_percent_is_refused_even_for_a_file_of_that_name(self):
        # '%' is refused even when a file has that name: a second decoding
        # is the usual way to smuggle a '..'
        self.assertTrue(read_file(ROOT + '/%2e%2e'))
        self.assertEqual(self.get('/static/%252e%252e').status_code, 404)

    def test_refused_paths_are_404(self):
        for url in REFUSED_URLS:
            with self.subTest(url=url):
                res = self.get('/static/' + url)
                self.assertEqual(res.status_code, 404)
                self.assertNotIn(SECRET, res.body)
        self.assertEqual(self.recorders, [])  # no file was opened

    def test_refused_targets_exist(self):
        # the refusals above are not vacuous: the unguarded route reaches
        # the same files
        res = self.get('/file/../secret.txt')
        self.assertEqual((res.status_code, res.body), (200, SECRET))
        res = self.get('/file/../static-secret/secret.txt')
        self.assertEqual((res.status_code, res.body), (200, SECRET))

    def test_missing_names_are_404(self):
        for url in MISSING_URLS:
            with self.subTest(url=url[:20]):
                self.assertEqual(self.get('/static/' + url).status_code,
                                 404)

    def test_send_file_names_no_file_404(self):
        # missing, a directory, through a regular file, too long, NUL
        for url in MISSING_URLS + ['hello.txt%00', 'hello.txt%00.png',
                                   'sub%00/page.html']:
            with self.subTest(url=url[:20]):
                self.assertEqual(self.get('/file/' + url).status_code, 404)
        self.assertEqual(self.recorders, [])

    def test_symlinks_out_of_root_are_404(self):
        if not self.links:
            self.skipTest('no symlinks here')
        for url in ('out.txt', 'outdir/secret.txt', 'up/secret.txt',
                    'up/static-secret/secret.txt'):
            with self.subTest(url=url):
                res = self.get('/static/' + url)
                self.assertEqual(res.status_code, 404)
                self.assertNotIn(SECRET, res.body)
        # ... which send_file follows
        res = self.get('/file/out.txt')
        self.assertEqual((res.status_code, res.body), (200, SECRET))

    def test_symlinks_inside_root(self):
        if not self.links:
            self.skipTest('no symlinks here')
        # CPython resolves them; MicroPython cannot read a link and
        # refuses any below the root
        expected = (404, b'') if MICROPYTHON else (200, HELLO)
        for url in ('in.txt', 'sub/in.txt'):
            with self.subTest(url=url):
                res = self.get('/static/' + url)
                self.assertEqual(res.status_code, expected[0])
                if not MICROPYTHON:
                    self.assertEqual(res.body, HELLO)

    def test_root_may_be_a_symlink(self):
        if not self.links:
            self.skipTest('no symlinks here')
        res = self.get('/linked/hello.txt')
        self.assertEqual((res.status_code, res.body), (200, HELLO))
        self.assertEqual(self.get('/linked/../secret.txt').status_code, 404)

    def test_send_file_options_pass_through(self):
        res = self.get('/cached/hello.txt')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Cache-Control'], 'max-age=60')
        self.assertEqual(res.headers['Content-Type'], 'text/x-test')
        self.assertEqual(res.body, HELLO)

    def test_conditional_and_range_requests(self):
        etag = self.get('/static/big.bin').headers['ETag']
        res = self.get('/static/big.bin', {'If-None-Match': etag})
        self.assertEqual((res.status_code, res.body), (304, b''))
        res = self.get('/static/big.bin', {'Range': 'bytes=16-31'})
        self.assertEqual(res.status_code, 206)
        self.assertEqual(res.body, BIG[16:32])
        self.assertEqual(res.headers['Content-Range'],
                         'bytes 16-31/%d' % len(BIG))
        res = self.get('/static/big.bin', {'Range': 'bytes=%d-' % len(BIG)})
        self.assertEqual(res.status_code, 416)

    def test_head_never_reads_the_file(self):
        res = self.request('HEAD', '/static/big.bin')
        self.assertEqual(res.status_code, 200)
        self.assertEqual(res.headers['Content-Length'], str(len(BIG)))
        self.assertEqual(res.body, b'')
        recorder, = self.recorders
        self.assertEqual(recorder.reads, 0)
        self.assertTrue(recorder.closed)
        res = self.request('HEAD', '/static/big.bin', {'Range': 'bytes=1-2'})
        self.assertEqual((res.status_code, res.body), (206, b''))
        self.assertEqual(self.recorders[1].reads, 0)
        # the same hook sees a GET read it all
        self.assertEqual(self.get('/static/big.bin').body, BIG)
        self.assertGreater(self.recorders[2].reads, 1)
        self.assertTrue(self.recorders[2].closed)


class TestSyncStaticFiles(StaticContract, unittest.TestCase):
    def make_client(self, app):
        return TestClient(app)


class TestAsyncStaticFiles(StaticContract, unittest.TestCase):
    response_class = microdot_asyncio.Response

    def make_app(self):
        return microdot_asyncio.Microdot()

    def make_client(self, app):
        return AsyncTestClient(app)

    def resolve(self, value):
        return asyncio.run(value)


# (path as the handler gets it, URL-decoded) -> served; every other
# refusal is a 404 before the filesystem is touched
DIRECT = [
    ('hello.txt', True),
    ('sub/page.html', True),
    ('./hello.txt', True),
    ('', False),
    ('/hello.txt', False),
    ('/' + ROOT + '/hello.txt', False),
    ('..', False),
    ('../static/hello.txt', False),
    ('sub/../hello.txt', False),
    ('sub/..', False),
    ('sub\\..\\hello.txt', False),
    ('\\hello.txt', False),
    ('hello.txt\\', False),
    ('C:hello.txt', False),
    ('c:/hello.txt', False),
    ('hello.txt\0', False),
    ('\0hello.txt', False),
    ('%2e%2e/hello.txt', False),
    ('hello%2etxt', False),
    ('%', False),
]


class TestSendFromDirectoryTable(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        make_tree()

    @classmethod
    def tearDownClass(cls):
        remove_tree(TMP)

    def test_table(self):
        for path, served in DIRECT:
            with self.subTest(path=path):
                if served:
                    res = Response.send_from_directory(ROOT, path)
                    self.assertEqual(res.status_code, 200)
                    res.close()
                    continue
                with self.assertRaises(HTTPException) as context:
                    Response.send_from_directory(ROOT, path)
                self.assertEqual(context.exception.status_code, 404)

    def test_root_with_a_trailing_slash_or_dot(self):
        for root in (ROOT + '/', ROOT + '//', './' + ROOT):
            res = Response.send_from_directory(root, 'hello.txt')
            self.assertEqual(res.status_code, 200)
            self.assertEqual(res.body.read(), HELLO)
            res.close()

    def test_file_extension_is_checked_too(self):
        res = Response.send_from_directory(ROOT, 'hello',
                                           file_extension='.txt')
        self.assertEqual(res.body.read(), HELLO)
        res.close()
        with self.assertRaises(HTTPException):
            Response.send_from_directory(ROOT, 'hello', file_extension='.tx')

    def test_send_file_names_no_file_404(self):
        # a path over PATH_MAX cannot come through a request line
        for name in ('x' * 5000, ROOT + '/sub', ROOT + '/hello.txt/x',
                     ROOT + '/hello.txt\0', ROOT + '/missing'):
            with self.subTest(name=name[:20]):
                with self.assertRaises(HTTPException) as context:
                    Response.send_file(name)
                self.assertEqual(context.exception.status_code, 404)

    def test_subclass_gets_its_own_class(self):
        res = microdot_asyncio.Response.send_from_directory(ROOT, 'hello.txt')
        self.assertIsInstance(res, microdot_asyncio.Response)
        res.close()
