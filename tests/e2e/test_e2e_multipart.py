"""microdot_multipart over real sockets, on every server kind (threaded and
asyncio servers on CPython and MicroPython, gunicorn with ``microdot_wsgi``,
uvicorn with ``microdot_asgi``), serving ``apps/multipart_app.py`` with
httpx as the client: forms and files, a file streamed to disk, a chunked
request, and hostile bodies. The parser's byte tables and both test
clients: ``tests/test_multipart.py``.
"""
import httpx
import pytest

from conftest import _selected_kinds, module_server

CT = 'multipart/form-data; boundary=XyZ'
PART = b'--XyZ\r\nContent-Disposition: form-data; name="p"\r\n\r\n\r\n'


@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def multipart_server(request, tmp_path_factory):
    """One server per kind for the module."""
    yield from module_server(request.param, tmp_path_factory.mktemp(
        request.param.name), 'multipart_app')


def url(server, path):
    return 'http://%s:%s%s' % (server.host, server.port, path)


def post(server, path, **kwargs):
    kwargs.setdefault('timeout', 30)
    return httpx.post(url(server, path), **kwargs)


def test_form_and_files(multipart_server):
    reply = post(multipart_server, '/form', data={'a': ['1', '2'], 'b': 'é'},
                 files=[('f', ('one.txt', b'first file', 'text/plain')),
                        ('f', ('two.bin', b'\x00' * 5000,
                               'application/octet-stream'))])
    assert reply.status_code == 200
    assert reply.json() == {
        'form': [['a', '1'], ['a', '2'], ['b', 'é']],
        'files': [['f', 'one.txt', 'text/plain', 10, 'first file'],
                  ['f', 'two.bin', 'application/octet-stream', 5000,
                   '\x00' * 16]]}


def test_large_file_saved_to_disk(multipart_server, tmp_path):
    data = bytes(range(256)) * 4096  # 1 MiB
    path = tmp_path / 'upload.bin'
    reply = post(multipart_server, '/save', params={'path': str(path)},
                 data={'x': 'before'}, files={'f': ('fw.bin', data)})
    assert reply.status_code == 200
    assert reply.json() == [['x', 'before'], ['f', 'fw.bin']]
    assert path.read_bytes() == data


def test_chunked_request(multipart_server, tmp_path):
    body = (PART.replace(b'"p"', b'"x"') + b'--XyZ\r\nContent-Disposition: '
            b'form-data; name="f"; filename="c.txt"\r\n\r\n' + b'c' * 60000 +
            b'\r\n--XyZ--\r\n')
    path = tmp_path / 'chunked.bin'

    def pieces():
        for i in range(0, len(body), 7000):
            yield body[i:i + 7000]
    reply = post(multipart_server, '/save', params={'path': str(path)},
                 content=pieces(), headers={'Content-Type': CT})
    assert reply.status_code == 200
    assert reply.json() == [['x', ''], ['f', 'c.txt']]
    assert path.read_bytes() == b'c' * 60000  # over max_body_length: streamed


def test_hostile_filenames_are_kept_as_given(multipart_server):
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="f"; '
            b'filename="../../etc/x\x00.txt"\r\n\r\ndata\r\n--XyZ--\r\n')
    reply = post(multipart_server, '/form', content=body,
                 headers={'Content-Type': CT})
    assert reply.json()['files'][0][1] == '../../etc/x\x00.txt'


@pytest.mark.parametrize('body, status', [
    # the final boundary never comes (a file: no field size limit)
    (PART.replace(b'"p"', b'"p"; filename="f"') + b'x' * 100000, 400),
    (b'--XyZ\r\nX-Big: ' + b'h' * (1 << 20), 413),  # a 1 MB part header
    (PART * 10000 + b'--XyZ--\r\n', 413),  # 10,000 parts
    (b'--XyZ\r\n\r\nno name\r\n--XyZ--\r\n', 400),
], ids=['no-final-boundary', 'huge-part-header', '10000-parts', 'no-name'])
def test_hostile_bodies(multipart_server, body, status, tmp_path):
    for path in ('/form', '/save'):
        reply = post(multipart_server, path, params={
            'path': str(tmp_path / 'x')}, content=body,
            headers={'Content-Type': CT})
        assert reply.status_code == status
    assert post(multipart_server, '/form', files={'f': ('a', b'b')}
                ).status_code == 200  # and the server still serves
