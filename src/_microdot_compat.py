"""What only callers in the style of Microdot 1.x use, loaded by them alone:
``Request.create``'s ValueError and the asyncio ``Response.body_iter``'s
async iterator."""
from _microdot_http import HTTPException

try:
    class RequestError(HTTPException, ValueError):
        """A request that ``Request.create`` could not read: an
        HTTPException with its status (400, 413, 414, 431...) that is also
        the ValueError that 1.x raised."""
except TypeError:  # MicroPython: one built-in base at most
    class RequestError(ValueError):
        def __init__(self, status_code, reason=None):
            super(RequestError, self).__init__(status_code, reason)
            self.status_code, self.reason = status_code, reason


def creating(steps):
    """``read_request``'s steps for ``Request.create``: a body over
    ``max_content_length`` is refused too, and an HTTPException is raised
    as a RequestError."""
    try:
        request = yield from steps
        if request and request.content_length > request.max_content_length:
            raise HTTPException(413)
    except HTTPException as exc:
        raise RequestError(exc.status_code, exc.reason)
    return request


class AsyncChunks:
    """``async for`` over a sync iterator of body chunks."""

    def __init__(self, chunks):
        self.chunks = chunks

    def __aiter__(self):
        return self

    async def __anext__(self):
        for chunk in self.chunks:
            return chunk
        raise StopAsyncIteration
