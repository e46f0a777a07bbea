"""The app of ``make bench-upload`` (ours), for CPython and MicroPython:
``POST /upload`` streams the multipart part ``file`` to ``DIR/upload.bin``
with ``FormDataIter`` and ``FileUpload.save`` and answers its size.

Usage: ``python benchmarks/upload_app.py PORT DIR [MODULE]`` with src/ on
the path (MODULE: ``microdot_asyncio``, the default, or ``microdot``).

Under MicroPython the save writes through a file wrapper that samples the
live heap (``gc.collect()`` then ``gc.mem_alloc()``) after every buffer
written; ``GET /heap`` answers ``<baseline> <peak>`` for the last upload,
where baseline is the live heap as the handler starts (the request is
parsed, the body not yet read).
"""
import gc
import os
import sys

MODULE = sys.argv[3] if len(sys.argv) > 3 else 'microdot_asyncio'
Microdot = __import__(MODULE).Microdot
from microdot import Request  # noqa: E402
from microdot_multipart import FormDataIter  # noqa: E402

Request.max_content_length = 1 << 40
SAMPLE = sys.implementation.name == 'micropython'
TARGET = sys.argv[2] + '/upload.bin'
app = Microdot()
heap = [0, 0]  # baseline, peak of the last upload


class HeapSampler:
    # a file whose writes sample the live heap (MicroPython only)
    def __init__(self, out):
        self.out = out

    def write(self, data):
        self.out.write(data)
        gc.collect()
        used = gc.mem_alloc()
        if used > heap[1]:
            heap[1] = used


async def save(upload):
    if not SAMPLE:
        return await upload.save(TARGET)
    with open(TARGET, 'wb') as out:
        await upload.save(HeapSampler(out))


def save_sync(upload):
    with open(TARGET, 'wb') as out:
        upload.save(HeapSampler(out) if SAMPLE else out)


if MODULE == 'microdot_asyncio':
    @app.post('/upload')
    async def upload(request):
        if SAMPLE:
            gc.collect()
            heap[0] = heap[1] = gc.mem_alloc()
        async for name, value in FormDataIter(request):
            if name == 'file':
                await save(value)
        return str(os.stat(TARGET)[6])
else:
    @app.post('/upload')
    def upload(request):
        if SAMPLE:
            gc.collect()
            heap[0] = heap[1] = gc.mem_alloc()
        for name, value in FormDataIter(request):
            if name == 'file':
                save_sync(value)
        return str(os.stat(TARGET)[6])


@app.get('/heap')
def heap_stats(request):
    return '%d %d' % (heap[0], heap[1])


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]))
