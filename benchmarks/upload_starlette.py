"""The peer app of ``make bench-upload``: Starlette with python-multipart
(``request.form()``), writing the part ``file`` to ``$UPLOAD_DIR/upload.bin``
in 64 KiB chunks. Run by uvicorn as ``upload_starlette:app``.
"""
import os

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

TARGET = os.path.join(os.environ['UPLOAD_DIR'], 'upload.bin')
CHUNK = 64 * 1024


async def upload(request):
    async with request.form() as form:
        part = form['file']
        with open(TARGET, 'wb') as out:
            while True:
                data = await part.read(CHUNK)
                if not data:
                    break
                out.write(data)
    return PlainTextResponse(str(os.stat(TARGET).st_size))


app = Starlette(routes=[Route('/upload', upload, methods=['POST'])])
