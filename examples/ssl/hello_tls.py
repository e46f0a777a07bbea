"""The HTTPS example of the Microdot guide, runnable.

Make a throwaway certificate first, then run it from this directory::

    cd examples/ssl
    sh make_cert.sh
    python hello_tls.py        # or: micropython hello_tls.py

and fetch https://localhost:4443/ (``curl --cacert cert.pem ...``).
"""
from microdot import Microdot
from microdot_ssl import create_ssl_context

app = Microdot()


@app.route('/')
def index(req):
    return 'Hello, World!'


sslctx = create_ssl_context('cert.der', 'key.der')
app.run(port=4443, debug=True, ssl=sslctx)
