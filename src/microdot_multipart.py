"""multipart/form-data request bodies (file uploads), streamed.

``@with_form_data`` fills ``request.form`` (a MultiDict of str) and
``request.files`` (a MultiDict of :class:`FileUpload`) before the handler
runs; ``FormDataIter(request)`` gives the ``(name, value)`` pairs one at a
time as they arrive, with files as streams, for handlers that write each
part as it comes. The same code serves sync and async handlers: on the
asyncio server and ASGI, the methods of ``FileUpload`` are awaited and
``FormDataIter`` is used with ``async for``.

Raise ``Request.max_content_length`` to accept large uploads (413 above
it). Example::

    from microdot import Microdot, Request
    from microdot_multipart import with_form_data

    Request.max_content_length = 16 * 1024 * 1024
    app = Microdot()

    @app.post('/upload')
    @with_form_data
    def upload(request):
        upload = request.files['file']
        upload.save('/data/' + safe_name(request.form['name']))
        return 'saved'
"""
import io

from _microdot_http import HTTPException, run_sync, decode_text
from _microdot_multipart import MultipartParser, parse_options, END

try:
    import tempfile
except ImportError:  # MicroPython: a large part stays a stream
    tempfile = None

_SMALL = tempfile is None


def _run_async(steps):
    from microdot_asyncio import run_async
    return run_async(steps)


class FileUpload:
    """A file sent in a multipart body.

    ``filename`` is exactly what the client sent (it may hold ``../`` or
    any character: never use it as a path without checking it);
    ``content_type`` and ``headers`` are the part's. The methods return
    awaitables on the asyncio server and ASGI.
    """
    #: Parts up to this size are kept in memory by ``@with_form_data`` and
    #: ``copy()``; larger go to a temporary file (CPython) or stay a stream
    #: that the handler must ``read()`` or ``save()`` (MicroPython).
    max_memory_size = 1024 if _SMALL else 1024 * 1024

    def __init__(self, filename, headers, source, run):
        self.filename = filename
        self.headers = headers
        self.content_type = headers.get('Content-Type',
                                        'application/octet-stream')
        self._source = source  # the FormDataIter while streaming, or a file
        self._run = run

    def read(self, n=-1):
        """Read up to ``n`` bytes (all that is left if -1); ``b''`` at the
        end."""
        return self._run(self._read(n))

    def save(self, path_or_file):
        """Write the rest of the file to a path (opened, written, closed)
        or to a file object the app opened."""
        return self._run(self._save(path_or_file))

    def copy(self):
        """Return a FileUpload of the rest of the data that stays usable
        after the request (in memory up to ``max_memory_size``, else in a
        temporary file on CPython)."""
        return self._run(self._copy())

    def close(self):
        """Release the memory or temporary file the data is in."""
        return self._run(self._close())

    def _read(self, n):
        source = self._source
        if type(source) is not FormDataIter:
            return (yield source.read, (n,), {})
        if source.current is not self:  # the iterator moved on
            return b''
        if n >= 0:
            return (yield from source.data(n))
        data = b''
        while True:
            chunk = yield from source.data(-1)
            if not chunk:
                return data
            data += chunk

    def _save(self, target):
        out = open(target, 'wb') if isinstance(target, str) else target
        try:
            while True:
                data = yield from self._read(FormDataIter.buffer_size)
                if not data:
                    return
                yield out.write, (data,), {}
        finally:
            if out is not target:
                out.close()

    def _copy(self):
        new = FileUpload(self.filename, self.headers, io.BytesIO(),
                         self._run)
        yield from self._save(new)
        new._source.seek(0)
        return new

    def write(self, data):
        """Append ``data`` (what ``copy()`` does): in memory up to
        ``max_memory_size``, then in a temporary file where there is one."""
        out = self._source
        if tempfile and type(out) is io.BytesIO and \
                out.tell() + len(data) > self.max_memory_size:
            self._source = tempfile.TemporaryFile()
            self._source.write(out.getvalue())
            out = self._source
        out.write(data)

    def _close(self):
        if type(self._source) is not FormDataIter:
            yield self._source.close, (), {}
        self._source = io.BytesIO()


class FormDataIter:
    """The ``(name, value)`` pairs of a multipart body, in arrival order:
    ``for`` on the threaded server and WSGI, ``async for`` on the asyncio
    server and ASGI. A field's value is a str, a file's a streaming
    :class:`FileUpload` that can be read until the next pair is asked for
    (what is left of it is then skipped).

    Raises HTTPException(400) for a body that is not multipart/form-data
    or is malformed, 413 above a limit.

    Example::

        @app.post('/firmware')
        def firmware(request):
            for name, value in FormDataIter(request):
                if name == 'image':
                    value.save('/firmware.bin')
            return 'ok'
    """
    #: Most parts in a body; more gets 413.
    max_parts = 64
    #: Largest header section of one part, in bytes; larger gets 413.
    max_part_header_size = 1024
    #: Largest field that is not a file, in bytes; larger gets 413.
    max_field_size = 16 * 1024
    #: Bytes read from the body at a time.
    buffer_size = 1024 if _SMALL else 64 * 1024

    def __init__(self, request):
        kind, options = parse_options(request.content_type or '')
        if kind != 'multipart/form-data':
            raise HTTPException(400, 'Not a multipart/form-data body')
        self.parser = MultipartParser(options.get('boundary', ''),
                                      self.max_parts,
                                      self.max_part_header_size,
                                      self.max_field_size)
        self.stream = request.stream
        self.run = _run_async if request._awaited else run_sync
        self.events = []
        self.pending = b''
        self.current = None
        self.ended = True

    def __iter__(self):
        return self

    __aiter__ = __iter__

    def __next__(self):
        item = run_sync(self.next_item())
        if item is None:
            raise StopIteration
        return item

    async def __anext__(self):
        item = await _run_async(self.next_item())
        if item is None:
            raise StopAsyncIteration
        return item

    def event(self):
        # generator of reads: the parser's next event, None after the body
        while not self.events:
            data = yield self.stream.read, (self.buffer_size,), {}
            if not data:
                self.parser.close()  # 400 unless the body was complete
                return None
            self.events = self.parser.feed(data)
        return self.events.pop(0)

    def data(self, size):
        # generator of reads: up to size bytes of the current part (all
        # that one read gave if size < 0), b'' at its end
        while not self.pending:
            if self.ended:
                return b''
            kind, value = yield from self.event()
            if kind == END:
                self.ended = True
                return b''
            self.pending = value
        if size < 0:
            size = len(self.pending)
        data, self.pending = self.pending[:size], self.pending[size:]
        return data

    def next_item(self):
        # generator of reads: the next (name, value), None after the last
        while not self.ended:  # what the app left of the last file
            self.pending = b''
            yield from self.data(0)
        self.current = None
        event = yield from self.event()
        if event is None:
            return None
        name, filename, headers = event[1]
        self.ended = False
        if filename is not None:
            self.current = FileUpload(filename, headers, self, self.run)
            return name, self.current
        value = b''
        while not self.ended:
            value += yield from self.data(-1)
        return name, decode_text(value)


def collect(request, it):
    """Generator of reads: fill ``request.form`` and ``request.files`` from
    the FormDataIter ``it``. A file above ``FileUpload.max_memory_size``
    goes to a temporary file or, without ``tempfile``, stays a stream and
    ends the collection (the parts after it are not read)."""
    from _microdot_query import MultiDict
    request.form = form = MultiDict()
    request.files = files = MultiDict()
    request.after_request(_close_files)
    limit = FileUpload.max_memory_size
    while True:
        item = yield from it.next_item()
        if item is None:
            return
        name, value = item
        if type(value) is not FileUpload:
            form[name] = value
            continue
        head = b''
        while len(head) <= limit and not it.ended:
            head += yield from it.data(limit + 1 - len(head))
        if len(head) <= limit:
            value._source = io.BytesIO(head)
        else:
            it.pending = head + it.pending
            if tempfile is None:
                files[name] = value
                return
            value = yield from value._copy()
        files[name] = value


def _close_files(request, response):
    for name in request.files:
        for upload in request.files.getlist(name):
            if type(upload._source) is not FormDataIter:
                upload._source.close()
    return response


def _form_flow(request, f, args, kwargs):
    if (request.content_type or '').lower().startswith('multipart/'):
        yield from collect(request, FormDataIter(request))
    else:
        from _microdot_query import MultiDict
        request.files = MultiDict()
    return (yield f, (request,) + args, kwargs)


def with_form_data(f):
    """Decorator for a route: ``request.form`` and ``request.files`` are
    filled from a multipart/form-data body before ``f`` runs (a sync
    function or a coroutine). An urlencoded body fills ``request.form`` as
    usual, and ``request.files`` is empty."""
    def handler(request, *args, **kwargs):
        run = _run_async if request._awaited else run_sync
        return run(_form_flow(request, f, args, kwargs))
    return handler
