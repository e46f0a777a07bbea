"""Application behaviour over real sockets: routing, bodies, cookies, errors,
streaming and files. Runs once per server kind (see conftest.py)."""
import json


def test_hello(server):
    reply = server.get('/')
    assert reply.status == 200
    assert reply.body == b'Hello, world!'
    assert reply.headers['Content-Type'] == 'text/plain; charset=UTF-8'
    assert reply.headers['Content-Length'] == '13'


def test_url_arguments(server):
    assert server.get('/users/42/alice').json() == {'id': 42, 'name': 'alice'}
    assert server.get('/users/-7/bob').json() == {'id': -7, 'name': 'bob'}
    assert server.get('/files/a/b/c.txt').json() == {'rest': 'a/b/c.txt'}
    assert server.get('/users/notanint/alice').status == 404


def test_not_found(server):
    assert server.get('/no/such/route').status == 404
    server.assert_alive()


def test_methods(server):
    for method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'):
        reply = server.request(method, '/method')
        assert reply.status == 200, method
        assert reply.text == method


def test_method_not_allowed_has_allow(server):
    reply = server.get('/post-only')
    assert reply.status == 405
    allow = [m.strip() for m in reply.headers['Allow'].split(',')]
    assert 'POST' in allow
    assert 'GET' not in allow
    assert server.request('POST', '/post-only').text == 'posted'


def test_head_has_no_body(server):
    get = server.get('/')
    # HEAD then GET pipelined: the GET response must start right after the
    # HEAD response's head, so a body sent for HEAD would show up here
    with server.connect() as conn:
        conn.send(b'HEAD / HTTP/1.1\r\nHost: e2e\r\n\r\n'
                  b'GET / HTTP/1.1\r\nHost: e2e\r\n\r\n')
        head = conn.read_response(head=True)
        assert head.status == 200
        if head.header('Content-Length') is not None:
            assert head.header('Content-Length') == \
                get.headers['Content-Length']
        after = conn.read_response()
        assert after.status == 200
        assert after.body == b'Hello, world!'


def test_options(server):
    reply = server.request('OPTIONS', '/method')
    assert reply.status == 200
    allow = [m.strip() for m in reply.headers['Allow'].split(',')]
    for method in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'):
        assert method in allow


def test_request_info(server):
    info = server.request('GET', '/info?a=1', headers={'x-TEST': 'yes'})
    assert info.json() == {
        'method': 'GET', 'path': '/info', 'query_string': 'a=1',
        'http_version': '1.1', 'content_length': 0, 'content_type': None,
        'x_test': 'yes'}
    assert server.get('/info').json()['query_string'] is None


def test_query_arguments(server):
    reply = server.get('/args?x=1&x=two&y=caf%C3%A9+au+lait')
    assert reply.json() == {'x': ['1', 'two'], 'y': 'caf\u00e9 au lait'}


def test_post_bytes_echo(server):
    body = bytes(range(256)) * 8
    reply = server.request('POST', '/echo', body=body,
                           headers={'Content-Type': 'application/octet-stream'})
    assert reply.status == 200
    assert reply.body == body


def test_post_empty_body(server):
    reply = server.request('POST', '/echo', body=b'')
    assert reply.status == 200
    assert reply.body == b''


def test_body_at_max_content_length(server):
    body = b'z' * (16 * 1024)
    reply = server.request('POST', '/echo', body=body)
    assert reply.status == 200
    assert reply.body == body


def test_json_body(server):
    payload = {'name': 'e2e', 'values': [1, 2.5, None, True], 'u': '\u00fc'}
    reply = server.request('POST', '/echo/json', body=json.dumps(payload),
                           headers={'Content-Type': 'application/json'})
    assert reply.status == 200
    assert reply.headers['Content-Type'].startswith('application/json')
    assert reply.json() == {'received': payload}


def test_form_body(server):
    reply = server.request(
        'POST', '/form', body='a=1&b=hello+world&b=x%20y',
        headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert reply.json() == {'a': '1', 'b': ['hello world', 'x y']}


def test_cookies(server):
    reply = server.get('/cookie/set')
    cookies = reply.headers.get_all('Set-Cookie')
    assert len(cookies) == 2
    e2e = [c for c in cookies if c.startswith('e2e=')][0]
    parts = [p.strip() for p in e2e.split(';')]
    assert parts[0] == 'e2e=value123'
    assert 'Path=/' in parts
    assert 'HttpOnly' in parts
    assert any(c.startswith('second=two') for c in cookies)
    reply = server.get('/cookie/read',
                       headers={'Cookie': 'e2e=value123; other=2'})
    assert reply.json() == {'e2e': 'value123', 'other': '2'}


def test_redirect(server):
    reply = server.get('/redirect')
    assert reply.status == 302
    assert reply.headers['Location'] == '/'


def test_status_and_headers_tuple(server):
    reply = server.get('/status')
    assert reply.status == 201
    assert reply.headers['X-E2E'] == 'yes'
    assert reply.body == b'created'


def test_none_gives_204(server):
    with server.connect() as conn:
        conn.send(b'GET /nocontent HTTP/1.1\r\nHost: e2e\r\n\r\n'
                  b'GET / HTTP/1.1\r\nHost: e2e\r\n\r\n')
        assert conn.read_response().status == 204
        # a 204 carries no body, not even a chunked terminator
        assert conn.read_response().body == b'Hello, world!'


def test_error_gives_500_and_server_keeps_serving(server):
    reply = server.get('/error')
    assert reply.status == 500
    server.assert_alive()
    assert server.get('/error').status == 500
    server.assert_alive()


def test_abort(server):
    reply = server.get('/abort/404')
    assert reply.status == 404
    reply = server.get('/abort/403')
    assert reply.status == 403
    reply = server.get('/abort-reason')
    assert reply.status == 406
    # as in 1.x, abort's reason is the body of the default error response
    assert reply.body == b'Custom Reason'
    server.assert_alive()


def test_streaming_response_arrives_whole(server):
    reply = server.get('/stream?n=5&slow=2&delay=0.2')
    assert reply.status == 200
    assert reply.text == ''.join('chunk %d\n' % i for i in range(5))


def test_streaming_is_chunked_on_http11(server):
    with server.connect() as conn:
        conn.send(b'GET /stream?n=4&slow=1&delay=0.2 HTTP/1.1\r\n'
                  b'Host: e2e\r\n\r\n')
        response = conn.read_response()
        assert response.status == 200
        assert response.chunked
        assert response.header('Content-Length') is None
        assert response.body == b'chunk 0\nchunk 1\nchunk 2\nchunk 3\n'
        # the connection stays usable after the last chunk
        conn.send(b'GET / HTTP/1.1\r\nHost: e2e\r\n\r\n')
        assert conn.read_response().body == b'Hello, world!'


def test_streaming_on_http10_closes(server):
    with server.connect() as conn:
        conn.send(b'GET /stream?n=3&slow=1&delay=0.2 HTTP/1.0\r\n\r\n')
        response = conn.read_response()
        assert response.status == 200
        assert not response.chunked
        assert response.body == b'chunk 0\nchunk 1\nchunk 2\n'


def test_large_response(server):
    reply = server.get('/large?size=%d' % (1024 * 1024))
    assert reply.status == 200
    assert reply.headers['Content-Length'] == str(1024 * 1024)
    assert reply.body == bytes(range(256)) * 4096


def test_large_streamed_response(server):
    size = 1024 * 1024 + 100
    reply = server.get('/large-stream?size=%d' % size)
    assert reply.status == 200
    block = bytes(range(256)) * 64
    assert len(reply.body) == size
    assert reply.body == (block * 65)[:size]


def test_send_file(server):
    with open(_static('hello.txt'), 'rb') as f:
        content = f.read()
    reply = server.get('/static/hello.txt')
    assert reply.status == 200
    assert reply.body == content
    assert reply.headers['Content-Type'].startswith('text/plain')
    assert reply.headers['Content-Length'] == str(len(content))
    html = server.get('/static/page.html')
    assert html.headers['Content-Type'].startswith('text/html')


def test_send_file_range(server):
    with open(_static('hello.txt'), 'rb') as f:
        content = f.read()
    reply = server.get('/static/hello.txt', headers={'Range': 'bytes=0-4'})
    assert reply.status == 206
    assert reply.body == content[:5]
    assert reply.headers['Content-Range'] == 'bytes 0-4/%d' % len(content)
    assert reply.headers['Content-Length'] == '5'
    reply = server.get('/static/hello.txt', headers={'Range': 'bytes=-6'})
    assert reply.status == 206
    assert reply.body == content[-6:]
    reply = server.get('/static/hello.txt',
                       headers={'Range': 'bytes=%d-' % (len(content) + 10)})
    assert reply.status == 416
    server.assert_alive()


def test_send_file_if_none_match(server):
    first = server.get('/static/hello.txt')
    etag = first.headers['ETag']
    assert etag
    reply = server.get('/static/hello.txt', headers={'If-None-Match': etag})
    assert reply.status == 304
    assert reply.body == b''
    reply = server.get('/static/hello.txt',
                       headers={'If-None-Match': '"something-else"'})
    assert reply.status == 200


def _static(name):
    from pathlib import Path
    return Path(__file__).parent / 'apps' / 'static' / name
