# The seed's asyncio example, unchanged: serves http://0.0.0.0:5000/
from microdot_asyncio import Microdot

app = Microdot()

@app.route('/')
async def hello(request):
    return 'Hello, world!'

app.run()
