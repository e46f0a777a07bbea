"""The seed's WebSocket example on asyncio: receive() and send() awaited."""
from microdot_asyncio import Microdot
from microdot_asyncio_websocket import with_websocket

app = Microdot()


@app.route('/echo')
@with_websocket
async def echo(request, ws):
    while True:
        message = await ws.receive()
        await ws.send(message)


if __name__ == '__main__':
    app.run(port=5000)
