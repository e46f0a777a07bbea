"""The session login example of the Microdot guide, runnable.

Run it with ``python examples/auth/login.py`` (or ``micropython``, with
``src`` on ``MICROPYPATH``) and open http://127.0.0.1:5000/ in a browser:
it sends you to the login form (susan / hello), then back.

Use a long random secret key and password hashes in a real application
(see docs/auth.md and docs/sessions.md).
"""
from microdot import Microdot
from microdot_login import Login
from microdot_session import set_session_secret_key

app = Microdot()
set_session_secret_key('top-secret key of the login example')
login = Login()

USERS = {'susan': 'hello', 'david': 'bye'}
FORM = '''<!doctype html><title>Log in</title>
<form method="post">
<p><input name="username" placeholder="username">
<p><input name="password" type="password" placeholder="password">
<p><label><input name="remember" type="checkbox"> remember me</label>
<p><button>Log in</button> {}
</form>'''
HTML = {'Content-Type': 'text/html; charset=UTF-8'}


@login.user_loader
def load_user(user_id):
    return user_id if user_id in USERS else None


@app.route('/login', methods=['GET', 'POST'])
def login_page(request):
    if request.method == 'GET':
        return FORM.format(''), HTML
    username = request.form.get('username')
    if username not in USERS or \
            USERS[username] != request.form.get('password'):
        return FORM.format('Wrong username or password'), 401, HTML
    # back to the page that sent the user here (the "next" argument)
    return login.login_user(request, username,
                            remember='remember' in request.form)


@app.post('/logout')
def logout(request):
    login.logout_user(request)
    return 'Logged out'


@app.route('/')
@login
def index(request):
    return '<p>Hello, {}! <form method="post" action="/logout">' \
        '<button>Log out</button></form>'.format(request.g.current_user), \
        HTML


@app.route('/settings')
@login.fresh
def settings(request):
    # a fresh login only: not one restored from "remember me"
    return 'The settings of ' + request.g.current_user


if __name__ == '__main__':
    app.run(debug=True)
