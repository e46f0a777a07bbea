"""The authentication example of the Microdot guide, runnable.

Run it with ``python examples/auth/app.py`` (or ``micropython``, with
``src`` on ``MICROPYPATH``), then::

    curl -u susan:hello http://127.0.0.1:5000/        # Hello, susan!
    curl -i http://127.0.0.1:5000/                    # 401 and a challenge
    curl http://127.0.0.1:5000/welcome                # Hello, stranger!
    curl -H 'Authorization: Bearer s3cr3t-t0ken' http://127.0.0.1:5000/api

A real application keeps password hashes, not passwords, and long random
tokens (see docs/auth.md).
"""
from microdot import Microdot
from microdot_auth import BasicAuth, TokenAuth

app = Microdot()
basic_auth = BasicAuth(realm='Example')
token_auth = TokenAuth()

USERS = {'susan': 'hello', 'david': 'bye'}
TOKENS = {'s3cr3t-t0ken': 'susan'}


@basic_auth.authenticate
def check_password(request, username, password):
    if username in USERS and USERS[username] == password:
        return username


@token_auth.authenticate
def check_token(request, token):
    return TOKENS.get(token)


@token_auth.errorhandler
def token_error(request):
    return {'error': 'a valid bearer token is needed'}, 401, \
        {'WWW-Authenticate': 'Bearer'}


@app.route('/')
@basic_auth
def index(request):
    return 'Hello, {}!'.format(request.g.current_user)


@app.route('/welcome')
@basic_auth.optional
def welcome(request):
    return 'Hello, {}!'.format(request.g.current_user or 'stranger')


@app.route('/api')
@token_auth
def api(request):
    return {'user': request.g.current_user}


if __name__ == '__main__':
    app.run(debug=True)
