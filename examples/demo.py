"""Microdot demo: an HTML page, a greeting with a URL argument, a JSON API.

Run it with ``make demo`` (or ``python examples/demo.py``), then open
http://127.0.0.1:5000/ in a browser.
"""
import sys
import time

from microdot import Microdot, Response

app = Microdot()

PAGE = """<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>Microdot demo</title></head>
<body>
<h1>Microdot demo</h1>
<p>The impossibly small web framework for CPython and MicroPython.</p>
<ul>
<li><a href="/hello/world">/hello/world</a>: a greeting
(change <code>world</code> in the address)</li>
<li><a href="/api/time">/api/time</a>: the server's time as JSON</li>
</ul>
</body>
</html>
"""


@app.route('/')
def index(request):
    return Response(PAGE, headers={'Content-Type': 'text/html; charset=UTF-8'})


@app.route('/hello/<name>')
def hello(request, name):
    # plain text, so the name needs no HTML escaping
    return 'Hello, {}!'.format(name)


@app.route('/api/time')
def api_time(request):
    now = time.time()
    return {'time': now,
            'utc': '{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z'.format(
                *time.gmtime(now)[:6])}


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000, debug=True)
