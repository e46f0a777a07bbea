"""The app of the parser's strictness cases (``test_e2e_strict.py``): it
shows what a request looked like once parsed (Host, path, query, body,
the header names). Like ``basic_app.py``, ``E2E_MICRODOT_MODULE`` picks the
module (default ``microdot``), ``E2E_USE_STREAMS`` and ``E2E_NO_UVLOOP`` the
asyncio driver.

Usage::

    python strict_app.py PORT
    micropython strict_app.py PORT  # MICROPYPATH=src:tests/e2e/apps:.frozen
"""
import sys

from e2e_app import new_app

app = new_app()


@app.route('/', methods=['GET', 'POST'])
def index(request):
    return {'host': request.headers.get('Host'), 'path': request.path,
            'query': request.query_string, 'body': request.body.decode(),
            'content_length': request.headers.get('Content-Length'),
            'headers': sorted([name.lower() for name in request.headers])}


@app.route('/items/<int:id>', methods=['PUT', 'DELETE'])
def item(request, id):
    return 'item %d' % id


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
