"""The seed's WebSocket example (the echo handler, unchanged), with the
imports and app it assumes. Run it and connect to ws://127.0.0.1:5000/echo.
"""
from microdot import Microdot
from microdot_websocket import with_websocket

app = Microdot()


@app.route('/echo')
@with_websocket
def echo(request, ws):
    while True:
        message = ws.receive()
        ws.send(message)


if __name__ == '__main__':
    app.run(port=5000)
