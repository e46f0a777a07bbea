"""Serving files over real sockets, on every server kind, serving
``apps/static_app.py``: ``send_file``'s 404 for names that name no file,
``send_from_directory``'s refusals (the URL table of
``tests/test_static_files.py``, which checks the same through both test
clients), symlinks, validators and ranges, and HEAD reading no file.
"""
import os
import time

import pytest

from conftest import _selected_kinds, module_server
from test_static_files import BIG, HELLO, MISSING_URLS, PAGE, REFUSED_URLS, \
    SECRET

LINKS = {'out.txt': '../static-secret/secret.txt',
         'outdir': '../static-secret', 'up': '..', 'in.txt': 'hello.txt'}


def build_tree(root):
    """root/static (served), root/secret.txt, root/static-secret/."""
    static = root / 'static'
    (static / 'sub').mkdir(parents=True)
    (root / 'static-secret').mkdir()
    (static / 'hello.txt').write_bytes(HELLO)
    (static / 'sub' / 'page.html').write_bytes(PAGE)
    (static / 'big.bin').write_bytes(BIG * 4)
    (root / 'secret.txt').write_bytes(SECRET)
    (root / 'static-secret' / 'secret.txt').write_bytes(SECRET)
    for link, target in LINKS.items():
        os.symlink(target, static / link)


@pytest.fixture(scope='module', params=_selected_kinds(),
                ids=lambda kind: kind.name)
def static_server(request, tmp_path_factory):
    """One server per kind for the module, on its own tree of files."""
    root = tmp_path_factory.mktemp('static-' + request.param.name)
    build_tree(root)
    for srv in module_server(request.param, root, 'static_app',
                             {'E2E_STATIC_ROOT': str(root)}):
        srv.root = root
        yield srv


def logged_reads(server):
    """The ``(METHOD PATH, reads)`` of every file body the server closed."""
    log = server.root / 'reads.log'
    return [(line.rsplit(' ', 1)[0], int(line.rsplit(' ', 1)[1]))
            for line in (log.read_text().splitlines() if log.exists() else [])]


def reads_of(server, request, before, timeout=2.0):
    """The reads of the first body closed for ``request`` (``METHOD PATH``)
    after the first ``before`` entries; the server may close it after
    sending the response."""
    deadline = time.monotonic() + timeout
    while True:
        found = [reads for line, reads in logged_reads(server)[before:]
                 if line == request]
        if found or time.monotonic() > deadline:
            assert found, 'no file body closed for %s' % request
            return found[0]
        time.sleep(0.02)


def test_serves_files(static_server):
    reply = static_server.get('/static/hello.txt')
    assert (reply.status, reply.body) == (200, HELLO)
    assert reply.headers['Content-Type'] == 'text/plain'
    assert reply.headers['ETag'] and reply.headers['Last-Modified']
    reply = static_server.get('/static/sub/page.html')
    assert (reply.status, reply.body) == (200, PAGE)


@pytest.mark.parametrize('url', REFUSED_URLS)
def test_refused_paths_are_404(static_server, url):
    reply = static_server.get('/static/' + url)
    assert reply.status == 404
    assert SECRET not in reply.body


@pytest.mark.parametrize('url', MISSING_URLS)
def test_missing_names_are_404(static_server, url):
    assert static_server.get('/static/' + url).status == 404


@pytest.mark.parametrize('url', MISSING_URLS + ['hello.txt%00',
                                                'hello.txt%00.png'])
def test_send_file_names_no_file_404(static_server, url):
    assert static_server.get('/file/' + url).status == 404


def test_the_refused_files_exist(static_server):
    reply = static_server.get('/file/../secret.txt')
    assert (reply.status, reply.body) == (200, SECRET)
    reply = static_server.get('/file/out.txt')
    assert (reply.status, reply.body) == (200, SECRET)


@pytest.mark.parametrize('url', ['out.txt', 'outdir/secret.txt',
                                 'up/secret.txt',
                                 'up/static-secret/secret.txt'])
def test_symlinks_out_of_root_are_404(static_server, url):
    reply = static_server.get('/static/' + url)
    assert reply.status == 404
    assert SECRET not in reply.body


def test_symlink_inside_root(static_server):
    reply = static_server.get('/static/in.txt')
    if static_server.kind.startswith('micropython'):
        # no readlink on MicroPython: every symlink below the root is out
        assert reply.status == 404
    else:
        assert (reply.status, reply.body) == (200, HELLO)


def test_conditional_and_range(static_server):
    etag = static_server.get('/static/hello.txt').headers['ETag']
    reply = static_server.get('/static/hello.txt',
                              {'If-None-Match': etag})
    assert (reply.status, reply.body) == (304, b'')
    reply = static_server.get('/static/big.bin', {'Range': 'bytes=16-31'})
    assert (reply.status, reply.body) == (206, BIG[16:32])
    assert reply.headers['Content-Range'] == 'bytes 16-31/%d' % (
        len(BIG) * 4)


def test_head_never_reads_the_file(static_server):
    before = len(logged_reads(static_server))
    reply = static_server.request('HEAD', '/static/big.bin')
    assert reply.status == 200
    assert reply.headers['Content-Length'] == str(len(BIG) * 4)
    assert reply.body == b''
    assert reads_of(static_server, 'HEAD /static/big.bin', before) == 0
    # the same log sees a GET read it all
    before = len(logged_reads(static_server))
    reply = static_server.get('/static/big.bin')
    assert reply.body == BIG * 4
    assert reads_of(static_server, 'GET /static/big.bin', before) > 1
