"""CORS: pages served from https://example.com may call this API.

Run it from this directory with ``python app.py`` (or ``micropython app.py``
with the Microdot modules on the path), then try a preflight::

    curl -i -X OPTIONS http://127.0.0.1:5000/ \
        -H 'Origin: https://example.com' \
        -H 'Access-Control-Request-Method: POST'
"""
from microdot import Microdot
from microdot_cors import CORS

app = Microdot()
cors = CORS(app, allowed_origins=['https://example.com'],
            allow_credentials=True)


@app.route('/', methods=['GET', 'POST'])
def index(req):
    return {'hello': 'world'}


if __name__ == '__main__':
    app.run()
