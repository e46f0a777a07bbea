"""The demo app seen by a real browser: headless Chromium (Debian package).

`.ci/run` installs Chromium; elsewhere these tests skip with a loud reason.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason='BROWSER TESTS NOT RUN: no chromium (apt-get install chromium)')


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture(scope='module')
def demo_url():
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / 'src'))
    proc = subprocess.Popen([sys.executable, str(ROOT / 'examples' / 'demo.py'),
                             str(port)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    yield 'http://127.0.0.1:%d' % port
    proc.terminate()
    _, err = proc.communicate(timeout=10)
    assert b'Traceback' not in err, err.decode()


def _chromium(*args):
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
             '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update',
             '--disable-sync', '--user-data-dir=' + profile] + list(args),
            capture_output=True, timeout=60)
    return result


def test_home_page_renders(demo_url):
    dom = _chromium('--dump-dom', demo_url + '/').stdout.decode()
    assert '<h1>Microdot demo</h1>' in dom
    assert 'href="/hello/world"' in dom


def test_greeting_with_non_ascii_name(demo_url):
    dom = _chromium('--dump-dom', demo_url + '/hello/J%C3%B6rg').stdout.decode()
    assert 'Hello, Jörg!' in dom


def test_json_api_in_browser(demo_url):
    dom = _chromium('--dump-dom', demo_url + '/api/time').stdout.decode()
    assert '"utc"' in dom


def test_screenshot_is_taken(demo_url, tmp_path):
    shot = tmp_path / 'demo.png'
    _chromium('--screenshot=' + str(shot), '--window-size=800,600',
              demo_url + '/')
    assert shot.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
