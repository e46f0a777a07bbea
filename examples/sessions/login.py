"""The session example of the Microdot guide, runnable.

Run it with ``python examples/sessions/login.py``, open
http://127.0.0.1:5000/ and log in with ``curl`` or a small form, e.g.::

    curl -c jar -b jar -d username=susan http://127.0.0.1:5000/
    curl -b jar http://127.0.0.1:5000/          # Logged in as susan
    curl -c jar -b jar -X POST http://127.0.0.1:5000/logout

Use a long random secret key in a real application (see docs/sessions.md).
"""
from microdot import Microdot, redirect
from microdot_session import set_session_secret_key, with_session, \
    update_session, delete_session

app = Microdot()
set_session_secret_key('top-secret')


@app.route('/', methods=['GET', 'POST'])
@with_session
def index(req, session):
    username = session.get('username')
    if req.method == 'POST':
        username = req.form.get('username')
        update_session(req, {'username': username})
        return redirect('/')
    if username is None:
        return 'Not logged in'
    else:
        return 'Logged in as ' + username


@app.post('/logout')
def logout(req):
    delete_session(req)
    return redirect('/')


if __name__ == '__main__':
    app.run()
