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
    # request bodies left "on the wire" are read with await, as on a socket
    async def read_async(self, size):
        return self.stream.read(size)

    def body_stream(self, size):
        return AsyncBodyStream(_AsyncReader(self), size)


class _AsyncReader:
    def __init__(self, connection):
        self.read = connection.read_async


class TestClient(microdot_test_client.TestClient):
    """A client that sends requests to an async app without a network.

    ``get``, ``post``, ``put``, ``patch``, ``delete`` and ``request`` are
    coroutines that return a TestResponse.
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
