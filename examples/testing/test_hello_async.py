# The seed's Asynchronous Test Client example; the app it tests comes first
from microdot_asyncio import Microdot

app = Microdot()


@app.route('/')
async def index(req):
    return 'Hello, World!'


from microdot_asyncio_test_client import TestClient  # noqa: E402

async def test_app():
    client = TestClient(app)
    response = await client.get('/')
    assert response.text == 'Hello, World!'
