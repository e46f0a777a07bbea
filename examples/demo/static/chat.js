// The chat page: one WebSocket; what arrives is shown, what is typed sent.
const list = document.getElementById('messages');
const status = document.getElementById('chat-status');
const name = document.getElementById('chat-name');
name.value = localStorage.getItem('chat-name') || 'guest' + Math.floor(Math.random() * 1000);

const socket = new WebSocket(location.origin.replace(/^http/, 'ws') + '/chat/socket');
socket.onopen = () => { status.textContent = 'Connected.'; };
socket.onclose = () => { status.textContent = 'Disconnected: reload the page.'; };
socket.onmessage = (event) => {
  const message = JSON.parse(event.data);
  const item = document.createElement('li');
  const who = document.createElement('b');
  who.textContent = message.name;
  item.append(who, message.text);
  list.append(item);
  list.scrollTop = list.scrollHeight;
};

document.getElementById('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = document.getElementById('chat-text');
  localStorage.setItem('chat-name', name.value);
  socket.send(JSON.stringify({name: name.value, text: text.value}));
  text.value = '';
});
