"""A JSON API of notes, called by the page with ``fetch()``.

``GET /api/notes`` lists them, ``POST /api/notes`` adds one. The app's
CORS list lets a page of the other origin (``localhost`` for
``127.0.0.1``) call it too, and CSRF refuses a ``POST`` from any other
origin with a 403 before this code runs.
"""
from microdot_asyncio import Microdot
from microdot_utemplate import render_template

MAX_NOTES = 20
MAX_LENGTH = 200

app = Microdot()
notes = []


@app.get('/notes')
async def notes_page(request):
    return render_template('notes.html')


@app.get('/api/notes')
async def list_notes(request):
    return notes


@app.post('/api/notes')
async def add_note(request):
    body = request.json
    text = body.get('text') if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip():
        return {'error': 'send {"text": "..."}'}, 400
    # the page's origin, and the host it called: the two differ when the
    # page calls the other origin
    note = {'text': text.strip()[:MAX_LENGTH],
            'origin': request.headers.get('Origin', 'no Origin header'),
            'host': request.headers.get('Host')}
    notes.insert(0, note)
    del notes[MAX_NOTES:]
    return note, 201
