"""Files served by every server kind of the e2e battery
(``tests/e2e/test_e2e_static.py``): ``send_from_directory`` under
``/static/``, an unguarded ``send_file`` under ``/file/`` (its 404s), and a
log of how many times each file body was read (HEAD must read none).

``E2E_STATIC_ROOT`` is the directory the test built: its ``static/`` is
served, and ``reads.log`` gets one line per file body closed,
``METHOD PATH READS``, appended so that every worker process may write it.
Like ``basic_app.py``, ``E2E_MICRODOT_MODULE`` picks the module (default
``microdot``).

Usage::

    E2E_STATIC_ROOT=DIR python static_app.py PORT
    E2E_STATIC_ROOT=DIR micropython static_app.py PORT
"""
import sys
from os import getenv  # the unix port has it, as CPython does

from e2e_app import module as _module, new_app

Response = _module.Response
ROOT = getenv('E2E_STATIC_ROOT') or '.'

app = new_app()


class ReadLog:
    """A file body that logs its reads when it is closed."""

    def __init__(self, stream, line):
        self.stream = stream
        self.line = line
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        return self.stream.read(size)

    def close(self):
        self.stream.close()
        with open(ROOT + '/reads.log', 'a') as log:
            log.write('%s %d\n' % (self.line, self.reads))


@app.route('/')
def index(request):
    return 'static'


@app.route('/static/<path:path>')
def static(request, path):
    return Response.send_from_directory(ROOT + '/static', path)


@app.route('/file/<path:name>')
def file(request, name):  # unguarded on purpose: send_file's own 404s
    return Response.send_file(ROOT + '/static/' + name)


@app.after_request
def log_reads(request, response):
    if hasattr(response.body, 'read'):
        response.body = ReadLog(response.body, '%s %s' % (request.method,
                                                          request.path))


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
