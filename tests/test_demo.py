"""The demo (examples/demo/) through the asyncio test client, and served for
real by the micropython binary, as ``make demo-mp`` runs it. Chromium
drives it in tests/browser/test_demo_browser.py."""
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import urllib.request

import pytest
from websockets.sync.client import connect

import microdot_asyncio
import microdot_session
import microdot_utemplate
from _microdot_sse_events import parse_events
from microdot_asyncio_test_client import TestClient
from test_examples_core import BIN, EXAMPLES, ROOT, fetch, free_port

MISSING = object()
HTML = 'text/html; charset=UTF-8'


@pytest.fixture(scope='module')
def demo():
    # the demo sets process-wide things: put them back for the other tests
    saved = (microdot_asyncio.Request.__dict__.get('max_content_length',
                                                   MISSING),
             microdot_session._secret_key, microdot_utemplate._loader)
    sys.path.insert(0, str(EXAMPLES))
    try:
        from demo import app, files, hub
    finally:
        sys.path.remove(str(EXAMPLES))
    yield app.create_app(5000), files, hub.hub
    files.remove_uploads()
    if saved[0] is MISSING:
        del microdot_asyncio.Request.max_content_length
    else:
        microdot_asyncio.Request.max_content_length = saved[0]
    microdot_session._secret_key, microdot_utemplate._loader = saved[1:]


def run(coroutine):
    return asyncio.run(coroutine)


@pytest.mark.parametrize('path', ['/', '/login', '/notes', '/chat', '/live',
                                  '/files'])
def test_pages_are_templates(demo, path):
    res = run(TestClient(demo[0]).get(path))
    assert (res.status_code, res.headers['Content-Type']) == (200, HTML)
    assert res.text.startswith('<!doctype html>')
    assert '<link rel="stylesheet" href="/static/style.css">' in res.text


def test_not_found_page_and_access_log(demo, capsys):
    res = run(TestClient(demo[0]).get('/no/such/page?x=1'))
    assert (res.status_code, res.headers['Content-Type']) == (404, HTML)
    assert '<code>/no/such/page</code>' in res.text
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.endswith(' "GET /no/such/page?x=1" 404'), line


def test_stylesheet_is_cached(demo):
    client = TestClient(demo[0])
    res = run(client.get('/static/style.css'))
    assert res.headers['Cache-Control'] == 'max-age=600'
    again = run(client.get('/static/style.css',
                           headers={'If-None-Match': res.headers['ETag']}))
    assert (again.status_code, again.body) == (304, b'')


def test_login_then_private_page(demo):
    client = TestClient(demo[0])
    res = run(client.get('/account'))
    assert res.headers['Location'] == '/login?next=%2Faccount'
    form = {'Content-Type': 'application/x-www-form-urlencoded'}
    res = run(client.post('/login?next=%2Faccount', form,
                          'username=alice&password=wrong'))
    assert res.status_code == 401 and 'Wrong name or password.' in res.text
    res = run(client.post('/login?next=%2Faccount', form,
                          'username=alice&password=wonderland'))
    assert (res.status_code, res.headers['Location']) == (302, '/account')
    assert '<b id="username">alice</b>' in run(client.get('/account')).text
    run(client.post('/logout'))
    assert run(client.get('/account')).status_code == 302


def test_api_with_cors_and_csrf(demo):
    client = TestClient(demo[0])
    other = 'http://localhost:5000'
    res = run(client.post('/api/notes', {'Origin': other,
                                         'Sec-Fetch-Site': 'cross-site'},
                          {'text': ' hello '}))
    assert res.status_code == 201
    assert res.json['text'] == 'hello'
    assert res.headers['Access-Control-Allow-Origin'] == other
    res = run(client.post('/api/notes', {'Origin': 'https://evil.example',
                                         'Sec-Fetch-Site': 'cross-site'},
                          {'text': 'forged'}))
    assert res.status_code == 403
    assert 'Access-Control-Allow-Origin' not in res.headers
    assert run(client.post('/api/notes', body={'no': 'text'})).status_code \
        == 400
    notes = run(client.get('/api/notes')).json
    assert [note['text'] for note in notes][:1] == ['hello']
    preflight = run(client.request('OPTIONS', '/api/notes', {
        'Origin': other, 'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type'}))
    assert preflight.status_code == 200
    assert 'POST' in preflight.headers['Access-Control-Allow-Methods']


def test_chat_over_websocket_reaches_the_live_panel(demo):
    app, _, hub = demo
    seen = hub.count

    def conversation():
        yield json.dumps({'name': 'ann', 'text': 'hi all'})
        yield 'not json'  # ignored

    res = run(TestClient(app).websocket('/chat/socket', conversation))
    assert res.status_code == 101
    assert hub.messages[-1] == {'name': 'ann', 'text': 'hi all',
                                'id': seen + 1}
    res = run(TestClient(app).get('/live/events?limit=2', headers={
        'Last-Event-ID': str(seen)}))
    clock, chat = parse_events(res.body)
    assert clock['event'] == 'clock' and len(clock['data']) == 8
    assert (chat['event'], chat['id']) == ('chat', str(seen + 1))
    assert json.loads(chat['data'])['text'] == 'hi all'


def multipart(filename, data):
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="file"; '
            b'filename="%s"\r\nContent-Type: text/plain\r\n\r\n%s\r\n'
            b'--XyZ--\r\n' % (filename.encode(), data))
    return {'Content-Type': 'multipart/form-data; boundary=XyZ'}, body


def test_upload_list_and_ranged_download(demo):
    client = TestClient(demo[0])
    data = bytes(range(256)) * 200
    res = run(client.post('/files', *multipart('../../etc/my log.txt', data)))
    assert (res.status_code, res.json) == (201, {'saved': ['my_log.txt']})
    assert {'name': 'my_log.txt', 'size': len(data)} in \
        run(client.get('/files/list')).json
    res = run(client.get('/uploads/my_log.txt',
                         headers={'Range': 'bytes=100-199'}))
    assert (res.status_code, res.body) == (206, data[100:200])
    assert run(client.get('/uploads/..%2fpasswd')).status_code == 404


def test_upload_size_limit(demo):
    headers, body = multipart('big.bin', b'x' * (demo[1].MAX_UPLOAD + 1))
    res = run(TestClient(demo[0]).post('/files', headers, body))
    assert res.status_code == 413


def test_runs_under_micropython():
    binary = shutil.which('micropython', path=str(BIN))
    if binary is None:
        pytest.skip('MicroPython NOT RUN: no micropython binary')
    port = free_port()
    env = dict(os.environ, MICROPYPATH='.frozen:%s:%s' % (ROOT / 'src',
                                                          EXAMPLES))
    # SIGINT as Ctrl-C does it, even when the tests run with SIGINT ignored
    proc = subprocess.Popen([binary, '-m', 'demo', str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, preexec_fn=lambda: (
                                signal.signal(signal.SIGINT,
                                              signal.SIG_DFL)))
    try:
        assert fetch(port, '/')[0] == 200
        url = 'http://127.0.0.1:%d' % port
        request = urllib.request.Request(
            url + '/api/notes', data=b'{"text": "from MicroPython"}',
            headers={'Content-Type': 'application/json'})
        with urllib.request.urlopen(request, timeout=5) as res:
            assert res.status == 201
        with urllib.request.urlopen(url + '/live/events?limit=1',
                                    timeout=5) as res:
            assert parse_events(res.read())[0]['event'] == 'clock'
        chat = url.replace('http', 'ws') + '/chat/socket'
        with connect(chat, open_timeout=5) as first, \
                connect(chat, open_timeout=5) as second:
            first.send(json.dumps({'name': 'mp', 'text': 'hi'}))
            assert json.loads(second.recv(timeout=5))['text'] == 'hi'
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C: it removes its uploads
        out, err = proc.communicate(timeout=10)
    assert b'Traceback' not in err, err.decode()
    assert b'Microdot demo on http://127.0.0.1:%d/' % port in out
    assert b'"POST /api/notes" 201' in out
