"""Basic and token authentication (``microdot_auth``), served by every
server kind of the e2e battery (``tests/e2e/test_e2e_auth.py``).
``E2E_MICRODOT_MODULE`` picks the module (default ``microdot``); with
``microdot_asyncio`` or ``microdot_asgi`` the token lookup and its route
are ``async def``.

Usage::

    python auth_app.py PORT
    micropython auth_app.py PORT      # MICROPYPATH=src:tests/e2e/apps:.frozen
"""
import sys

from microdot_auth import BasicAuth, TokenAuth

from e2e_app import MODULE, new_app

app = new_app()
basic = BasicAuth(realm='e2e')
token = TokenAuth()
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


if MODULE in ('microdot_asyncio', 'microdot_asgi'):
    @token.authenticate
    async def check_token(request, value):
        return {'t0ken': 'susan'}.get(value)

    @app.route('/token')
    @token
    async def token_page(request):
        return {'user': request.g.current_user, 'async': True}
else:
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
