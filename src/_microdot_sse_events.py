"""Reading an event stream, as a browser's EventSource does: what the test
clients' ``response.events`` and the e2e tests use. Not on a board's path:
microdot_sse itself only writes events.
"""


def parse_events(body):
    """The events of an event stream (bytes or str), parsed as a browser's
    EventSource does: a list of dicts with ``event`` ('message' when the
    stream named none), ``data`` (str), ``id`` (the last event id, or None)
    and, when the event set one, ``retry``. Comments are skipped; an event
    cut off by the end of the stream is dropped."""
    if isinstance(body, bytes):
        body = body.decode()
    events, data, event, last_id, retry = [], None, None, None, None
    for line in body.replace('\r\n', '\n').replace('\r', '\n').split('\n')[
            :-1]:
        if not line:  # a blank line dispatches the event
            if data is not None:
                item = {'event': event or 'message', 'data': data,
                        'id': last_id}
                if retry is not None:
                    item['retry'] = retry
                events.append(item)
            data = event = retry = None
            continue
        name, _, value = line.partition(':')
        if value[:1] == ' ':
            value = value[1:]
        if name == 'data':
            data = value if data is None else data + '\n' + value
        elif name == 'event':
            event = value
        elif name == 'id' and '\0' not in value:
            last_id = value
        elif name == 'retry' and value.isdigit():
            retry = int(value)
    return events
