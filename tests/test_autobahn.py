"""The Autobahn testsuite against our WebSocket servers (issue 6).

Runs ``tools/autobahn/run.py`` (the driver behind ``make autobahn``) once
for the module, with its reports in a temporary folder, and asserts for
each of our servers (threaded, asyncio, uvloop, uvicorn-ASGI): no FAILED
and no UNCLEAN case. NON-STRICT and INFORMATIONAL are allowed; the driver's
output lists them. On uvicorn's websockets protocol, a case that the
``websockets`` reference server fails the same way is the library's, not
ours (the driver reports it as upstream and does not count it).

Needs Python 2.7 (``PYENV_VERSION=2.7.18 python2.7``): without it every
test is skipped, with a warning. The first run installs the suite into
``tools/autobahn/.env/`` (about 15 s, from PyPI); later runs reuse it.
"""
import importlib.util
import json
import os
import subprocess
import sys
import warnings

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DRIVER = os.path.join(ROOT, 'tools', 'autobahn', 'run.py')
SERVERS = ['threaded', 'asyncio', 'uvloop', 'asgi']
# the install (first run only) plus about 15 s per server, with margin
TIMEOUT = 1200


def _driver():
    spec = importlib.util.spec_from_file_location('autobahn_run', DRIVER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def autobahn(tmp_path_factory):
    driver = _driver()
    exe, why = driver.python2()
    if exe is None:
        message = 'AUTOBAHN SKIPPED: Python 2.7 is missing (%s): no ' \
            'WebSocket conformance result' % why
        warnings.warn(message)
        print('\n' + '!' * 72 + '\n!! ' + message + '\n' + '!' * 72,
              file=sys.stderr)
        pytest.skip(message)
    reports = str(tmp_path_factory.mktemp('autobahn'))
    done = subprocess.run(
        [sys.executable, DRIVER, '--servers', ','.join(SERVERS),
         '--reports', reports, '--timeout', '300'],
        cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=TIMEOUT - 60)
    output = done.stdout + done.stderr
    print(output)
    if done.returncode == driver.SKIPPED:
        pytest.skip('AUTOBAHN SKIPPED: ' + output[-500:])
    if done.returncode == 2:
        pytest.fail('the Autobahn install failed:\n' + output[-3000:])
    summary_path = os.path.join(reports, 'summary.json')
    assert os.path.exists(summary_path), output[-3000:]
    with open(summary_path) as f:
        summary = json.load(f)
    return {r['server']: r for r in summary['results']}, output


@pytest.mark.timeout(TIMEOUT)
@pytest.mark.parametrize('server', SERVERS)
def test_autobahn_no_failed_no_unclean(autobahn, server):
    results, output = autobahn
    result = results[server]
    assert result['error'] is None, '%s: %s\n%s' % (
        server, result['error'], result.get('server_log_tail', ''))
    counts = result['counts']
    assert result['total'] >= 200, 'only %d cases ran' % result['total']
    upstream = set(result.get('upstream') or [])
    failed = [d for d in result['not_ok']
              if d['status'] == 'FAILED' and d['case'] not in upstream]
    unclean = [d for d in result['not_ok'] if d['status'] == 'UNCLEAN']
    explain = '\n'.join(
        '%s %s: behavior %s, close %s (code %s): %s / %s' % (
            d['case'], d['status'], d['behavior'], d['behaviorClose'],
            d['remoteCloseCode'], d.get('result'), d.get('resultClose'))
        for d in failed + unclean)
    assert not failed and not unclean, '%s: %s\n%s' % (
        server, dict(counts), explain)
