"""The mip packages, the .mpy build and manifest.py, checked as a board
user meets them.

Static checks (CPython only): the committed package files and manifest.py
are what tools/packages.py generates from src/; every module that a
committed package installs finds each module of ours that it imports
(eagerly or inside a function) in the same package; manifest.py, executed
with stub ``metadata``/``module``/``options`` as MicroPython's
``tools/manifestfile.py`` would, freezes exactly the packages' modules.

Under the ``micropython`` binary: the repository root and a fresh ``.mpy``
build (tools/packages.py's, into a temporary directory) are served by
``http.server`` on 127.0.0.1; every package is installed with the frozen
``mip`` (``mip.install('http://127.0.0.1:PORT/...json', target=DIR)``,
one process per package, several at a time), then a fresh interpreter with
``MICROPYPATH=DIR:.frozen`` (src/ is not on it: the test checks where
``microdot`` was loaded from) imports the package and serves real requests
through it: the server packages over a real socket to a server started in
the micropython process, the test clients in process through their full
parse and serialize. The requests reach the lazily imported modules too
(query strings, cookies, files, chunked bodies, ``Expect``, errors, regex
routes, CORS preflights...), so a missing module fails here as it would on
a board. Skipped when the binary is missing.
"""
import base64
import concurrent.futures
import functools
import http.server
import importlib.util
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MICROPYTHON = os.path.join(ROOT, '.venv', 'bin', 'micropython')


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'packages_tool', os.path.join(ROOT, 'tools', 'packages.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = load_tool()
GRAPH = tool.import_graph()
PACKAGES = tool.packages(GRAPH)


def committed_packages():
    """{package name: the modules its committed json installs}."""
    result = {}
    for name in PACKAGES:
        with open(os.path.join(ROOT, tool.package_path(name))) as f:
            data = json.load(f)
        result[name] = [dest[:-3] for dest, url in data['urls']]
    return result


# -- static checks -----------------------------------------------------------

def test_generated_files_are_current():
    wrong = tool.stale(tool.generated(PACKAGES))
    assert not wrong, ('stale, run `.venv/bin/python tools/packages.py`: %s'
                       % ', '.join(wrong))


def test_every_module_is_packaged_or_cpython_only():
    packaged = set().union(*PACKAGES.values())
    for name in GRAPH:
        assert (name in packaged) != (name in tool.CPYTHON_ONLY), name
    assert set(tool.CPYTHON_ONLY) <= set(GRAPH)


def test_committed_packages_install_every_import():
    """Independent of the closure code: the committed file lists against
    each installed module's imports."""
    for name, modules in committed_packages().items():
        for module in modules:
            imported = tool.imported_names(
                os.path.join(tool.SRC, module + '.py'))
            missing = {name for name in imported & set(GRAPH)
                       if (module, name) not in tool.LOADED_BY_CALLER} - \
                set(modules) - set(tool.CPYTHON_ONLY) - {module}
            assert not missing, '%s imports %s, which package %s does not ' \
                'install' % (module, ', '.join(sorted(missing)), name)


def test_loaded_by_caller_imports_are_lazy():
    """An import the packages leave out because its module is loaded
    already must be inside a function: at module level it would run on
    every import."""
    for (importer, module), reason in tool.LOADED_BY_CALLER.items():
        assert importer in GRAPH and module in GRAPH and reason
        sites = tool.import_sites(os.path.join(tool.SRC, importer + '.py'))
        assert sites.get(module) is not True, (importer, module)


def test_package_urls_are_relative_and_exist():
    for name in PACKAGES:
        path = tool.package_path(name)
        with open(os.path.join(ROOT, path)) as f:
            data = json.load(f)
        assert set(data) == {'urls', 'deps', 'version'}
        assert data['deps'] == [] and data['version'] == tool.version()
        for dest, url in data['urls']:
            assert ':' not in url and dest == os.path.basename(url)
            assert os.path.exists(os.path.normpath(os.path.join(
                ROOT, os.path.dirname(path), url))), (path, url)


class IncludeOptions:
    """What MicroPython's manifestfile.py gives a manifest as ``options``."""

    def __init__(self, **kwargs):
        self._kwargs, self._defaults = kwargs, {}

    def defaults(self, **kwargs):
        self._defaults = kwargs

    def __getattr__(self, name):
        return self._kwargs.get(name, self._defaults.get(name))


def frozen_by_manifest(**options):
    modules, calls = [], []

    def module(path, base_path='.', opt=None):
        assert path.endswith('.py') and base_path == 'src'
        assert os.path.exists(os.path.join(ROOT, base_path, path)), path
        modules.append(path[:-3])

    def metadata(**kwargs):
        assert not modules, 'metadata() must come first'
        calls.append(kwargs)

    with open(os.path.join(ROOT, 'manifest.py')) as f:
        code = compile(f.read(), 'manifest.py', 'exec')
    exec(code, {'metadata': metadata, 'module': module,
                'options': IncludeOptions(**options)})
    assert calls and calls[0]['version'] == tool.version()
    assert len(modules) == len(set(modules))
    return set(modules)


def test_manifest_freezes_the_packages_modules():
    assert frozen_by_manifest() == set().union(*PACKAGES.values())
    assert frozen_by_manifest(extensions=['microdot_cors']) == \
        set(PACKAGES['microdot']) | set(PACKAGES['microdot_cors'])
    assert frozen_by_manifest(extensions=['microdot_asyncio',
                                          'microdot_session']) == \
        set(PACKAGES['microdot_asyncio']) | set(PACKAGES['microdot_session'])


# -- under micropython: install, import, serve ------------------------------

needs_micropython = pytest.mark.skipif(
    not os.access(MICROPYTHON, os.X_OK),
    reason='no .venv/bin/micropython (make test installs it)')


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_directory(directory):
    handler = functools.partial(QuietHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def mp_env(path):
    return dict(os.environ, MICROPYPATH=path)


def mip_install(url, target):
    os.makedirs(target)
    done = subprocess.run(
        [MICROPYTHON, '-c', 'import mip; mip.install(%r, target=%r)'
         % (url, target)], cwd=target, env=mp_env('.frozen'),
        capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout + done.stderr


def package_url(port, form, name):
    if form == 'py':
        return 'http://127.0.0.1:%d/%s' % (port, tool.package_path(name))
    return 'http://127.0.0.1:%d/%s' % (
        port, 'package.json' if name == tool.CORE else name + '.json')


@pytest.fixture(scope='module')
def installed(tmp_path_factory):
    """{(form, package): (directory, mip's exit status, mip's output)}:
    every package installed by mip, from source and from .mpy."""
    base = tmp_path_factory.mktemp('mip')
    mpy_dir = str(base / 'mpy-build')
    tool.build_mpy(tool.portable(GRAPH), target=mpy_dir)
    tool.write_mpy_packages(PACKAGES, target=mpy_dir)
    servers = {'py': serve_directory(ROOT), 'mpy': serve_directory(mpy_dir)}
    jobs = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            for form in ('py', 'mpy'):
                port = servers[form].server_address[1]
                for name in PACKAGES:
                    target = str(base / form / name)
                    jobs[form, name] = (target, pool.submit(
                        mip_install, package_url(port, form, name), target))
            result = {key: (target, *future.result())
                      for key, (target, future) in jobs.items()}
    finally:
        for server in servers.values():
            server.shutdown()
            server.server_close()
    return result


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
TLS.check_hostname = False
TLS.verify_mode = ssl.CERT_NONE


def connect(port, tls=False):
    sock = socket.create_connection(('127.0.0.1', port), timeout=10)
    return TLS.wrap_socket(sock) if tls else sock


def request(port, method, path, headers=(), body=b'', tls=False,
            chunked=False):
    """One request on its own connection: (status, {name: value}, body),
    header names lowercased, a chunked body decoded, 1xx answers skipped."""
    head = '%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n' \
        % (method, path, port)
    for name, value in headers:
        head += '%s: %s\r\n' % (name, value)
    if chunked:
        head += 'Transfer-Encoding: chunked\r\n'
        body = b'%x\r\n%s\r\n0\r\n\r\n' % (len(body), body) if body else \
            b'0\r\n\r\n'
    elif body:
        head += 'Content-Length: %d\r\n' % len(body)
    sock = connect(port, tls)
    try:
        sock.sendall(head.encode() + b'\r\n' + body)
        data = b''
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        sock.close()
    while True:
        head, _, data = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        status = int(lines[0].split()[1])
        if status >= 200:
            break
    fields = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        fields.setdefault(name.strip().lower(), value.strip())
    if fields.get('transfer-encoding') == 'chunked':
        data = dechunk(data)
    return status, fields, data


def dechunk(data):
    body = b''
    while True:
        size, _, data = data.partition(b'\r\n')
        size = int(size.split(b';')[0], 16)
        if not size:
            return body
        body, data = body + data[:size], data[size + 2:]


def ws_echo(port, path, text):
    """A WebSocket handshake, one masked text message, the first reply."""
    sock = connect(port)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        sock.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: '
                      'websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key:'
                      ' %s\r\nSec-WebSocket-Version: 13\r\n\r\n'
                      % (path, key)).encode())
        stream = sock.makefile('rb')
        status = stream.readline()
        assert b' 101 ' in status, status
        while stream.readline() not in (b'\r\n', b''):
            pass
        payload, mask = text.encode(), os.urandom(4)
        sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + bytes(
            byte ^ mask[i % 4] for i, byte in enumerate(payload)))
        first, size = stream.read(2)
        assert first & 0x0f == 1 and size < 126, (first, size)
        return stream.read(size).decode()
    finally:
        sock.close()


# Every program starts so: where microdot came from, then PORT and EXT.
PRELUDE = '''\
import microdot
print('FILE', microdot.__file__)
PORT = %d
EXT = %r
'''

CORE_APP = '''\
from {module} import Microdot, Response, send_file
app = Microdot()

@app.route('/')
{a}def index(req):
    return 'hello ' + req.args.get('x', '')

@app.route('/cookie')
{a}def cookie(req):
    res = Response('c')
    res.set_cookie('a', 'b')
    return res

@app.route('/file')
{a}def file(req):
    return send_file(microdot.__file__)

@app.post('/echo')
{a}def echo(req):
    return req.body

@app.route('/re/<re:[a-c]+:word>')
{a}def word(req, word):
    return word

app.run(host='127.0.0.1', port=PORT)
'''


def check_core(port, directory, ext):
    assert request(port, 'GET', '/?x=1')[::2] == (200, b'hello 1')
    assert request(port, 'GET', '/nope')[0] == 404
    assert request(port, 'PUT', '/')[0] == 405
    status, fields, _ = request(port, 'GET', '/cookie')
    assert status == 200 and fields['set-cookie'].startswith('a=b')
    status, fields, body = request(port, 'GET', '/file')
    with open(os.path.join(directory, 'microdot' + ext), 'rb') as f:
        assert (status, body) == (200, f.read())
    assert 'etag' in fields
    assert request(port, 'POST', '/echo', body=b'abc',
                   chunked=True)[::2] == (200, b'abc')
    assert request(port, 'POST', '/echo', [('Expect', '100-continue')],
                   b'xyz')[::2] == (200, b'xyz')
    assert request(port, 'GET', '/re/abc')[::2] == (200, b'abc')


WS_APP = '''\
from {module} import Microdot
from {ws} import with_websocket
app = Microdot()

@app.route('/ws')
@with_websocket
{a}def ws(req, ws):
    data = {aw}ws.receive()
    {aw}ws.send('echo ' + data)

app.run(host='127.0.0.1', port=PORT)
'''


def check_ws(port, directory, ext):
    assert ws_echo(port, '/ws', 'hi') == 'echo hi'


SESSION_APP = '''\
from microdot import Microdot
from microdot_session import set_session_secret_key, with_session, \\
    update_session
set_session_secret_key('top secret, for the test only')
app = Microdot()

@app.route('/set')
@with_session
def set_(req, session):
    update_session(req, {'n': 5})
    return 'set'

@app.route('/get')
@with_session
def get(req, session):
    return str(session.get('n'))

app.run(host='127.0.0.1', port=PORT)
'''


def check_session(port, directory, ext):
    status, fields, _ = request(port, 'GET', '/set')
    cookie = fields['set-cookie'].split(';')[0]
    assert status == 200 and cookie.startswith('session=')
    assert request(port, 'GET', '/get', [('Cookie', cookie)])[::2] == \
        (200, b'5')


UTEMPLATE_APP = '''\
import os
from microdot import Microdot
from microdot_utemplate import render_template
try:
    os.mkdir('templates')
except OSError:
    pass
with open('templates/hi.html', 'w') as f:
    f.write('{% args name %}Hi {{ name }}!')
app = Microdot()

@app.route('/')
def index(req):
    return render_template('hi.html', req.args.get('name'))

app.run(host='127.0.0.1', port=PORT)
'''


def check_utemplate(port, directory, ext):
    assert request(port, 'GET', '/?name=%3Cb%3E')[::2] == \
        (200, b'Hi &lt;b&gt;!')


CORS_APP = '''\
from microdot import Microdot
from microdot_cors import CORS
app = Microdot()
CORS(app, allowed_origins=['http://a.example'], allow_credentials=True)

@app.route('/', methods=['GET', 'PUT'])
def index(req):
    return 'cors'

app.run(host='127.0.0.1', port=PORT)
'''


def check_cors(port, directory, ext):
    origin = [('Origin', 'http://a.example')]
    status, fields, _ = request(port, 'GET', '/', origin)
    assert fields['access-control-allow-origin'] == 'http://a.example'
    status, fields, _ = request(port, 'OPTIONS', '/', origin + [
        ('Access-Control-Request-Method', 'PUT')])
    assert status == 200 and 'PUT' in fields['access-control-allow-methods']


SSL_APP = '''\
from microdot import Microdot
from microdot_ssl import create_ssl_context
app = Microdot()

@app.route('/')
def index(req):
    return 'over tls'

app.run(host='127.0.0.1', port=PORT,
        ssl=create_ssl_context('cert.der', 'key.der'))
'''


def check_ssl(port, directory, ext):
    assert request(port, 'GET', '/', tls=True)[::2] == (200, b'over tls')


MULTIPART_APP = '''\
from microdot import Microdot
from microdot_multipart import with_form_data
app = Microdot()

@app.post('/up')
@with_form_data
def up(req):
    return req.form['name'] + ':' + req.files['file'].read().decode()

app.run(host='127.0.0.1', port=PORT)
'''


def check_multipart(port, directory, ext):
    body = (b'--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\n'
            b'ann\r\n--XyZ\r\nContent-Disposition: form-data; name="file"; '
            b'filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nfile body'
            b'\r\n--XyZ--\r\n')
    assert request(port, 'POST', '/up', [(
        'Content-Type', 'multipart/form-data; boundary=XyZ')],
        body)[::2] == (200, b'ann:file body')


SSE_APP = '''\
from microdot_asyncio import Microdot
from microdot_sse import with_sse
app = Microdot()

@app.route('/events')
@with_sse
async def events(req, sse):
    await sse.send('hello')
    await sse.send({'n': 1}, event='json')

app.run(host='127.0.0.1', port=PORT)
'''


def check_sse(port, directory, ext):
    status, fields, body = request(port, 'GET', '/events')
    assert status == 200
    assert fields['content-type'].startswith('text/event-stream')
    assert b'data: hello\n\n' in body and b'event: json\n' in body


AUTH_APP = '''\
from microdot import Microdot
from microdot_auth import BasicAuth
app = Microdot()
auth = BasicAuth()

@auth.authenticate
def check(request, username, password):
    if username == 'susan' and password == 'hello':
        return {'name': username}

@app.route('/')
@auth
def index(request):
    return 'Hello, ' + request.g.current_user['name']

app.run(host='127.0.0.1', port=PORT)
'''


def check_auth(port, directory, ext):
    assert request(port, 'GET', '/')[0] == 401
    token = base64.b64encode(b'susan:hello').decode()
    assert request(port, 'GET', '/', [('Authorization', 'Basic ' + token)]
                   )[::2] == (200, b'Hello, susan')


LOGIN_APP = '''\
from microdot import Microdot
from microdot_session import set_session_secret_key
from microdot_login import Login
set_session_secret_key('top secret, for the test only')
app = Microdot()
login = Login()
USERS = {'1': 'susan'}

@login.user_loader
def load_user(user_id):
    return USERS.get(user_id)

@app.post('/login')
def do_login(request):
    return login.login_user(request, request.form['id'])

@app.route('/')
@login
def index(request):
    return 'Hello, ' + request.g.current_user

app.run(host='127.0.0.1', port=PORT)
'''


def check_login(port, directory, ext):
    status, fields, _ = request(port, 'GET', '/')
    assert status == 302 and fields['location'].startswith('/login')
    status, fields, _ = request(port, 'POST', '/login', [(
        'Content-Type', 'application/x-www-form-urlencoded')], b'id=1')
    assert status == 302
    cookie = fields['set-cookie'].split(';')[0]
    assert request(port, 'GET', '/', [('Cookie', cookie)])[::2] == \
        (200, b'Hello, susan')


CSRF_APP = '''\
from microdot import Microdot
from microdot_csrf import CSRF
app = Microdot()
CSRF(app)

@app.post('/p')
def p(request):
    return 'posted'

app.run(host='127.0.0.1', port=PORT)
'''


def check_csrf(port, directory, ext):
    assert request(port, 'POST', '/p', [('Sec-Fetch-Site', 'cross-site')],
                   b'x')[0] == 403
    assert request(port, 'POST', '/p', [('Sec-Fetch-Site', 'same-origin')],
                   b'x')[::2] == (200, b'posted')


TEST_CLIENT_APP = '''\
from {module} import Microdot, Response
from {client} import TestClient
from microdot_websocket import with_websocket
app = Microdot()

@app.route('/')
{a}def index(req):
    return {{'hello': req.args.get('x')}}

@app.route('/events')
{a}def events(req):
    return Response('data: one\\n\\n', headers={{
        'Content-Type': 'text/event-stream'}})

@app.route('/ws')
@with_websocket
def ws(req, ws):
    ws.send('echo ' + ws.receive())

def talk():
    reply = yield 'hi'
    assert reply == 'echo hi', reply

{a}def main():
    client = TestClient(app)
    res = {aw}client.get('/?x=1')
    assert res.status_code == 200 and res.json == {{'hello': '1'}}, res.json
    res = {aw}client.get('/events')
    assert res.events[0]['data'] == 'one', res.events
    assert ({aw}client.get('/nope')).status_code == 404
    if '{a}':
        return
    res = client.websocket('/ws', talk)
    assert res.messages == ['echo hi'], res.messages
    print('OK')

{run}
'''

# package: (program, client check or None when the program checks itself)
SCENARIOS = {
    'microdot': (CORE_APP.format(module='microdot', a=''), check_core),
    'microdot_asyncio': (CORE_APP.format(module='microdot_asyncio',
                                         a='async '), check_core),
    'microdot_websocket': (WS_APP.format(
        module='microdot', ws='microdot_websocket', a='', aw=''), check_ws),
    'microdot_websocket_alt': (WS_APP.format(
        module='microdot', ws='microdot_websocket_alt', a='', aw=''),
        check_ws),
    'microdot_asyncio_websocket': (WS_APP.format(
        module='microdot_asyncio', ws='microdot_asyncio_websocket',
        a='async ', aw='await '), check_ws),
    'microdot_session': (SESSION_APP, check_session),
    'microdot_utemplate': (UTEMPLATE_APP, check_utemplate),
    'microdot_cors': (CORS_APP, check_cors),
    'microdot_ssl': (SSL_APP, check_ssl),
    'microdot_multipart': (MULTIPART_APP, check_multipart),
    'microdot_sse': (SSE_APP, check_sse),
    'microdot_auth': (AUTH_APP, check_auth),
    'microdot_login': (LOGIN_APP, check_login),
    'microdot_csrf': (CSRF_APP, check_csrf),
    'microdot_test_client': (TEST_CLIENT_APP.format(
        module='microdot', client='microdot_test_client', a='', aw='',
        run='main()'), None),
    'microdot_asyncio_test_client': (TEST_CLIENT_APP.format(
        module='microdot_asyncio', client='microdot_asyncio_test_client',
        a='async ', aw='await ',
        run='import asyncio\nasyncio.run(main())\nprint("OK")'), None),
}


def test_every_package_has_a_scenario():
    assert set(SCENARIOS) == set(PACKAGES)


def make_certificate(directory):
    """An EC certificate and key in DER, as a board loads them."""
    openssl = shutil.which('openssl')
    if not openssl:
        pytest.skip('no openssl command to make a test certificate')
    pem_key, pem_cert = (os.path.join(directory, name)
                         for name in ('key.pem', 'cert.pem'))
    for args in (['req', '-x509', '-newkey', 'ec', '-pkeyopt',
                  'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
                  '-subj', '/CN=localhost', '-keyout', pem_key, '-out',
                  pem_cert],
                 ['x509', '-in', pem_cert, '-outform', 'DER', '-out',
                  os.path.join(directory, 'cert.der')],
                 ['ec', '-in', pem_key, '-outform', 'DER', '-out',
                  os.path.join(directory, 'key.der')]):
        subprocess.run([openssl] + args, check=True, capture_output=True,
                       timeout=30)
    for path in (pem_key, pem_cert):
        os.remove(path)


def wait_listening(port, proc, log, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError('the app exited:\n' + read(log))
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise AssertionError('not listening after %d s:\n%s' % (timeout,
                                                            read(log)))


def read(log):
    log.seek(0)
    return log.read().decode(errors='replace')


def run_scenario(name, directory, ext):
    """Run the package's program under micropython with ``directory`` as
    its only module path besides .frozen (and an empty working directory:
    ``-c`` puts it first on sys.path), check it; returns its output."""
    program, check = SCENARIOS[name]
    workdir = directory + '.run'  # the program's files: templates, certs
    os.makedirs(workdir, exist_ok=True)
    if name == 'microdot_ssl':
        make_certificate(workdir)
    port = free_port()
    argv = [MICROPYTHON, '-c', PRELUDE % (port, ext) + program]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, cwd=workdir, env=mp_env(
            directory + ':.frozen'), stdin=subprocess.DEVNULL, stdout=log,
            stderr=log, start_new_session=True)
        try:
            if check is None:
                proc.wait(30)
                output = read(log)
                assert proc.returncode == 0 and 'OK' in output, output
            else:
                wait_listening(port, proc, log)
                try:
                    check(port, directory, ext)
                except Exception as exc:
                    raise AssertionError('%s; the app said:\n%s'
                                         % (exc, read(log))) from exc
                output = read(log)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
    return output


@needs_micropython
@pytest.mark.parametrize('form', ['py', 'mpy'])
@pytest.mark.parametrize('name', list(PACKAGES))
def test_installed_package_serves(installed, name, form):
    directory, status, output = installed[form, name]
    assert status == 0, 'mip failed:\n' + output
    ext = '.' + form
    assert sorted(os.listdir(directory)) == sorted(
        module + ext for module in PACKAGES[name])
    output = run_scenario(name, directory, ext)
    first = output.splitlines()[0]
    assert first == 'FILE %s/microdot%s' % (directory, ext), output


# -- examples/boards/main.py -------------------------------------------------

MAIN_PY = os.path.join(ROOT, 'examples', 'boards', 'main.py')

# the unix port has no network module: a station that joins at once
NETWORK_STUB = '''\
STA_IF = 0


class WLAN:
    joined = False

    def __init__(self, interface):
        self.interface = interface

    def active(self, on=None):
        return True

    def isconnected(self):
        return WLAN.joined

    def connect(self, ssid, password):
        WLAN.joined = (ssid, password) == ('my-network', 'my-password')

    def ifconfig(self):
        return ('127.0.0.1', '255.0.0.0', '127.0.0.1', '127.0.0.1')
'''


def test_board_guide_holds_main_py():
    """docs/boards.md's one Python block is examples/boards/main.py."""
    with open(os.path.join(ROOT, 'docs', 'boards.md')) as f:
        blocks = f.read().split('```python\n')[1:]
    with open(MAIN_PY) as f:
        source = f.read()
    assert [block.split('```')[0] for block in blocks] == [source]
    compile(source, MAIN_PY, 'exec')


@needs_micropython
def test_board_main_joins_wifi_and_serves(installed, tmp_path):
    """examples/boards/main.py (docs/boards.md holds the same text) under
    micropython, with the .mpy microdot_asyncio package as installed by
    mip and a stub network module; only its port is changed."""
    directory, status, output = installed['mpy', 'microdot_asyncio']
    assert status == 0, output
    stub = tmp_path / 'stub'
    stub.mkdir()
    (stub / 'network.py').write_text(NETWORK_STUB)
    with open(MAIN_PY) as f:
        source = f.read()
    assert source.count('\nPORT = 80\n') == 1
    port = free_port()
    source = source.replace('\nPORT = 80\n', '\nPORT = %d\n' % port)
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [MICROPYTHON, '-c', source], cwd=str(tmp_path),
            env=mp_env('%s:%s:.frozen' % (stub, directory)),
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True)
        try:
            wait_listening(port, proc, log)
            assert request(port, 'GET', '/')[::2] == \
                (200, b'Hello from the board!')
            assert request(port, 'POST', '/', body=b'x' * 5000)[0] == 413
            assert request(port, 'GET', '/' + 'a' * 600)[0] == 414
            assert 'Serving on http://127.0.0.1:%d/' % port in read(log)
        finally:
            proc.kill()
            proc.wait(5)
