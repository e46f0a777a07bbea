"""Basic and token authentication (``microdot_auth``) and session logins
(``microdot_login``), served by every server kind of the e2e battery
(``tests/e2e/test_e2e_auth.py``). ``E2E_MICRODOT_MODULE`` picks the module
(default ``microdot``); with ``microdot_asyncio`` or ``microdot_asgi`` the
token lookup, the user loader and their routes are ``async def``.

Usage::

    python auth_app.py PORT
    micropython auth_app.py PORT      # MICROPYPATH=src:tests/e2e/apps:.frozen
"""
import sys

from microdot_auth import BasicAuth, TokenAuth
from microdot_login import Login
from microdot_session import set_session_secret_key

from e2e_app import MODULE, new_app

app = new_app()
basic = BasicAuth(realm='e2e')
token = TokenAuth()
login = Login()
set_session_secret_key('e2e secret key, 32 bytes or more')
USERS = {'susan': 'hello', 'jos\u00e9': 'p\u00e4ss'}


@basic.authenticate
def check_password(request, username, password):
    if USERS.get(username) == password:
        return username


@app.route('/')
def index(request):
    return 'Hello, world!'


@app.route('/basic')
@basic
def basic_page(request):
    return {'user': request.g.current_user}


@app.route('/maybe')
@basic.optional
def maybe_page(request):
    return {'user': request.g.current_user}


@app.post('/login')
def do_login(request):
    name = request.form.get('name')
    if USERS.get(name) != request.form.get('password'):
        return 'wrong password', 403
    return login.login_user(request, name, remember='remember' in
                            request.form)


@app.post('/logout')
def do_logout(request):
    login.logout_user(request)
    return 'bye'


@app.route('/fresh')
@login.fresh
def fresh_page(request):
    return {'user': request.g.current_user}


if MODULE in ('microdot_asyncio', 'microdot_asgi'):
    @login.user_loader
    async def load_user(user_id):
        return user_id if user_id in USERS else None

    @app.route('/private')
    @login
    async def private_page(request):
        return {'user': request.g.current_user, 'async': True}

    @token.authenticate
    async def check_token(request, value):
        return {'t0ken': 'susan'}.get(value)

    @app.route('/token')
    @token
    async def token_page(request):
        return {'user': request.g.current_user, 'async': True}
else:
    @login.user_loader
    def load_user(user_id):
        return user_id if user_id in USERS else None

    @app.route('/private')
    @login
    def private_page(request):
        return {'user': request.g.current_user, 'async': False}

    @token.authenticate
    def check_token(request, value):
        return {'t0ken': 'susan'}.get(value)

    @app.route('/token')
    @token
    def token_page(request):
        return {'user': request.g.current_user, 'async': False}


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
