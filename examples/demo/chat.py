"""A WebSocket chat (microdot_asyncio_websocket): every open chat page
sends its messages to the hub and shows everyone's as they come."""
import json

try:
    import asyncio
except ImportError:  # pragma: no cover - older MicroPython
    import uasyncio as asyncio

from microdot_asyncio import Microdot
from microdot_asyncio_websocket import ConnectionClosed, with_websocket
from microdot_utemplate import render_template

from demo.hub import hub

MAX_LENGTH = 500
app = Microdot()


@app.get('/chat')
async def chat_page(request):
    return render_template('chat.html')


@app.route('/chat/socket')
@with_websocket
async def chat_socket(request, ws):
    # what was said before, then a task that sends what is said next,
    # while this one receives
    for message in hub.messages:
        await ws.send(json.dumps(message))
    sender = asyncio.create_task(send_new_messages(ws, hub.count))
    try:
        while True:
            message = parse_message(await ws.receive())
            if message:
                hub.publish(message)
    finally:
        sender.cancel()


def parse_message(data):
    """A chat message from the page's ``{"name": ..., "text": ...}``, or
    None when it is not one."""
    try:
        data = json.loads(data)
        name, text = str(data['name']).strip(), str(data['text']).strip()
    except (ValueError, TypeError, KeyError):
        return None
    if text:
        return {'name': name[:40] or 'anonymous', 'text': text[:MAX_LENGTH]}


async def send_new_messages(ws, seen):
    # the chat socket's second task: each new message, as it is published
    try:
        while True:
            await hub.wait(seen)
            for message in hub.since(seen):
                await ws.send(json.dumps(message))
                seen = message['id']
    except ConnectionClosed:
        pass
