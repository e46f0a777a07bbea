"""Run by memory.py under ``micropython``: a typical small app, measuring the
heap. The same file runs unchanged on our ``microdot_asyncio`` and on
Microdot 1.3.4's (whichever ``MICROPYPATH`` finds).

``micropython typical_app.py PORT [STATIC]`` serves on 127.0.0.1 until
``GET /shutdown``, then prints one line::

    MEM baseline=<bytes> peak=<bytes> final=<bytes> samples=<n>

What it uses, as a small JSON API with a static stylesheet would:

- routes with URL arguments (``/users/<int:user_id>``) and query arguments;
- JSON in (``request.json`` on ``POST /users``) and out (a returned dict);
- a cookie set (``POST /login``: ``response.set_cookie``) and read
  (``request.cookies`` in the before-request hook, then ``GET /me``);
- a before- and an after-request hook, and ``@app.errorhandler(404)``;
- ``send_file`` of ``STATIC`` (``static/style.css``) with a conditional GET
  (``If-None-Match`` or ``If-Modified-Since``). Our ``send_file`` sets the
  validators and the framework answers 304 itself; 1.3.4 has neither, so
  when the response comes without an ETag the app adds the validators and
  answers the condition by hand, as a 1.3.4 user has to.

The heap is sampled in the hooks (``gc.collect()`` then ``gc.mem_alloc()``),
as in mp_hello.py. ``GET /mark``, sent by the client after its warm-up
round, starts the measure: ``baseline`` is the sample taken in that
request's before-request hook, ``peak`` the largest sample from then on,
``final`` the live heap once ``run()`` returned.
"""
import gc
import os
import sys
import time

from microdot_asyncio import Microdot, Response, send_file

port = int(sys.argv[1])
STATIC = sys.argv[2] if len(sys.argv) > 2 else 'static/style.css'
DAYS = ('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')
MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
          'Oct', 'Nov', 'Dec')
stats = {'baseline': 0, 'peak': 0, 'samples': 0, 'measuring': False}
users = {1: {'id': 1, 'name': 'ann'}, 2: {'id': 2, 'name': 'bob'}}

app = Microdot()


def sample(mark=False):
    gc.collect()
    used = gc.mem_alloc()
    if mark:
        stats['baseline'] = stats['peak'] = used
        stats['measuring'] = True
    elif stats['measuring'] and used > stats['peak']:
        stats['peak'] = used
    stats['samples'] += 1


@app.before_request
def before(request):
    sample(request.path == '/mark')
    request.g.user = request.cookies.get('user')


@app.after_request
def after(request, response):
    sample()
    return response


@app.errorhandler(404)
def not_found(request):
    return {'error': 'not found', 'path': request.path}, 404


@app.route('/users/<int:user_id>')
async def get_user(request, user_id):
    if user_id not in users:
        return {'error': 'no such user'}, 404
    return users[user_id]


@app.route('/users', methods=['GET', 'POST'])
async def user_list(request):
    if request.method == 'POST':
        data = request.json
        if not data or 'name' not in data:
            return {'error': 'name is required'}, 400
        user_id = max(users) + 1
        users[user_id] = {'id': user_id, 'name': data['name']}
        if len(users) > 8:  # keep the table small: the heap must not grow
            del users[min(k for k in users if k > 2)]
        return users[user_id], 201
    limit = int(request.args.get('limit', 10))
    return {'users': [users[k] for k in sorted(users)][:limit]}


@app.route('/login', methods=['POST'])
async def login(request):
    name = request.json['name']
    response = Response({'user': name})
    response.set_cookie('user', name, path='/', max_age=3600, http_only=True)
    return response


@app.route('/me')
async def me(request):
    if request.g.user is None:
        return {'error': 'not logged in'}, 401
    return {'user': request.g.user}


def http_date(seconds):
    t = time.gmtime(seconds)
    return '%s, %02d %s %d %02d:%02d:%02d GMT' % (
        DAYS[t[6]], t[2], MONTHS[t[1] - 1], t[0], t[3], t[4], t[5])


def validate(request, response):
    """What a 1.3.4 user writes: validators and 304 by hand."""
    stat = os.stat(STATIC)
    etag = '"%x-%x"' % (int(stat[8]), stat[6])
    modified = http_date(int(stat[8]))
    if request.headers.get('If-None-Match') == etag or \
            request.headers.get('If-Modified-Since') == modified:
        response.body.close()
        response = Response(status_code=304)
    response.headers['ETag'] = etag
    response.headers['Last-Modified'] = modified
    return response


@app.route('/static/style.css')
async def stylesheet(request):
    response = send_file(STATIC, max_age=3600)
    if 'ETag' not in response.headers:  # Microdot 1.3.4
        response = validate(request, response)
    return response


@app.route('/mark')
async def mark(request):
    return {'baseline': stats['baseline']}


@app.route('/shutdown')
async def shutdown(request):
    request.app.shutdown()
    return {'bye': True}


app.run(host='127.0.0.1', port=port)
gc.collect()
print('MEM baseline=%d peak=%d final=%d samples=%d' % (
    stats['baseline'], stats['peak'], gc.mem_alloc(), stats['samples']))
