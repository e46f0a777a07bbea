"""The app of ``make bench-sse``: every client of ``/events`` waits for
broadcasts; ``POST /broadcast`` sends its body to all of them as one event.

Usage: ``python benchmarks/sse_app.py PORT`` (src/ on the path).
"""
import asyncio
import sys

from microdot_asyncio import Microdot
from microdot_sse import SSE, with_sse

SSE.ping_interval = 1  # clients that left are noticed within a second
app = Microdot()
app.max_connections = 4096
listeners = []  # (events to send, the Event that wakes the handler)


@app.route('/events')
@with_sse
async def events(request, sse):
    listener = ([], asyncio.Event())
    listeners.append(listener)
    try:
        await sse.send('ready')
        while True:
            await listener[1].wait()
            listener[1].clear()
            while listener[0]:
                await sse.send(listener[0].pop(0), event='news')
    finally:
        listeners.remove(listener)


@app.post('/broadcast')
async def broadcast(request):
    for queue, wake in listeners:
        queue.append(request.body.decode())
        wake.set()
    return str(len(listeners))


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]))
