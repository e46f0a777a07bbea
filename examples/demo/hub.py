"""The chat's messages: kept, and announced to whoever waits for them.

The WebSocket chat publishes into the one ``hub``; each chat connection and
each Server-Sent Events stream waits for what comes next. An
``asyncio.Event`` per round is all it takes (MicroPython has no Queue).
"""
try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio


class Hub:
    """Messages in order of arrival; the last ``keep`` are kept."""

    def __init__(self, keep=50):
        self.keep = keep
        self.messages = []
        self.count = 0  # messages ever published: the next one's id - 1
        self._new = asyncio.Event()

    def publish(self, message):
        """Add ``message`` (a dict) and wake everyone who waits."""
        self.count += 1
        message['id'] = self.count
        self.messages = (self.messages + [message])[-self.keep:]
        new, self._new = self._new, asyncio.Event()
        new.set()

    def since(self, seen):
        """The kept messages published after the first ``seen``."""
        return [m for m in self.messages if m['id'] > seen]

    async def wait(self, seen):
        """Return once more than ``seen`` messages have been published."""
        while self.count <= seen:
            await self._new.wait()


hub = Hub()
