"""File uploads with microdot_multipart: a form whose files are saved to
the ``uploads`` directory, and a firmware endpoint that streams one large
file to flash as it arrives. Runs on CPython and MicroPython.

    python app.py      # then open http://localhost:5000/
"""
import os

from microdot import Microdot, Request
from microdot_multipart import FormDataIter, with_form_data

UPLOAD_DIR = 'uploads'
Request.max_content_length = 16 * 1024 * 1024  # uploads up to 16 MiB
app = Microdot()

PAGE = '''<!doctype html>
<form method="post" action="/upload" enctype="multipart/form-data">
  <input name="comment"> <input type="file" name="files" multiple>
  <button>Upload</button>
</form>
'''


def safe_name(filename):
    """The last path segment of a client's filename, without NUL; the
    filename itself is never trusted as a path."""
    name = (filename or '').replace('\\', '/').split('/')[-1]
    name = name.replace('\x00', '')
    return name if name and not name.startswith('.') else 'upload.bin'


@app.get('/')
def index(request):
    return PAGE, 200, {'Content-Type': 'text/html; charset=UTF-8'}


@app.post('/upload')
@with_form_data
def upload(request):
    saved = []
    for upload in request.files.getlist('files') or []:
        name = safe_name(upload.filename)
        upload.save(UPLOAD_DIR + '/' + name)
        saved.append(name)
    return {'comment': request.form.get('comment'), 'saved': saved}


@app.post('/firmware')
def firmware(request):
    # each part as it arrives: the image goes to its file one buffer at a
    # time, never whole in RAM
    for name, value in FormDataIter(request):
        if name == 'image':
            value.save(UPLOAD_DIR + '/firmware.bin')
            return 'firmware saved'
    return 'no image field', 400


if __name__ == '__main__':
    try:
        os.mkdir(UPLOAD_DIR)
    except OSError:  # it exists
        pass
    app.run()
