// The live panel: one EventSource, two kinds of events.
const list = document.getElementById('live-messages');
const status = document.getElementById('live-status');
const events = new EventSource('/live/events');

events.onopen = () => { status.textContent = 'Connected: events arrive as the server sends them.'; };
events.onerror = () => { status.textContent = 'Reconnecting…'; };
events.addEventListener('clock', (event) => {
  document.getElementById('clock').textContent = event.data;
});
events.addEventListener('chat', (event) => {
  const message = JSON.parse(event.data);
  list.querySelector('.empty')?.remove();
  const item = document.createElement('li');
  const who = document.createElement('b');
  who.textContent = message.name;
  item.append(who, message.text);
  list.prepend(item);
});
