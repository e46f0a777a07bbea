"""The demo (examples/demo/) in a real browser: headless Chromium (Debian's
package), driven over the Chrome DevTools Protocol with `websockets`.

It logs in, calls the JSON API from two origins, chats between two tabs
over the WebSocket, sees Server-Sent Events arrive, uploads a file and
downloads it back (whole and by Range), and looks at the 404 page and the
front page at a phone's width.

Screenshots go to pytest's temporary directory; with SCREENSHOTS=1 they go
to docs/img/ (shown in the README; look at them before committing):

    SCREENSHOTS=1 .venv/bin/python -m pytest tests/browser

`.ci/run` installs Chromium; elsewhere these tests skip with a loud reason.
"""
import asyncio
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which('chromium') or shutil.which('chromium-browser')
DESKTOP = (1000, 760)
PHONE = (390, 800)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason='BROWSER TESTS NOT RUN: no chromium (apt-get install chromium)')


def _free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _wait_for_port(port, proc, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode()
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError('nothing listens on port %d' % port)


class Browser:
    """A headless Chromium and one DevTools connection to it."""

    def __init__(self, profile):
        self.proc = subprocess.Popen(
            [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu',
             '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync',
             '--hide-scrollbars', '--remote-debugging-port=0',
             '--user-data-dir=' + profile, 'about:blank'],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        self.profile = Path(profile)
        self.calls = {}
        self.next_id = 0

    async def connect(self):
        from websockets.asyncio.client import connect
        active = self.profile / 'DevToolsActivePort'
        for _ in range(300):
            if active.exists() and len(active.read_text().split()) == 2:
                break
            await asyncio.sleep(0.05)
        port, path = active.read_text().split()
        self.ws = await connect('ws://127.0.0.1:%s%s' % (port, path),
                                max_size=None)
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        async for raw in self.ws:
            message = json.loads(raw)
            if message.get('id') in self.calls:
                self.calls.pop(message['id']).set_result(message)

    async def call(self, method, session=None, **params):
        self.next_id += 1
        future = asyncio.get_running_loop().create_future()
        self.calls[self.next_id] = future
        message = {'id': self.next_id, 'method': method, 'params': params}
        if session:
            message['sessionId'] = session
        await self.ws.send(json.dumps(message))
        answer = await asyncio.wait_for(future, 20)
        if 'error' in answer:
            raise RuntimeError('%s: %s' % (method, answer['error']))
        return answer['result']

    async def new_tab(self, url, size=DESKTOP):
        target = await self.call('Target.createTarget', url='about:blank')
        session = (await self.call('Target.attachToTarget', flatten=True,
                                   targetId=target['targetId']))['sessionId']
        tab = Tab(self, session)
        await tab.resize(*size)
        await tab.go(url)
        return tab

    async def close(self):
        self.reader.cancel()
        await self.ws.close()
        os.killpg(self.proc.pid, signal.SIGTERM)  # its helper processes too
        self.proc.wait(10)


class Tab:
    def __init__(self, browser, session):
        self.browser, self.session = browser, session

    def call(self, method, **params):
        return self.browser.call(method, self.session, **params)

    async def resize(self, width, height):
        await self.call('Emulation.setDeviceMetricsOverride', width=width,
                        height=height, deviceScaleFactor=1,
                        mobile=width < 500)

    async def js(self, expression):
        """The value of a JavaScript expression (promises awaited)."""
        result = await self.call('Runtime.evaluate', expression=expression,
                                 awaitPromise=True, returnByValue=True)
        if 'exceptionDetails' in result:
            raise RuntimeError(result['exceptionDetails'])
        return result['result'].get('value')

    async def until(self, expression, seconds=10):
        """Wait until a JavaScript expression is truthy; its value."""
        deadline = time.time() + seconds
        while True:
            try:
                value = await self.js(expression)
                if value:
                    return value
            except RuntimeError:  # the page is navigating
                pass
            if time.time() > deadline:
                raise AssertionError('never true: ' + expression)
            await asyncio.sleep(0.05)

    async def go(self, url):
        await self.call('Page.navigate', url=url)
        await self.until("document.readyState == 'complete' && "
                         "location.href != 'about:blank'")

    async def text(self, selector):
        return await self.js('document.querySelector(%s).textContent'
                             % json.dumps(selector))

    async def screenshot(self, path):
        # the whole page, as tall as its content
        width = await self.js('innerWidth')
        height = await self.js(
            'Math.ceil(document.body.getBoundingClientRect().height)')
        await self.resize(width, height)
        shot = await self.call('Page.captureScreenshot', format='png')
        path.write_bytes(base64.b64decode(shot['data']))
        assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


@pytest.fixture(scope='module')
def demo():
    port = _free_port()
    env = dict(os.environ, PYTHONPATH='%s:%s' % (ROOT / 'src',
                                                 ROOT / 'examples'))
    # SIGINT as Ctrl-C does it: a shell that runs the tests in the
    # background ignores SIGINT, and so would the demo, which inherits that
    proc = subprocess.Popen([sys.executable, '-u', '-m', 'demo', str(port)],
                            env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True,
                            preexec_fn=lambda: signal.signal(
                                signal.SIGINT, signal.SIG_DFL))
    _wait_for_port(port, proc)
    yield 'http://127.0.0.1:%d' % port
    proc.send_signal(signal.SIGINT)  # the demo then removes its uploads
    out, err = proc.communicate(timeout=10)
    assert b'Traceback' not in err, err.decode()


@pytest.fixture(scope='module')
def browser():
    loop = asyncio.new_event_loop()
    # a helper process may still write to the profile as it is removed
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        chromium = Browser(profile)
        loop.run_until_complete(chromium.connect())
        chromium.run = loop.run_until_complete
        yield chromium
        loop.run_until_complete(chromium.close())
    loop.close()


@pytest.fixture(scope='module')
def shots(tmp_path_factory):
    if os.environ.get('SCREENSHOTS'):
        (ROOT / 'docs' / 'img').mkdir(exist_ok=True)
        return ROOT / 'docs' / 'img'
    return tmp_path_factory.mktemp('img')


def test_front_page_and_cached_stylesheet(demo, browser, shots):
    async def steps():
        tab = await browser.new_tab(demo + '/')
        assert await tab.text('h1') == 'Every capability, one page each'
        assert await tab.js("document.querySelectorAll('.card').length") == 6
        # the stylesheet applies, and asking again with its ETag gives 304
        assert await tab.js("getComputedStyle(document.body).margin") == '0px'
        statuses = await tab.js('''(async () => {
            const url = '/static/style.css';
            const first = await fetch(url, {cache: 'no-store'});
            const again = await fetch(url, {cache: 'no-store',
                headers: {'If-None-Match': first.headers.get('ETag')}});
            return [first.status, again.status];
        })()''')
        assert statuses == [200, 304]
        await tab.screenshot(shots / 'demo-home.png')
    browser.run(steps())


def test_login_and_private_page(demo, browser, shots):
    async def steps():
        tab = await browser.new_tab(demo + '/account')
        assert await tab.js('location.pathname + location.search') == \
            '/login?next=%2Faccount'
        await tab.js('''
            document.querySelector('[name=username]').value = 'alice';
            document.querySelector('[name=password]').value = 'wonderland';
        ''')
        await tab.screenshot(shots / 'demo-login.png')
        await tab.js("document.querySelector('form').submit()")
        await tab.until("location.pathname == '/account' && "
                        "!!document.querySelector('#username')")
        assert await tab.text('#username') == 'alice'
        await tab.screenshot(shots / 'demo-account.png')
    browser.run(steps())


def test_json_api_from_two_origins(demo, browser, shots):
    other = demo.replace('127.0.0.1', 'localhost')

    async def steps():
        tab = await browser.new_tab(demo + '/notes')
        await tab.js("document.querySelector('#note-text').value = "
                     "'Hello from 127.0.0.1'")
        await tab.js("document.querySelector('#add-same').click()")
        await tab.until("document.querySelector('#api-status').textContent"
                        ".startsWith('201 from')")
        await tab.js("document.querySelector('#note-text').value = "
                     "'Hello from localhost'; "
                     "document.querySelector('#api-status').textContent = ''")
        await tab.js("document.querySelector('#add-other').click()")
        status = await tab.until(
            "document.querySelector('#api-status').textContent")
        assert status.startswith('201 from ' + other), status
        await tab.until("document.querySelectorAll('#notes li').length == 2")
        assert await tab.text('#notes li small') == \
            'from a page of %s to %s' % (demo, other.split('//')[1])
        await tab.screenshot(shots / 'demo-api.png')
    browser.run(steps())


def test_chat_between_two_tabs_and_live_panel(demo, browser, shots):
    async def steps():
        first = await browser.new_tab(demo + '/chat')
        second = await browser.new_tab(demo + '/chat')
        live = await browser.new_tab(demo + '/live')
        for tab in (first, second):
            await tab.until("document.querySelector('#chat-status')"
                            ".textContent == 'Connected.'")
        # an SSE clock event has arrived
        await live.until("/^\\d\\d:\\d\\d:\\d\\d$/.test("
                         "document.querySelector('#clock').textContent)")
        for tab, name, text in ((first, 'alice', 'Hello from the first tab'),
                                (second, 'bob', 'And hello from the second')):
            await tab.js('''document.querySelector('#chat-name').value = %s;
                document.querySelector('#chat-text').value = %s;
                document.querySelector('#chat-form').requestSubmit();'''
                         % (json.dumps(name), json.dumps(text)))
        for tab in (first, second):
            await tab.until("document.querySelectorAll('#messages li')"
                            ".length == 2")
        assert await second.text('#messages li') == \
            'aliceHello from the first tab'
        await live.until("document.querySelectorAll('#live-messages li')"
                         ".length == 2")
        assert await live.text('#live-messages li') == \
            'bobAnd hello from the second'
        await second.screenshot(shots / 'demo-chat.png')
        await live.screenshot(shots / 'demo-live.png')
    browser.run(steps())


def test_upload_and_download(demo, browser, shots, tmp_path):
    upload = tmp_path / 'sensor-log.csv'
    upload.write_bytes(b''.join(b'%d,%d\n' % (i, i * i % 977)
                                for i in range(150000)))

    async def steps():
        tab = await browser.new_tab(demo + '/files')
        root = (await tab.call('DOM.getDocument'))['root']['nodeId']
        node = (await tab.call('DOM.querySelector', nodeId=root,
                               selector='#upload-file'))['nodeId']
        await tab.call('DOM.setFileInputFiles', nodeId=node,
                       files=[str(upload)])
        await tab.js("document.querySelector('#upload-form').requestSubmit()")
        await tab.until("document.querySelector('#upload-status')"
                        ".textContent == 'Uploaded sensor-log.csv.'")
        await tab.until("!!document.querySelector('#file-list a')")
        assert await tab.js("document.querySelector('#upload-progress')"
                            ".value") == 1
        # downloaded back, whole and as a Range
        whole, part = await tab.js('''(async () => {
            const digest = async (r) => Array.from(new Uint8Array(
                await crypto.subtle.digest('SHA-256', await r.arrayBuffer())))
                .map((b) => b.toString(16).padStart(2, '0')).join('');
            const url = document.querySelector('#file-list a').href;
            const part = await fetch(url,
                {headers: {Range: 'bytes=1000-1999'}});
            return [await digest(await fetch(url)),
                    [part.status, await digest(part)]];
        })()''')
        data = upload.read_bytes()
        assert whole == hashlib.sha256(data).hexdigest()
        assert part == [206, hashlib.sha256(data[1000:2000]).hexdigest()]
        await tab.screenshot(shots / 'demo-files.png')
    browser.run(steps())


def test_not_found_page(demo, browser, shots):
    async def steps():
        tab = await browser.new_tab(demo + '/no/such/page')
        assert await tab.text('h1') == 'Page not found'
        assert await tab.js("fetch('/no/such/page').then((r) => r.status)") \
            == 404
        await tab.screenshot(shots / 'demo-404.png')
    browser.run(steps())


def test_readable_at_a_phone_width(demo, browser, shots):
    async def steps():
        for path, name in (('/', 'demo-phone.png'),
                           ('/chat', 'demo-phone-chat.png')):
            tab = await browser.new_tab(demo + path, size=PHONE)
            # nothing wider than the screen: no sideways scrolling
            assert await tab.js('document.documentElement.scrollWidth') <= \
                PHONE[0]
            await tab.screenshot(shots / name)
    browser.run(steps())
