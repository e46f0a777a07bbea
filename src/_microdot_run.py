"""Runners of the call generators that hold Microdot's control flow.

A flow (dispatch, a connection, a response, a WebSocket) is a generator
that yields ``(function, args, kwargs)`` and gets each call's result back;
``run_sync`` makes the calls, ``run_async`` also awaits what is awaitable.
"""
import sys

try:
    from sys import print_exception  # MicroPython
except ImportError:
    import traceback

    def print_exception(exc):
        """Report an unhandled exception with its traceback on stderr."""
        traceback.print_exception(type(exc), exc, exc.__traceback__)

_IS_MICROPYTHON = sys.implementation.name == 'micropython'


def run_sync(steps):
    """Drive a dispatch generator, making each call it yields."""
    value = error = None
    while True:
        try:
            call = steps.send(value) if error is None else steps.throw(error)
        except StopIteration as done:
            return done.value
        function, args, kwargs = call
        try:
            value, error = function(*args, **kwargs), None
            if type(value).__name__ == 'coroutine':
                value.close()
                raise TypeError('%r is a coroutine: use microdot_asyncio to '
                                'serve async handlers' % function)
        except Exception as exc:
            value, error = None, exc


async def run_async(steps):
    """Drive a dispatch generator, awaiting the results that are awaitable."""
    value = error = None
    while True:
        try:
            call = steps.send(value) if error is None else steps.throw(error)
        except StopIteration as done:
            return done.value
        function, args, kwargs = call
        try:
            value, error = function(*args, **kwargs), None
            if hasattr(value, '__await__'):
                value = await value
            elif _IS_MICROPYTHON and type(value).__name__ == 'generator':
                value = await _coroutine_or_stream(value)
        except Exception as exc:
            value, error = None, exc


class _Chain:
    # a generator's first chunk, then the rest of it
    def __init__(self, first, rest):
        self.first, self.rest = first, rest

    def __iter__(self):
        yield self.first
        yield from self.rest


def _coroutine_or_stream(gen):
    # MicroPython's coroutines are generators: step this one once. A sync
    # generator yields its body chunks (str or bytes): give them back as a
    # stream. A coroutine yields to the scheduler: pass that on, resume it.
    try:
        step = gen.send(None)
    except StopIteration as done:
        return done.value
    if isinstance(step, (str, bytes)):
        return _Chain(step, gen)
    while True:
        try:
            sent = yield step
        except BaseException as exc:  # cancellation, timeouts
            send, arg = gen.throw, exc
        else:
            send, arg = gen.send, sent
        try:
            step = send(arg)
        except StopIteration as done:
            return done.value
