// The files page: an upload with XMLHttpRequest (for its progress events),
// and the list of files from GET /files/list.
const form = document.getElementById('upload-form');
const progress = document.getElementById('upload-progress');
const status = document.getElementById('upload-status');

function show(text, ok) {
  status.textContent = text;
  status.className = 'status ' + (ok ? 'good' : 'bad');
}

async function loadFiles() {
  const files = await (await fetch('/files/list')).json();
  document.getElementById('file-list').replaceChildren(...files.map((file) => {
    const row = document.createElement('tr');
    const link = document.createElement('a');
    link.href = '/uploads/' + encodeURIComponent(file.name);
    link.download = file.name;
    link.textContent = file.name;
    const size = document.createElement('td');
    size.textContent = (file.size / 1024).toFixed(1) + ' KB';
    const name = document.createElement('td');
    name.append(link);
    row.append(name, size);
    return row;
  }));
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const file = document.getElementById('upload-file').files[0];
  if (file.size > Number(form.dataset.max)) {
    show(file.name + ' is larger than the limit.', false);
    return;
  }
  const request = new XMLHttpRequest();
  request.upload.onprogress = (e) => { progress.value = e.loaded / e.total; };
  request.onload = () => {
    show(request.status === 201 ? 'Uploaded ' + file.name + '.' :
      'Refused (' + request.status + ').', request.status === 201);
    loadFiles();
  };
  request.onerror = () => show('The upload failed.', false);
  request.open('POST', '/files');
  const body = new FormData();
  body.append('file', file);
  request.send(body);
});
loadFiles();
