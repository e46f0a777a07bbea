"""Server-Sent Events: a page whose EventSource shows a counter that the
server pushes every second. Reload the page, or stop and restart the
server: the browser reconnects with ``Last-Event-ID`` and the count goes
on from there.

Run with ``python app.py [PORT]`` or ``micropython app.py [PORT]`` (with
``src/`` on the path) and open http://localhost:5000/.
"""
import sys

try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio

from microdot_asyncio import Microdot, Response
from microdot_sse import SSE, with_sse

PAGE = '''<!doctype html>
<title>Microdot SSE</title>
<p>Count: <b id="count">...</b></p>
<script>
const events = new EventSource('/events');
events.addEventListener('count', (e) => {
  document.getElementById('count').textContent = JSON.parse(e.data).n;
});
</script>
'''

app = Microdot()
SSE.ping_interval = 15  # a comment now and then keeps proxies from closing
INTERVAL = 1  # seconds between two counts


@app.route('/')
async def index(request):
    return Response(PAGE, headers={'Content-Type': 'text/html'})


@app.route('/events')
@with_sse
async def events(request, sse):
    # ?limit=N ends the stream after N events (the test uses it)
    start = int(sse.last_event_id or 0) + 1
    limit = int(request.args.get('limit', 0))
    n = start
    while not limit or n < start + limit:
        await sse.send({'n': n}, event='count', event_id=n)
        n += 1
        await asyncio.sleep(INTERVAL)


if __name__ == '__main__':
    app.run(port=int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
