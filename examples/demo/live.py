"""A live panel fed by Server-Sent Events (microdot_sse): the server's
clock every second, and each chat message as it is said."""
try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio
import time

from microdot_asyncio import Microdot
from microdot_sse import with_sse
from microdot_utemplate import render_template

from demo.hub import hub

app = Microdot()


@app.get('/live')
async def live_page(request):
    return render_template('live.html')


@app.route('/live/events')
@with_sse
async def live_events(request, sse):
    # a browser that reconnects says which message it saw last
    seen = int(sse.last_event_id or hub.count)
    limit = int(request.args.get('limit', 0))  # a test's stream ends
    sent = 0
    while not limit or sent < limit:
        t = time.localtime()
        await sse.send('{:02d}:{:02d}:{:02d}'.format(*t[3:6]), event='clock')
        sent += 1
        try:
            await asyncio.wait_for(hub.wait(seen), 1)
        except asyncio.TimeoutError:
            continue  # a second has passed: the next tick
        for message in hub.since(seen):
            await sse.send(message, event='chat', event_id=message['id'])
            seen = message['id']
            sent += 1
