# The seed's ASGI example, unchanged: uvicorn test:app
from microdot_asgi import Microdot

app = Microdot()

@app.route('/')
async def index(req):
    return 'Hello, World!'
