"""Log in with a form (microdot_login on microdot_session), and a page that
only a logged-in user sees."""
from microdot_asyncio import Microdot
from microdot_login import Login
from microdot_session import set_session_secret_key
from microdot_utemplate import render_template

# A real app reads a long random key from a file or the environment, and
# stores password hashes, never passwords (docs/sessions.md).
set_session_secret_key('the demo key: not a secret, never use it')
USERS = {'alice': 'wonderland', 'bob': 'builder'}

app = Microdot()
login = Login(login_url='/login')


@login.user_loader
def load_user(user_id):
    return user_id if user_id in USERS else None


@app.route('/login', methods=['GET', 'POST'])
async def login_page(request):
    if request.method == 'GET':
        return render_template('login.html')
    username = request.form.get('username', '')
    if USERS.get(username) != request.form.get('password'):
        return render_template('login.html', 'Wrong name or password.',
                               username), 401
    # to the page that sent the user here (?next=...), else the account
    return login.login_user(request, username, redirect_url='/account',
                            remember='remember' in request.form)


@app.post('/logout')
async def logout(request):
    login.logout_user(request)
    return render_template('login.html', 'You are logged out.')


@app.get('/account')
@login
async def account(request):
    return render_template('account.html', request.g.current_user)
