"""File uploads (microdot_multipart), streamed to a temporary directory
with a size limit, and listed back for download: ``send_from_directory``
answers conditional and Range requests (a download resumes)."""
import os

from microdot_asyncio import Microdot, Request, Response
from microdot_multipart import FormDataIter
from microdot_utemplate import render_template

try:
    import tempfile
    UPLOAD_DIR = tempfile.mkdtemp(prefix='microdot-demo-')
except ImportError:  # MicroPython: no tempfile module
    UPLOAD_DIR = '/tmp/microdot-demo-files'
    try:
        os.mkdir(UPLOAD_DIR)
    except OSError:  # it exists
        pass

MAX_UPLOAD = 4 * 1024 * 1024
Request.max_content_length = MAX_UPLOAD  # a larger body gets 413

app = Microdot()


@app.get('/files')
async def files_page(request):
    return render_template('files.html', MAX_UPLOAD)


@app.get('/files/list')
async def list_files(request):
    return [{'name': name, 'size': os.stat(UPLOAD_DIR + '/' + name)[6]}
            for name in sorted(os.listdir(UPLOAD_DIR))]


@app.post('/files')
async def upload(request):
    # each part as it arrives: a file goes to disk one buffer at a time
    saved = []
    async for name, value in FormDataIter(request):
        if name == 'file' and not isinstance(value, str):
            filename = safe_name(value.filename)
            await value.save(UPLOAD_DIR + '/' + filename)
            saved.append(filename)
    return {'saved': saved}, 201 if saved else 400


@app.get('/uploads/<name>')
async def download(request, name):
    # the name comes from the URL: send_from_directory keeps it inside
    return Response.send_from_directory(UPLOAD_DIR, name)


def safe_name(filename):
    """The last segment of the client's file name, with only letters,
    digits and ``.-_`` kept: a client's name is never a path."""
    name = (filename or '').replace('\\', '/').split('/')[-1]
    name = ''.join(c if c.isalpha() or c.isdigit() or c in '.-_' else '_'
                   for c in name).lstrip('.')
    return name[:100] or 'upload.bin'


def remove_uploads():
    """Delete the upload directory and its files (when the demo stops)."""
    for name in os.listdir(UPLOAD_DIR):
        os.remove(UPLOAD_DIR + '/' + name)
    os.rmdir(UPLOAD_DIR)
