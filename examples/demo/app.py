"""The demo's application: the front page, static files, the access log and
the 404 page, with the other pages mounted on it."""
import time

from microdot_asyncio import Microdot, Response
from microdot_cors import CORS
from microdot_csrf import CSRF
from microdot_utemplate import init_templates, render_template

from demo import accounts, chat, files, live, notes

HERE = __file__.rsplit('/', 1)[0] if '/' in __file__ else '.'
STATIC_MAX_AGE = 600  # seconds a browser keeps the CSS before asking again


def create_app(port=5000):
    """The demo app, served on ``port``: its CORS list names the page's
    other origin (``localhost`` for ``127.0.0.1``, and back)."""
    app = Microdot()
    init_templates(HERE + '/templates')
    for page in (accounts.app, notes.app, chat.app, live.app, files.app):
        app.mount(page)
    cors = CORS(app, allowed_origins=['http://localhost:%d' % port,
                                      'http://127.0.0.1:%d' % port],
                allow_credentials=True)
    CSRF(app, cors=cors)  # unsafe requests: same origin or the CORS list

    @app.get('/')
    async def home(request):
        return render_template('home.html')

    @app.get('/static/<path:path>')
    async def static(request, path):
        # ETag and Last-Modified: a browser that asks again gets a 304
        return Response.send_from_directory(HERE + '/static', path,
                                            max_age=STATIC_MAX_AGE)

    @app.errorhandler(404)
    async def not_found(request):
        return render_template('404.html', request.path), 404

    app.after_request(access_log)
    app.after_error_request(access_log)
    return app


def access_log(request, response):
    """One line per request: time, client, request line, status."""
    t = time.localtime()
    print('{:02d}:{:02d}:{:02d} {} "{} {}" {}'.format(
        t[3], t[4], t[5], client_host(request.client_addr), request.method,
        request.url, response.status_code))
    return response


def client_host(client_addr):
    """The client's IP address. MicroPython's unix port gives the raw
    socket address, whose bytes 4 to 7 are an IPv4 address."""
    if isinstance(client_addr, tuple):
        return client_addr[0]
    return '.'.join(str(byte) for byte in client_addr[4:8])
