"""The test client for ``microdot_asyncio`` apps: the same API, awaited.

Example::

    client = TestClient(app)
    response = await client.get('/')
    assert response.text == 'Hello, world!'
"""
from _microdot_http import Connection
import microdot_test_client
from microdot_test_client import TestResponse  # noqa: F401 - re-exported
from microdot_asyncio import run_async


class _AsyncMemoryConnection(Connection):
    # the connection an asyncio app sees: reads and writes are awaited
    def __init__(self, stream, output=None):
        self.stream, self.output = stream, output or stream

    async def readline(self, limit):
        return self.stream.readline(limit)

    async def read(self, size):
        return self.stream.read(size)

    async def write(self, data):
        self.output.write(data)


class TestClient(microdot_test_client.TestClient):
    """A client that sends requests to an async app without a network.

    ``get``, ``post``, ``put``, ``patch``, ``delete``, ``request`` and
    ``websocket`` return awaitables; see the sync TestClient for arguments.
    """
    connection_class = _AsyncMemoryConnection
    _run = staticmethod(run_async)  # the exchange, awaited by the caller
