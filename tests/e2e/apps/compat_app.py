"""The 1.x behaviours of issue 15, served by every server kind of the e2e
battery (``tests/e2e/test_e2e_compat.py``): CORS with ``'*'``, request
bodies over ``max_body_length``, ``client_addr``. Like ``basic_app.py``,
``E2E_MICRODOT_MODULE`` picks the module (default ``microdot``), and the
app is built at import time, before any event loop exists.

Usage::

    python compat_app.py PORT
    micropython compat_app.py PORT      # MICROPYPATH=src:tests/e2e/apps:.frozen
"""
import sys

from microdot_cors import CORS

from e2e_app import MODULE, new_app

app = new_app()
app.request_class.max_body_length = 64  # larger bodies: request.stream
CORS(app, allowed_origins='*')


@app.route('/', methods=['GET', 'PUT'])
def index(request):
    return 'compat'


@app.route('/client')
def client(request):
    addr = request.client_addr
    if isinstance(addr, (bytes, bytearray)):  # MicroPython's unix port
        return {'sockaddr': len(addr)}
    host, port = addr
    return {'host': host, 'port': port}


if MODULE in ('microdot_asyncio', 'microdot_asgi'):
    @app.post('/body-first')
    async def body_first(request):
        body = request.body
        return {'body': len(body), 'stream': len(await request.stream.read())}

    @app.post('/stream-first')
    async def stream_first(request):
        data = await request.stream.read()
        return {'body': len(request.body), 'stream': len(data)}
else:
    @app.post('/body-first')
    def body_first(request):
        body = request.body
        return {'body': len(body), 'stream': len(request.stream.read())}

    @app.post('/stream-first')
    def stream_first(request):
        data = request.stream.read()
        return {'body': len(request.body), 'stream': len(data)}


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
