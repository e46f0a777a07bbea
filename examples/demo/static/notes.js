// The notes page: GET and POST /api/notes with fetch(), on this origin or
// on the other one (localhost <-> 127.0.0.1), which CORS allows.
const status = document.getElementById('api-status');
const here = location.origin;
const other = here.replace(/\/\/(127\.0\.0\.1|localhost)/,
  (m, host) => '//' + (host === 'localhost' ? '127.0.0.1' : 'localhost'));

function show(text, ok) {
  status.textContent = text;
  status.className = 'status ' + (ok ? 'good' : 'bad');
}

async function loadNotes() {
  const notes = await (await fetch('/api/notes')).json();
  const list = document.getElementById('notes');
  list.replaceChildren(...notes.map((note) => {
    const item = document.createElement('li');
    item.textContent = note.text;
    const origin = document.createElement('small');
    origin.textContent = 'from a page of ' + note.origin + ' to ' + note.host;
    item.append(origin);
    return item;
  }));
}

async function addNote(origin) {
  const text = document.getElementById('note-text').value;
  try {
    const response = await fetch(origin + '/api/notes', {
      method: 'POST', credentials: 'include',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({text}),
    });
    const answer = await response.json();
    show(response.status + ' from ' + origin + ': ' + JSON.stringify(answer),
      response.ok);
  } catch (error) {
    show('refused: ' + error.message, false);
  }
  loadNotes();
}

document.getElementById('note-form').addEventListener('submit', (event) => {
  event.preventDefault();
  addNote(here);
});
document.getElementById('add-other').addEventListener('click', () => {
  if (document.getElementById('note-form').reportValidity()) addNote(other);
});
loadNotes();
