"""Static files: a small site served from ``public/`` next to this file.

``send_from_directory`` turns the URL path into a file inside ``public/``
and answers 404 to anything that could leave it (``..``, absolute paths,
backslashes, drive letters, NUL, symlinks out of it): never join a path
from a URL to a directory yourself. See docs/static-files.md.

Run it with ``python examples/static/app.py`` (or ``micropython``, with
``src/`` on MICROPYPATH), then open http://127.0.0.1:5000/.
"""
import sys

from microdot import Microdot, Response

# the directory of this file, found without os.path (MicroPython has none)
HERE = __file__.rsplit('/', 1)[0] if '/' in __file__ else '.'
PUBLIC = HERE + '/public'

app = Microdot()


@app.route('/')
def index(request):
    return Response.send_from_directory(PUBLIC, 'index.html')


@app.route('/<path:path>')
def static(request, path):
    # browsers may cache these for an hour, then revalidate with the ETag
    return Response.send_from_directory(PUBLIC, path, max_age=3600)


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000, debug=True)
