"""``request.stream`` of an asyncio request, loaded by its first use."""


class AsyncStream:
    """``await stream.read(n)`` over a request body: bytes already read, or
    a stream whose reads may or may not be awaitable."""

    def __init__(self, source):
        self.source = source

    async def read(self, size=-1):
        source = self.source
        if type(source) is not bytes:
            data = source.read(size)
            return data if type(data) is bytes else await data
        if size < 0:
            size = len(source)
        self.source = source[size:]
        return source[:size]
