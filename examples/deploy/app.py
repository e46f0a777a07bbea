"""A small application with sessions, ready for gunicorn and uvicorn.

The session lives in a signed cookie, so no worker keeps state: any worker
of any machine behind the load balancer can serve any request, as long as
all of them sign with the same secret. See docs/deployment.md.

Run it (from this directory)::

    export SECRET_KEY=$(python -c 'import secrets; print(secrets.token_hex())')
    gunicorn -c gunicorn.conf.py                  # WSGI, this module
    uvicorn --workers 4 asgi_app:app              # ASGI, asgi_app.py

Then::

    curl -c jar -b jar -d username=susan http://127.0.0.1:8000/login
    curl -c jar -b jar http://127.0.0.1:8000/visit    # any worker counts on
    curl -b jar http://127.0.0.1:8000/whoami          # which worker answered
"""
import os

from microdot_wsgi import Microdot, abort, redirect
from microdot_session import set_session_secret_key, with_session, \
    update_session, delete_session

app = Microdot()

# One secret for every worker on every machine, never in the code: a cookie
# signed by one worker is then valid on all the others. A missing variable
# stops the worker at boot (KeyError) rather than serving without sessions.
set_session_secret_key(os.environ['SECRET_KEY'])


def _interface(req):
    # request.environ under WSGI (gunicorn), request.asgi_scope under ASGI
    return 'WSGI' if hasattr(req, 'environ') else 'ASGI'


@app.route('/')
@with_session
def index(req, session):
    if 'username' not in session:
        return 'Not logged in'
    return 'Logged in as %s, %d visits' % (session['username'],
                                           session['visits'])


@app.post('/login')
def login(req):
    username = (req.form or {}).get('username')
    if not username:
        abort(400, 'A username is needed')
    update_session(req, {'username': username, 'visits': 0})
    return redirect('/')


@app.route('/visit')
@with_session
def visit(req, session):
    if 'username' not in session:
        abort(401)
    session['visits'] += 1
    update_session(req, session)  # the new count goes back in the cookie
    return {'username': session['username'], 'visits': session['visits'],
            'pid': os.getpid()}


@app.route('/whoami')
@with_session
def whoami(req, session):
    return {'username': session.get('username'), 'pid': os.getpid(),
            'interface': _interface(req)}


@app.post('/logout')
def logout(req):
    delete_session(req)
    return redirect('/')


@app.route('/healthz')
def healthz(req):
    # for the load balancer's health checks
    return 'ok'
