"""The test client for ``microdot_asyncio`` apps: the same API, awaited.

Example::

    client = TestClient(app)
    response = await client.get('/')
    assert response.text == 'Hello, world!'
"""
from _microdot_core import StreamConnection, run_async
import microdot_test_client
from microdot_test_client import TestResponse  # noqa: F401 - re-exported
from microdot_asyncio import AsyncBodyStream


class _AsyncMemoryConnection(StreamConnection):
    # the connection an asyncio app sees: reads and writes are awaited
    async def readline(self, limit):
        return self.stream.readline(limit)

    async def read(self, size):
        return self.stream.read(size)

    async def write(self, data):
        self.output.write(data)

    async def read_head(self, parser):
        while not parser.feed(await self.readline(parser.line_limit)):
            pass

    def body_stream(self, size):
        return AsyncBodyStream(self, size)


class TestClient(microdot_test_client.TestClient):
    """A client that sends requests to an async app without a network.

    ``get``, ``post``, ``put``, ``patch``, ``delete``, ``request`` and
    ``websocket`` are coroutines; see the sync TestClient for arguments.
    """
    __test__ = False  # not a pytest test class
    connection_class = _AsyncMemoryConnection

    async def request(self, method, path, headers=None, body=None):
        """Send a request; ``body`` may be bytes, str, or a dict/list (JSON).

        Returns a TestResponse.
        """
        flow, output = self._exchange(method, path, headers, body)
        await run_async(flow)
        return self._response(output)

    async def websocket(self, path, client, headers=None):
        """Open a WebSocket to ``path`` and run the ``client`` generator's
        conversation with it (see the sync TestClient)."""
        flow, peer = self._websocket_exchange(path, client, headers)
        await run_async(flow)
        return peer.response()
