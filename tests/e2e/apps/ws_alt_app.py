"""An echo WebSocket over MicroPython's native ``websocket`` module
(``microdot_websocket_alt``), for ``tests/e2e/test_e2e_websocket_alt.py``.

Usage::

    MICROPYPATH=src:tests/e2e/apps:.frozen micropython ws_alt_app.py PORT
"""
import sys

from microdot import Microdot
from microdot_websocket_alt import with_websocket

app = Microdot()


@app.route('/')
def hello(request):
    return 'Hello, world!'


@app.route('/ws/echo')
@with_websocket
def echo(request, ws):
    while True:
        ws.send(ws.receive())


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]))
