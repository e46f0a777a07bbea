"""The upload example (``examples/upload/app.py``), loaded from its file and
driven with the test client: a form with two files and a comment, a
firmware image streamed to its file, and a hostile filename that the
example does not use as a path (CPython)."""
import importlib.util
import os
import tempfile
import unittest

from microdot_test_client import TestClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CT = 'multipart/form-data; boundary=XyZ'


def load_example():
    path = os.path.join(ROOT, 'examples', 'upload', 'app.py')
    spec = importlib.util.spec_from_file_location('example_upload', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def part(name, data, filename=None):
    disposition = b'form-data; name="' + name + b'"'
    if filename is not None:
        disposition += b'; filename="' + filename + b'"'
    return b'--XyZ\r\nContent-Disposition: ' + disposition + b'\r\n\r\n' + \
        data + b'\r\n'


class TestUploadExample(unittest.TestCase):
    def setUp(self):
        self.example = load_example()
        self.tmp = tempfile.TemporaryDirectory()
        self.example.UPLOAD_DIR = self.tmp.name
        self.client = TestClient(self.example.app)

    def tearDown(self):
        self.tmp.cleanup()

    def post(self, path, body):
        return self.client.post(path, headers={'Content-Type': CT},
                                body=body + b'--XyZ--\r\n')

    def read(self, name):
        with open(os.path.join(self.tmp.name, name), 'rb') as f:
            return f.read()

    def test_page(self):
        self.assertIn(b'multipart/form-data', self.client.get('/').body)

    def test_upload(self):
        res = self.post('/upload', part(b'comment', b'two files') +
                        part(b'files', b'one', b'a.txt') +
                        part(b'files', b'two', b'b.txt'))
        self.assertEqual(res.json, {'comment': 'two files',
                                    'saved': ['a.txt', 'b.txt']})
        self.assertEqual(self.read('a.txt'), b'one')
        self.assertEqual(self.read('b.txt'), b'two')

    def test_hostile_filename_is_not_a_path(self):
        res = self.post('/upload', part(b'files', b'x',
                                        b'../../etc/pass\x00wd'))
        self.assertEqual(res.json['saved'], ['passwd'])
        self.assertEqual(os.listdir(self.tmp.name), ['passwd'])

    def test_firmware(self):
        image = bytes(range(256)) * 400
        res = self.post('/firmware', part(b'version', b'2') +
                        part(b'image', image, b'fw.bin'))
        self.assertEqual(res.text, 'firmware saved')
        self.assertEqual(self.read('firmware.bin'), image)
        self.assertEqual(self.post('/firmware', part(b'x', b'')).status_code,
                         400)
