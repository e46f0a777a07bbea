"""CSRF: a form that only this site's pages may submit.

The page at ``/`` posts a form to ``/counter``. A page of another site that
posts the same form is refused with 403, and so is one on a sibling
subdomain; ``https://dashboard.example.com``, trusted through CORS, may
post, and ``/webhook`` (called by a server, not a browser page) is exempt.

Run it from this directory with ``python app.py`` (or ``micropython app.py``
with the Microdot modules on the path), open http://127.0.0.1:5000/, then
try what a browser would send from another site::

    curl -i -X POST http://127.0.0.1:5000/counter \
        -H 'Sec-Fetch-Site: cross-site' -H 'Origin: https://evil.example'
"""
from microdot import Microdot, redirect
from microdot_cors import CORS
from microdot_csrf import CSRF

app = Microdot()
cors = CORS(app, allowed_origins=['https://dashboard.example.com'])
csrf = CSRF(app, cors=cors)
counter = {'value': 0}

PAGE = '''<!doctype html>
<html><body>
<p>Counter: {}</p>
<form method="POST" action="/counter"><button>Add one</button></form>
</body></html>'''


@app.get('/')
def index(req):
    return PAGE.format(counter['value']), {'Content-Type': 'text/html'}


@app.post('/counter')
def add(req):
    counter['value'] += 1
    return redirect('/')


@app.post('/webhook')
@csrf.exempt
def webhook(req):
    counter['value'] = 0
    return {'reset': True}


@app.errorhandler(403)
def forbidden(req):
    return 'Refused: this form may only be sent from this site.', 403


if __name__ == '__main__':
    app.run()
