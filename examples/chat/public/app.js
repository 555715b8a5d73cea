// The chat page: plain DOM, no framework. @roomlog/client does the hard part (sync on every
// reconnect, ordered de-duplicated delivery, send with retry); this file keeps one view per
// room and draws it. The server bundles this file with esbuild when it starts.
import { isWithheld, roomlogClient } from '@roomlog/client';
import { io } from 'socket.io-client';

const PAGE_SIZE = 30;
/** Most messages loaded on return to find where you left off; beyond it the marker says "more than". */
const MAX_CATCH_UP = 500;

const params = new URLSearchParams(location.search);
const user = params.get('user') ?? localStorage.getItem('roomlog-demo:user') ?? prompt('Your name?', 'guest') ?? 'guest';
localStorage.setItem('roomlog-demo:user', user);

const $ = (selector) => document.querySelector(selector);
const list = $('#messages');
const config = await (await fetch('/config.json')).json();
$('#me').textContent = `you are ${user}`;
$('#store').textContent = `store: ${config.store}`;

const socket = io({ auth: { user } });
// Positions per room survive reloads in localStorage, so a returning page replays only what it missed.
const chat = roomlogClient(socket, { storage: localStorage, storagePrefix: `roomlog-demo:${user}` });

/**
 * One room as the page knows it: its messages by seq (edits and deletes are applied to their
 * target), the oldest seq loaded (older ones come from history when you scroll up), the last
 * seq this browser showed before this visit (`seen`) and during it (`seenNow`), where a
 * "you missed" marker goes, and the unread count.
 */
const rooms = new Map(
  config.rooms.map((name) => [
    name,
    {
      name,
      messages: new Map(),
      oldest: Infinity,
      hasOlder: true,
      loadingOlder: false,
      seen: loadSeen(name),
      seenNow: null,
      missed: null,
      unread: 0,
    },
  ]),
);
let current = rooms.has(params.get('room')) ? params.get('room') : config.rooms[0];

function seenKey(room) {
  return `roomlog-demo:${user}:seen:${room}`;
}

/** The last seq this browser showed of a room, or null on a first visit. */
function loadSeen(room) {
  const stored = localStorage.getItem(seenKey(room));
  return stored === null ? null : Number(stored);
}

/** Takes an entry into a room's view: a message is added, an edit or delete changes its target. */
function take(room, entry) {
  const view = rooms.get(room);
  view.oldest = Math.min(view.oldest, entry.seq);
  if (entry.kind === 'message') {
    const known = view.messages.get(entry.seq);
    if (!known || known.version <= entry.version) view.messages.set(entry.seq, entry);
    return;
  }
  // A log entry names its target; apply it unless the target already reflects it (a history
  // page returns targets as they are now): deleted stays deleted, and an older edit loses.
  const target = view.messages.get(entry.target);
  if (!target || target.deletedAt !== null) return;
  if (entry.kind === 'delete')
    view.messages.set(entry.target, { ...target, data: null, deletedAt: entry.createdAt, version: target.version + 1 });
  else if (entry.createdAt >= (target.editedAt ?? 0))
    view.messages.set(entry.target, { ...target, data: entry.data, editedAt: entry.createdAt, version: target.version + 1 });
}

function markSeen(room, seq) {
  const view = rooms.get(room);
  if (seq <= (view.seenNow ?? -1)) return;
  view.seenNow = seq;
  localStorage.setItem(seenKey(room), String(seq));
}

/** Other users' messages of a room after `after`: your own, sent from here while offline, were not missed. */
function othersAfter(view, after) {
  return [...view.messages.values()].filter((message) => message.seq > after && message.senderId !== user);
}

/**
 * Marks a room's messages missed after `after`. A marker already shown stays where it is (a
 * reconnect must not wipe the one a return put up) and counts what was missed since too.
 * @returns how many messages of others came after `after`.
 */
function noteMissed(room, after, more) {
  const view = rooms.get(room);
  const count = othersAfter(view, after).length;
  const from = view.missed ? Math.min(view.missed.after, after) : after;
  const total = othersAfter(view, from).length;
  if (total > 0) view.missed = { after: from, count: total, more: more || (view.missed?.more ?? false) };
  return count;
}

/** True when the missed marker applies to this message. */
function isMissed(view, message) {
  return view.missed !== null && message.seq > view.missed.after && message.senderId !== user;
}

// ---- drawing ---------------------------------------------------------------------------

function renderRooms() {
  const nav = $('#rooms');
  nav.replaceChildren(
    ...[...rooms.values()].map((view) => {
      const button = document.createElement('button');
      button.dataset.room = view.name;
      button.setAttribute('aria-current', String(view.name === current));
      button.innerHTML = '<span class="name"></span><span class="unread"></span>';
      button.querySelector('.name').textContent = `# ${view.name}`;
      button.querySelector('.unread').textContent = view.name !== current && view.unread > 0 ? String(view.unread) : '';
      button.onclick = () => switchTo(view.name);
      return button;
    }),
  );
}

function messageItem(room, message) {
  const item = document.createElement('li');
  item.dataset.seq = String(message.seq);
  item.innerHTML = '<span class="sender"></span><span class="text"></span><span class="meta"></span>';
  item.querySelector('.sender').textContent = message.senderId ?? 'server';
  const deleted = message.deletedAt !== null;
  item.classList.toggle('deleted', deleted);
  item.querySelector('.text').textContent = deleted ? 'message deleted' : String(message.data?.text ?? '');
  // No seq on screen: edits and deletes take seqs too, so the numbers of messages skip and
  // would read as lost ones. It stays in the tooltip and the data attribute.
  const time = new Date(message.createdAt).toLocaleTimeString();
  item.querySelector('.meta').textContent = `${time}${message.editedAt !== null && !deleted ? ' (edited)' : ''}`;
  item.title = `seq ${message.seq}`;
  if (isMissed(rooms.get(room), message)) item.classList.add('missed');
  if (message.senderId === user && !deleted) {
    for (const [label, action] of [
      ['edit', editMessage],
      ['delete', deleteMessage],
    ]) {
      const button = document.createElement('button');
      button.textContent = label;
      button.className = label;
      button.onclick = () => action(room, message).catch(showError);
      item.append(button);
    }
  }
  return item;
}

/** Redraws the open room. `keepTop` keeps the first visible message in place after older ones were added above. */
function renderMessages({ keepTop = false } = {}) {
  const view = rooms.get(current);
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const heightBefore = list.scrollHeight;
  const items = [];
  if (!view.hasOlder) items.push(note('older', 'start of the room'));
  for (const message of [...view.messages.values()].sort((a, b) => a.seq - b.seq)) {
    if (isMissed(view, message) && !items.some((item) => item.classList.contains('missed-marker'))) {
      const { count, more } = view.missed;
      items.push(note('missed-marker', `You missed ${more ? 'more than ' : ''}${count} message${count === 1 ? '' : 's'}`));
    }
    items.push(messageItem(current, message));
  }
  // Sends not stored yet (also those a reload found in the outbox): shown as pending until the server has them.
  for (const pending of chat.pending(current)) {
    const item = note('pending', '');
    item.innerHTML = '<span class="sender"></span><span class="text"></span><span class="meta">sending…</span>';
    item.querySelector('.sender').textContent = user;
    item.querySelector('.text').textContent = String(pending.data?.text ?? '');
    items.push(item);
  }
  list.replaceChildren(...items);
  if (keepTop) list.scrollTop += list.scrollHeight - heightBefore;
  else if (atBottom || view.missed === null) list.scrollTop = list.scrollHeight;
  renderJump();
}

/** "Jump to first unread": shown while the open room has a missed marker that is out of sight. */
function renderJump() {
  const jump = $('#jump');
  const markerItem = list.querySelector('li.missed-marker');
  const box = list.getBoundingClientRect();
  const mark = markerItem?.getBoundingClientRect();
  jump.hidden = !mark || (mark.top >= box.top - 1 && mark.bottom <= box.bottom + 1);
  jump.textContent = `Jump to first unread (${rooms.get(current).missed?.count ?? 0})`;
}

$('#jump').addEventListener('click', () => {
  list.querySelector('li.missed-marker')?.scrollIntoView({ block: 'center' });
  renderJump();
});

function note(className, text) {
  const item = document.createElement('li');
  item.className = className;
  item.textContent = text;
  return item;
}

function setStatus(state, text) {
  const status = $('#status');
  status.dataset.state = state;
  status.textContent = text;
}

function showError(error) {
  setStatus('error', `error: ${error.code ?? ''} ${error.message}`);
}

// ---- reading ---------------------------------------------------------------------------

/** Loads a page of older messages above the oldest one loaded. */
async function loadOlder(room) {
  const view = rooms.get(room);
  if (view.loadingOlder || !view.hasOlder) return 0;
  view.loadingOlder = true;
  try {
    const query = Number.isFinite(view.oldest) ? { before: view.oldest, limit: PAGE_SIZE } : { limit: PAGE_SIZE };
    const page = await chat.history(room, query);
    for (const entry of page.messages) take(room, entry);
    view.hasOlder = page.hasMore;
    return page.messages.length;
  } finally {
    view.loadingOlder = false;
  }
}

async function refreshUnread(room) {
  rooms.get(room).unread = await chat.unreadCount(room);
  renderRooms();
}

async function markRead(room) {
  const seq = chat.position(room)?.seq ?? 0;
  if (seq > 0) await chat.markRead(room, seq);
  rooms.get(room).unread = 0;
}

function switchTo(room) {
  current = room;
  const url = new URL(location.href);
  url.searchParams.set('room', room);
  history.replaceState(null, '', url);
  renderRooms();
  renderMessages();
  markRead(room).catch(showError);
}

/**
 * Opens a room on page load: sync (replays what this browser missed since its stored
 * position), the latest page, and, for a returning visitor, enough older pages to reach the
 * last message shown here before, so the "you missed" marker counts exactly.
 */
async function openRoom(room) {
  const view = rooms.get(room);
  chat.on(room, '*', (entry) => {
    take(room, entry);
    markSeen(room, entry.seq);
    if (room === current) {
      renderMessages();
      markRead(room).catch(showError);
    } else {
      refreshUnread(room).catch(showError);
    }
  });
  await chat.join(room);
  await loadOlder(room);
  if (view.seen !== null) {
    while (view.oldest > view.seen + 1 && view.hasOlder && view.messages.size < MAX_CATCH_UP) await loadOlder(room);
    noteMissed(room, view.seen, view.oldest > view.seen + 1);
  }
  markSeen(room, chat.position(room)?.seq ?? 0);
  if (room === current) await markRead(room);
  else await refreshUnread(room);
}

// ---- writing ---------------------------------------------------------------------------

/** Edits in place: the text becomes an input; Enter saves, Escape (or leaving it) cancels. */
async function editMessage(room, message) {
  const item = list.querySelector(`li[data-seq="${message.seq}"]`);
  if (!item || item.querySelector('input.editing')) return;
  const input = document.createElement('input');
  input.className = 'editing';
  input.value = message.data?.text ?? '';
  input.setAttribute('aria-label', 'Edit your message');
  item.querySelector('.text').replaceWith(input);
  input.focus();
  const text = await new Promise((resolve) => {
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') resolve(input.value.trim());
      if (event.key === 'Escape') resolve(null);
    });
    input.addEventListener('blur', () => resolve(null));
  });
  if (text === null || text === '' || text === message.data?.text) return renderMessages();
  const edited = await chat.edit(room, message.seq, { text });
  if (!isWithheld(edited)) take(room, edited);
  renderMessages();
}

async function deleteMessage(room, message) {
  const tombstone = await chat.delete(room, message.seq);
  if (!isWithheld(tombstone)) take(room, tombstone);
  renderMessages();
}

$('#composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#text');
  const text = input.value.trim();
  if (text === '') return;
  input.value = '';
  // send() retries until the server has stored it, so typing while reconnecting is fine; the
  // message shows as pending (from the client's outbox) until then.
  const room = current;
  const sent = chat.send(room, 'chat', { text });
  renderMessages();
  sent.catch(showError).finally(() => room === current && renderMessages());
});

list.addEventListener('scroll', () => renderJump());

list.addEventListener('scroll', () => {
  if (list.scrollTop > 40) return;
  const room = current;
  loadOlder(room)
    .then((added) => added > 0 && room === current && renderMessages({ keepTop: true }))
    .catch(showError);
});

// ---- connection state ------------------------------------------------------------------

let seenAtDisconnect = null;
socket.on('disconnect', () => {
  seenAtDisconnect = new Map([...rooms.values()].map((view) => [view.name, view.seenNow ?? 0]));
  setStatus('reconnecting', 'reconnecting…');
});
/** After a reconnect: the client re-syncs every room by itself; this only counts what was missed. */
async function showRecovery(before) {
  let missed = 0;
  for (const [room, seen] of before) {
    const page = await chat.history(room, { after: seen, limit: MAX_CATCH_UP });
    for (const entry of page.messages) take(room, entry);
    missed += noteMissed(room, seen, page.hasMore);
  }
  renderMessages();
  setStatus('recovered', `recovered · ${missed} missed`);
}

socket.on('connect', () => {
  if (seenAtDisconnect === null) return setStatus('connected', 'connected');
  const before = seenAtDisconnect;
  seenAtDisconnect = null;
  showRecovery(before).catch(showError);
});
// A transport failure ("xhr poll error", "websocket error") means the server is not there; only
// a refusal by the server itself (its name check) is worth showing in its own words.
socket.on('connect_error', (error) =>
  setStatus(
    'reconnecting',
    error.type === 'TransportError' || error.message === 'timeout'
      ? 'reconnecting… (server unreachable)'
      : `not connected: ${error.message}`,
  ),
);
chat.onReset(({ room, reason }) => setStatus('recovered', `#${room}: ${reason}, scroll up for older messages`));

renderRooms();
await Promise.all(config.rooms.map(openRoom));
renderMessages();
document.body.dataset.ready = 'true';
