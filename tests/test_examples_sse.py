"""examples/sse/app.py: its events through the asyncio test client, and
the page served for real by CPython and MicroPython."""
import asyncio
import shutil
import sys

import pytest

from _microdot_sse_events import parse_events
from microdot_asyncio_test_client import TestClient
from test_examples_core import BIN, EXAMPLES, free_port, load, run_server


def test_counts_and_resumes_from_last_event_id():
    example = load('sse/app.py')
    example.INTERVAL = 0
    client = TestClient(example.app)
    res = asyncio.run(client.get('/events?limit=3'))
    assert res.headers['Content-Type'].startswith('text/event-stream')
    assert parse_events(res.body) == [
        {'event': 'count', 'data': '{"n": %d}' % n, 'id': str(n)}
        for n in (1, 2, 3)]
    res = asyncio.run(client.get('/events?limit=2',
                                 headers={'Last-Event-ID': '3'}))
    assert [e['id'] for e in parse_events(res.body)] == ['4', '5']


def test_runs_on_both_interpreters():
    found = shutil.which('micropython', path=str(BIN))
    for binary in [sys.executable] + ([found] if found else []):
        port = free_port()
        status, body = run_server([binary, str(EXAMPLES / 'sse' / 'app.py'),
                                   str(port)], port)
        assert (status, b"new EventSource('/events')" in body) == (200, True)
    if not found:
        pytest.skip('MicroPython NOT RUN: no micropython binary')
