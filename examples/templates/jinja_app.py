"""Render templates/index.html with Jinja (CPython only).

Run it from this directory (templates are found in ``templates/``) with
``python jinja_app.py``, then open http://127.0.0.1:5000/.
"""
from microdot import Microdot
from microdot_jinja import render_template

app = Microdot()


@app.get('/')
def index(req):
    return render_template('index.html')


if __name__ == '__main__':
    app.run()
