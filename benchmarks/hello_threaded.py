"""Hello world on the threaded server of whichever ``microdot`` is importable.

``python hello_threaded.py PORT``: bench.py runs it with ``src/`` on
PYTHONPATH for our microdot, and with the peer venv's Python for
microdot 1.3.4 from PyPI (the same code: the 1.x API is kept).
"""
import sys

from microdot import Microdot

app = Microdot()


@app.route('/')
def index(request):
    return 'Hello, world!'


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]))
