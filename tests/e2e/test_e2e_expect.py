"""``Expect: 100-continue`` over real sockets on every server kind,
against ``apps/basic_app.py``: the client sends the head, waits for
``100 Continue``, then sends the body. A request that no route takes, or
whose body is over ``max_content_length``, gets its final status straight
away and no ``100``; any other expectation gets 417. gunicorn and uvicorn
answer ``Expect`` themselves: what they do is pinned here too.
"""
BODY = b'hello, expect'


def head(path, expect='100-continue', length=len(BODY)):
    return ('POST %s HTTP/1.1\r\nHost: x\r\nExpect: %s\r\nContent-Length: '
            '%d\r\n\r\n' % (path, expect, length)).encode()


def test_continue_then_body(server):
    with server.connect() as conn:
        conn.send(head('/echo'))
        interim = conn.read_response()
        assert (interim.status, interim.body) == (100, b'')
        conn.send(BODY)
        final = conn.read_response()
        assert (final.status, final.body) == (200, BODY)
        conn.send(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')  # still usable
        assert conn.read_response().body == b'Hello, world!'


def final_response(server, conn, key, status, body=b''):
    """The final response to a head sent without its body. A front server
    that sends ``100 Continue`` itself (its ``differences[key]`` says
    ``continue``) then gets ``body``, and its next response is read."""
    expected = server.difference(key, {'status': status})
    conn.sock.settimeout(5)
    res = conn.read_response()
    if res.status == 100:
        assert expected.get('continue'), '%s sent 100' % server.kind
        conn.send(body)
        res = conn.read_response()
    assert res.status == expected['status']
    return res


def test_no_continue_for_a_missing_route(server):
    with server.connect() as conn:
        conn.send(head('/nowhere'))
        final_response(server, conn, 'expect-unrouted', 404, BODY)


def test_over_max_content_length_is_413_at_once(server):
    with server.connect() as conn:
        conn.send(head('/echo', length=10 ** 6))
        res = final_response(server, conn, 'expect-too-large', 413)
        if not server.difference('expect-too-large', {}).get(
                'keeps_connection'):
            assert 'close' in res.connection_tokens()


def test_other_expectation_is_417(server):
    with server.connect() as conn:
        conn.send(head('/echo', expect='x-magic') + BODY)
        final_response(server, conn, 'expect-other', 417)
