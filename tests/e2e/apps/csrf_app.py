"""The app of the CSRF battery (``tests/e2e/test_e2e_csrf.py``): CSRF on
every route, one origin trusted through CORS, one exempt route. Like
``basic_app.py``, ``E2E_MICRODOT_MODULE`` picks the module (default
``microdot``), ``E2E_USE_STREAMS`` and ``E2E_NO_UVLOOP`` the asyncio driver.

Usage::

    python csrf_app.py PORT
    micropython csrf_app.py PORT    # MICROPYPATH=src:tests/e2e/apps:.frozen
"""
import sys

from microdot_cors import CORS
from microdot_csrf import CSRF

from e2e_app import new_app

app = new_app()
cors = CORS(app, allowed_origins=['https://trusted.example'])
csrf = CSRF(app, cors=cors)


@app.route('/', methods=['GET', 'POST', 'PUT', 'DELETE'])
def index(request):
    return 'csrf %s %d' % (request.method, len(request.body))


@app.post('/webhook')
@csrf.exempt
def webhook(request):
    return 'webhook'


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
