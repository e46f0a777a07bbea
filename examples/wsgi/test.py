# The seed's WSGI example, unchanged: gunicorn test:app
from microdot_wsgi import Microdot

app = Microdot()

@app.route('/')
def index(req):
    return 'Hello, World!'
