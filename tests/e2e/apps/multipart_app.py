"""microdot_multipart served by every server kind of the e2e battery
(``tests/e2e/test_e2e_multipart.py``). ``E2E_MICRODOT_MODULE`` picks the
module (default ``microdot``); bodies above 16 KiB reach the app as
``request.stream``.

Usage::

    python multipart_app.py PORT
    micropython multipart_app.py PORT
    # (MICROPYPATH=src:tests/e2e/apps:.frozen)
"""
import sys

from microdot_multipart import FormDataIter, with_form_data

from e2e_app import MODULE, new_app

app = new_app()
app.request_class.max_content_length = 4 * 1024 * 1024


def summary(request, files):
    return {'form': [[name, value] for name in sorted(request.form)
                     for value in request.form.getlist(name)],
            'files': files}


if MODULE in ('microdot_asyncio', 'microdot_asgi'):
    @app.post('/form')
    @with_form_data
    async def form(request):
        files = []
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                data = await upload.read()
                files.append([name, upload.filename, upload.content_type,
                              len(data), data[:16].decode()])
        return summary(request, files)

    @app.post('/save')
    async def save(request):
        found = []
        async for name, value in FormDataIter(request):
            if isinstance(value, str):
                found.append([name, value])
            else:
                await value.save(request.args['path'])
                found.append([name, value.filename])
        return found
else:
    @app.post('/form')
    @with_form_data
    def form(request):
        files = []
        for name in sorted(request.files):
            for upload in request.files.getlist(name):
                data = upload.read()
                files.append([name, upload.filename, upload.content_type,
                              len(data), data[:16].decode()])
        return summary(request, files)

    @app.post('/save')
    def save(request):
        found = []
        for name, value in FormDataIter(request):
            if isinstance(value, str):
                found.append([name, value])
            else:
                value.save(request.args['path'])
                found.append([name, value.filename])
        return found


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(sys.argv[1]) if len(sys.argv) > 1
            else 5000)
