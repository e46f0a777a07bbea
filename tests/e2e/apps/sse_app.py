"""Server-Sent Events served by every server kind of the e2e battery
(``tests/e2e/test_e2e_sse.py``). ``E2E_MICRODOT_MODULE`` picks the module
(default ``microdot``): sync handlers for ``microdot`` and
``microdot_wsgi``, coroutines for ``microdot_asyncio`` and
``microdot_asgi``. A handler that ends creates the file ``<id>.ended`` in
``SSE_MARKS`` (a directory shared by a server's worker processes), so the
tests see that a client that left ended it.

Usage::

    SSE_MARKS=/tmp/marks python sse_app.py PORT
"""
import sys
from os import getenv

from microdot_sse import SSE, with_sse

from e2e_app import MODULE, new_app

SSE.ping_interval = 0.2
SSE.send_timeout = 0.5
MARKS = getenv('SSE_MARKS') or '.'
ASYNC = MODULE in ('microdot_asyncio', 'microdot_asgi')
app = new_app()


@app.route('/')
def index(request):
    return 'sse'


def events(request):
    # (data, event, id) of the finite stream: the client's Last-Event-ID
    # first, then a multi-line text and a dict
    count = int(request.args.get('n', '3'))
    items = [(request.headers.get('Last-Event-ID') or '-', 'resume', None)]
    for n in range(1, count):
        items.append(({'n': n} if n % 2 else 'line %d\nnext' % n, None, n))
    return items


def ended(request):
    with open(MARKS + '/' + request.args.get('id', 'x') + '.ended', 'w'):
        pass


def payload(request):
    return 'x' * int(request.args.get('size', '10'))


if ASYNC:
    import asyncio

    @app.route('/events')
    @with_sse
    async def finite(request, sse):
        for data, event, event_id in events(request):
            await sse.send(data, event, event_id)

    @app.route('/forever')
    @with_sse
    async def forever(request, sse):
        try:
            data = payload(request)
            while True:
                await sse.send(data)
                await asyncio.sleep(float(request.args.get('every', '0.05')))
        finally:
            ended(request)
else:
    import time

    @app.route('/events')
    @with_sse
    def finite(request, sse):
        for data, event, event_id in events(request):
            sse.send(data, event, event_id)

    @app.route('/forever')
    @with_sse
    def forever(request, sse):
        try:
            data = payload(request)
            while True:
                sse.send(data)
                time.sleep(float(request.args.get('every', '0.05')))
        finally:
            ended(request)


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
