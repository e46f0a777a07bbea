"""``run_for(request, steps)``: run a generator of calls with the runner of
the request's driver, for the extensions whose decorated routes make calls
that may be sync or async (``microdot_auth``, ``microdot_login``).

A request of ``microdot_asyncio`` (asyncio server, ASGI, async test client)
gets ``run_async``, and the route returns its coroutine for the server to
await; any other request gets ``run_sync``, which refuses coroutines.
"""
from _microdot_http import run_sync


def run_for(request, steps):
    """Run ``steps`` (see ``run_sync``) as ``request``'s driver does."""
    if request._awaited:  # a microdot_asyncio request
        from microdot_asyncio import run_async
        return run_async(steps)
    return run_sync(steps)
