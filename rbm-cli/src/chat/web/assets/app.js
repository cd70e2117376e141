// rbm chat --web: renders the conversation's events (from /events) as a
// phone shows them, and posts what the person does to /api/send and
// /api/upload. Everything the bot sent is put in the page as text, never
// as markup.
'use strict';

const phones = new Map(); // phone number -> its view
let ready = false;

// ---- small helpers --------------------------------------------------------

function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function setStatus(text, state) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.dataset.state = state;
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

function fileKind(url, type) {
  const t = (type || '').toLowerCase();
  if (t.startsWith('image/')) return 'image';
  if (t.startsWith('video/')) return 'video';
  if (t.startsWith('audio/')) return 'audio';
  if (t) return 'file';
  const path = String(url || '').split(/[?#]/)[0].toLowerCase();
  if (/\.(png|jpe?g|gif|webp|bmp|svg)$/.test(path)) return 'image';
  if (/\.(mp4|m4v|webm|mov|3gp|mpe?g)$/.test(path)) return 'video';
  if (/\.(mp3|m4a|aac|ogg|wav|amr)$/.test(path)) return 'audio';
  return 'file';
}

function lastSegment(url) {
  const path = String(url || '').split(/[?#]/)[0];
  return decodeURIComponent(path.substring(path.lastIndexOf('/') + 1)) || 'file';
}

// ---- media ------------------------------------------------------------------

// Where a file of a message is: a public URL (contentInfo), or a file the
// bot uploaded to the fake API (uploadedRbmFile), served by this page.
function source(holder, files) {
  if (holder.contentInfo) {
    const info = holder.contentInfo;
    return { url: info.fileUrl, thumbnail: info.thumbnailUrl, type: '' };
  }
  if (holder.uploadedRbmFile) {
    const up = holder.uploadedRbmFile;
    const known = (files || {})[up.fileName] || {};
    const thumb = up.thumbnailName ? (files || {})[up.thumbnailName] || {} : null;
    return {
      url: known.url || '/rbm-files/' + up.fileName,
      thumbnail: thumb ? thumb.url || '/rbm-files/' + up.thumbnailName : null,
      type: known.type || '',
      name: up.fileName,
    };
  }
  return null;
}

function placeholder(src, why) {
  return el('div', 'media-missing', el('span', 'icon', '?'),
    el('span', null, why), el('small', null, src.name || lastSegment(src.url)));
}

function media(src, heightClass) {
  const kind = fileKind(src.url, src.type);
  const box = el('div', 'media ' + (heightClass || ''));
  const fail = () => box.replaceChildren(placeholder(src, 'cannot be loaded'));
  if (kind === 'image') {
    const img = el('img');
    img.alt = src.name || lastSegment(src.url);
    img.addEventListener('error', fail);
    img.src = src.url;
    box.append(img);
  } else if (kind === 'video' || kind === 'audio') {
    const player = el(kind);
    player.controls = true;
    player.preload = 'metadata';
    if (src.thumbnail && kind === 'video') player.poster = src.thumbnail;
    player.addEventListener('error', fail);
    player.src = src.url;
    box.append(player);
  } else {
    const link = el('a', 'file-link', el('span', 'icon', 'FILE'), src.name || lastSegment(src.url));
    link.href = src.url;
    link.target = '_blank';
    link.rel = 'noopener';
    box.classList.add('file');
    box.append(link);
  }
  return box;
}

// ---- suggestions ------------------------------------------------------------

// What the phone does for a suggested action, in words.
function describeAction(action) {
  if (action.dialAction) return ['Call', 'Dials ' + action.dialAction.phoneNumber];
  if (action.openUrlAction) {
    const open = action.openUrlAction;
    if (open.application === 'WEBVIEW') {
      return ['Web view', 'Opens ' + open.url + ' in a ' + (open.webviewViewMode || 'FULL') + ' web view', open];
    }
    return ['Browser', 'Opens ' + open.url + ' in the browser', open];
  }
  if (action.viewLocationAction) {
    const view = action.viewLocationAction;
    if (view.query) return ['Map', 'Searches the map for “' + view.query + '”'];
    const at = view.latLong || {};
    return ['Map', 'Shows ' + (view.label ? view.label + ' at ' : '') + at.latitude + ', ' + at.longitude + ' on the map'];
  }
  if (action.createCalendarEventAction) {
    const ev = action.createCalendarEventAction;
    return ['Calendar', 'Creates the event “' + ev.title + '” from ' + ev.startTime + ' to ' + ev.endTime +
      (ev.description ? ': ' + ev.description : '')];
  }
  if (action.shareLocationAction) return ['Location', 'Asks you to share your location'];
  if (action.composeAction) {
    const c = action.composeAction;
    if (c.composeTextMessage) {
      return ['Compose', 'Starts a message to ' + c.composeTextMessage.phoneNumber + ': “' + (c.composeTextMessage.text || '') + '”'];
    }
    if (c.composeRecordingMessage) {
      return ['Compose', 'Records a ' + String(c.composeRecordingMessage.type || '').replace('ACTION_TYPE_', '').toLowerCase() +
        ' message to ' + c.composeRecordingMessage.phoneNumber];
    }
  }
  return ['Action', 'An action this page does not know'];
}

function suggestionButton(view, suggestion, className) {
  const reply = suggestion.reply;
  const action = suggestion.action;
  const body = reply || action;
  if (!body) return null;
  const button = el('button', className + (action ? ' action' : ''), body.text, action ? el('span', 'arrow', ' ↗') : null);
  button.type = 'button';
  button.dataset.postback = body.postbackData || '';
  button.addEventListener('click', () => tap(view, body, Boolean(action)));
  return button;
}

function tap(view, body, isAction) {
  send(view, { kind: 'tap', text: body.text, postback: body.postbackData || '', action: isAction });
  if (!isAction) return;
  if (body.shareLocationAction) {
    askLocation(view);
    return;
  }
  const [title, text, open] = describeAction(body);
  const overlay = view.node.querySelector('.overlay');
  overlay.dataset.mode = open && open.application === 'WEBVIEW' ? (open.webviewViewMode || 'FULL') : 'SHEET';
  overlay.querySelector('.overlay-title').textContent = title;
  const details = overlay.querySelector('.overlay-body');
  details.replaceChildren(el('p', null, text));
  if (open && /^https?:/i.test(open.url)) {
    const link = el('a', null, 'Open ' + open.url + ' in a new tab');
    link.href = open.url;
    link.target = '_blank';
    link.rel = 'noopener';
    details.append(link);
  }
  overlay.hidden = false;
}

// ---- a phone ----------------------------------------------------------------

function makePhone(index, phone, agent) {
  const node = document.getElementById('phone-template').content.firstElementChild.cloneNode(true);
  node.dataset.user = phone;
  node.querySelector('.agent-name').textContent = agent;
  node.querySelector('.me').textContent = 'as ' + phone;
  const view = {
    index, phone, node,
    thread: node.querySelector('.thread'),
    chips: node.querySelector('.chips'),
    bubbles: new Map(), // messageId -> the user's bubble
    typing: null,
  };
  const form = node.querySelector('.composer');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = form.elements.text.value;
    if (!text.trim()) return;
    form.elements.text.value = '';
    send(view, { kind: 'text', text });
  });
  const tools = node.querySelector('.tools');
  const more = node.querySelector('.more');
  more.addEventListener('click', () => {
    tools.hidden = !tools.hidden;
    more.setAttribute('aria-expanded', String(!tools.hidden));
  });
  node.querySelector('.share-location').addEventListener('click', () => askLocation(view));
  const picker = node.querySelector('.send-file input');
  picker.addEventListener('change', () => {
    const file = picker.files[0];
    picker.value = '';
    if (file) upload(view, file);
  });
  const events = node.querySelector('.send-event');
  events.addEventListener('change', () => {
    const name = events.value;
    events.value = '';
    if (name) send(view, { kind: 'event', event: name });
  });
  node.querySelector('.overlay-close').addEventListener('click', () => {
    node.querySelector('.overlay').hidden = true;
  });
  document.getElementById('phones').append(node);
  return view;
}

function scroll(view) {
  view.thread.scrollTop = view.thread.scrollHeight;
}

function append(view, node) {
  if (view.typing) view.thread.insertBefore(node, view.typing);
  else view.thread.append(node);
  scroll(view);
}

function note(view, text, className) {
  append(view, el('div', 'note ' + (className || ''), text));
}

// ---- what the person does ---------------------------------------------------

async function post(view, url, body, headers) {
  try {
    const response = await fetch(url, { method: 'POST', headers, body });
    if (!response.ok) {
      let why = response.status + ' ' + response.statusText;
      try { why = (await response.json()).error || why; } catch (_) { /* not JSON */ }
      note(view, 'Not sent: ' + why, 'error');
    }
  } catch (error) {
    note(view, 'Not sent: ' + error.message, 'error');
  }
}

function send(view, command) {
  return post(view, '/api/send', JSON.stringify(Object.assign({ user: view.index }, command)),
    { 'Content-Type': 'application/json' });
}

function upload(view, file) {
  const url = '/api/upload?user=' + view.index + '&name=' + encodeURIComponent(file.name);
  return post(view, url, file, { 'Content-Type': file.type || 'application/octet-stream' });
}

function askLocation(view) {
  const dialog = document.getElementById('location-dialog');
  dialog.dataset.user = view.phone;
  dialog.returnValue = '';
  dialog.showModal();
}

function setUpLocationDialog() {
  const dialog = document.getElementById('location-dialog');
  const form = dialog.querySelector('form');
  dialog.querySelector('.cancel').addEventListener('click', () => dialog.close('cancel'));
  dialog.addEventListener('close', () => {
    const view = phones.get(dialog.dataset.user);
    if (dialog.returnValue !== 'share' || !view) return;
    send(view, {
      kind: 'location',
      latitude: Number(form.elements.latitude.value),
      longitude: Number(form.elements.longitude.value),
    });
  });
}

// ---- what happened ----------------------------------------------------------

function userMessage(view, event) {
  const p = event.payload || {};
  if (p.eventType) {
    note(view, event.note || 'Sent the user event ' + p.eventType);
    return;
  }
  const bubble = el('div', 'bubble user');
  if (p.text !== undefined) {
    bubble.append(el('div', 'text', p.text));
  } else if (p.suggestionResponse) {
    bubble.append(el('div', 'text', p.suggestionResponse.text || p.suggestionResponse.postbackData));
    bubble.classList.add('tapped');
  } else if (p.location) {
    bubble.classList.add('location');
    bubble.append(el('div', 'text', 'Shared location'),
      el('small', null, p.location.latitude + ', ' + p.location.longitude));
  } else if (p.userFile) {
    const file = p.userFile.payload || {};
    bubble.classList.add('has-media');
    bubble.append(media({ url: file.fileUri, type: file.mimeType, name: file.fileName }));
  } else {
    bubble.append(el('pre', null, pretty(p)));
  }
  const row = el('div', 'row user', bubble, el('div', 'receipt', 'Sending…'));
  if (event.messageId) {
    row.dataset.id = event.messageId;
    view.bubbles.set(event.messageId, row);
  }
  append(view, row);
}

function agentMessage(view, event) {
  hideTyping(view);
  const content = (event.body || {}).contentMessage || {};
  const files = event.files || {};
  const row = el('div', 'row agent');
  row.dataset.id = event.messageId;
  if (content.text !== undefined) {
    row.append(el('div', 'bubble agent', el('div', 'text', content.text)));
  } else if (content.richCard && content.richCard.standaloneCard) {
    row.append(standalone(view, content.richCard.standaloneCard, files));
  } else if (content.richCard && content.richCard.carouselCard) {
    row.append(carousel(view, content.richCard.carouselCard, files));
  } else if (content.contentInfo || content.uploadedRbmFile) {
    row.append(el('div', 'bubble agent has-media', media(source(content, files))));
  } else {
    row.append(el('div', 'bubble agent', el('pre', null, pretty(content))));
  }
  append(view, row);
  // A new message's suggestions replace the previous ones, as on a phone.
  view.chips.replaceChildren();
  for (const suggestion of content.suggestions || []) {
    const chip = suggestionButton(view, suggestion, 'chip');
    if (chip) view.chips.append(chip);
  }
  scroll(view);
}

function cardContent(view, content, files, heightDefault) {
  const card = el('div', 'card');
  if (content.media) {
    const src = source(content.media, files);
    if (src) card.append(media(src, 'h-' + String(content.media.height || heightDefault).toLowerCase()));
  }
  const text = el('div', 'card-text');
  if (content.title) text.append(el('div', 'card-title', content.title));
  if (content.description) text.append(el('div', 'card-description', content.description));
  if (text.childNodes.length) card.append(text);
  const buttons = (content.suggestions || []).map((s) => suggestionButton(view, s, 'card-button')).filter(Boolean);
  if (buttons.length) card.append(el('div', 'card-buttons', ...buttons));
  return card;
}

function standalone(view, standaloneCard, files) {
  const card = cardContent(view, standaloneCard.cardContent || {}, files, 'MEDIUM');
  const orientation = String(standaloneCard.cardOrientation || 'VERTICAL').toLowerCase();
  card.classList.add('standalone', orientation);
  if (orientation === 'horizontal') {
    card.classList.add('media-' + String(standaloneCard.thumbnailImageAlignment || 'LEFT').toLowerCase());
  }
  return card;
}

function carousel(view, carouselCard, files) {
  const width = String(carouselCard.cardWidth || 'MEDIUM').toLowerCase();
  const strip = el('div', 'carousel width-' + width);
  for (const content of carouselCard.cardContents || []) {
    strip.append(cardContent(view, content, files, 'MEDIUM'));
  }
  return strip;
}

function agentEvent(view, event) {
  if (event.event === 'IS_TYPING') {
    showTyping(view);
  } else if (event.event === 'READ') {
    const row = view.bubbles.get(event.messageId);
    if (row) row.querySelector('.receipt').textContent = 'Read';
  }
}

function showTyping(view) {
  if (!view.typing) {
    view.typing = el('div', 'row agent typing', el('div', 'bubble agent dots',
      el('span'), el('span'), el('span'), el('span', 'label', 'typing…')));
    view.thread.append(view.typing);
    scroll(view);
  }
  clearTimeout(view.typingTimer);
  // The indicator lasts about 20 seconds on a phone unless a message comes.
  view.typingTimer = setTimeout(() => hideTyping(view), 20000);
}

function hideTyping(view) {
  clearTimeout(view.typingTimer);
  if (view.typing) view.typing.remove();
  view.typing = null;
}

function exchange(view, event) {
  const row = view && view.bubbles.get(event.messageId);
  if (row) {
    const receipt = row.querySelector('.receipt');
    if (event.status === 200) {
      if (receipt.textContent === 'Sending…') receipt.textContent = 'Delivered';
    } else {
      receipt.textContent = event.error ? 'Not delivered' : 'Not delivered (' + event.status + ')';
      row.classList.add('failed');
    }
  }
  if (view) {
    if (event.error) note(view, event.error, 'error');
    for (const text of event.notes || []) note(view, text, 'error');
  }
}

// ---- the side panel ---------------------------------------------------------

function details(summary, value) {
  return el('details', null, el('summary', null, summary), el('pre', null, pretty(value)));
}

function payloadKind(payload) {
  return Object.keys(payload || {}).find((k) =>
    ['text', 'suggestionResponse', 'location', 'userFile', 'eventType'].includes(k)) || 'payload';
}

// A delivery's entry: opened when it is sent, completed with its answer.
function openExchange(event) {
  const entry = el('li', 'entry exchange pending',
    el('div', 'entry-head', el('span', 'dir', 'Google → bot'), el('span', 'who', event.user),
      el('span', 'what', payloadKind(event.payload)), el('span', 'status', '…'), el('span', 'ms')),
    details('what Google sent (payload)', event.payload),
    details('the Pub/Sub envelope', event.envelope));
  if (event.messageId) entry.dataset.id = event.messageId;
  return entry;
}

function completeExchange(event) {
  const log = document.getElementById('log');
  const entries = [...log.querySelectorAll('.entry.exchange.pending')];
  let entry = entries.find((e) => e.dataset.id === event.messageId);
  if (!entry) {
    entry = openExchange(event);
    log.append(entry);
  }
  entry.classList.remove('pending');
  entry.classList.add(event.status === 200 ? 'ok' : 'bad');
  entry.querySelector('.status').textContent = event.error ? 'unreachable' : event.status;
  entry.querySelector('.ms').textContent = event.millis + ' ms';
  if (event.error) entry.append(el('div', 'entry-note', event.error));
  for (const text of event.notes || []) entry.append(el('div', 'entry-note', text));
}

function logEntry(event) {
  const log = document.getElementById('log');
  let entry;
  if (event.type === 'user_message') {
    entry = openExchange(event);
  } else if (event.type === 'exchange') {
    completeExchange(event);
  } else if (event.type === 'api_call') {
    entry = el('li', 'entry api ' + (event.status === 200 ? 'ok' : 'bad'),
      el('div', 'entry-head', el('span', 'dir', 'bot → RBM API'), el('span', 'what', event.method + ' ' + event.path),
        el('span', 'status', event.status)),
      details('query', event.query),
      details('what the bot sent', event.body));
  } else if (event.type === 'status' && event.error) {
    entry = el('li', 'entry bad', el('div', 'entry-note', event.error));
  }
  if (entry) log.append(entry);
  log.scrollTop = log.scrollHeight;
}

// ---- the stream -------------------------------------------------------------

function hello(info) {
  document.getElementById('agent').textContent = info.agent;
  if (phones.size === 0) {
    info.users.forEach((phone, index) => phones.set(phone, makePhone(index, phone, info.agent)));
    document.body.dataset.users = String(info.users.length);
  }
  setReady(info.ready);
}

function setReady(isReady, error) {
  ready = isReady;
  for (const view of phones.values()) {
    for (const control of view.node.querySelectorAll('.composer input, .composer button, .tools button, .tools select')) {
      control.disabled = !ready;
    }
  }
  if (error) setStatus('stopped: ' + error, 'stopped');
  else setStatus(ready ? 'ready' : 'starting the bot…', ready ? 'ready' : 'starting');
}

function handle(event) {
  const view = phones.get(event.user);
  logEntry(event);
  switch (event.type) {
    case 'status': setReady(Boolean(event.ready), event.error); break;
    case 'user_message': if (view) userMessage(view, event); break;
    case 'agent_message': if (view) agentMessage(view, event); break;
    case 'agent_event': if (view) agentEvent(view, event); break;
    case 'exchange': exchange(view, event); break;
    default: break;
  }
  document.body.dataset.seq = String(event.seq);
}

function connect() {
  const stream = new EventSource('/events');
  stream.addEventListener('hello', (e) => hello(JSON.parse(e.data)));
  stream.addEventListener('message', (e) => handle(JSON.parse(e.data)));
  stream.addEventListener('error', () => {
    if (ready) setStatus('reconnecting…', 'connecting');
  });
}

document.getElementById('toggle-panel').addEventListener('click', () => {
  document.body.classList.toggle('panel-hidden');
});
document.getElementById('clear-panel').addEventListener('click', () => {
  document.getElementById('log').replaceChildren();
});
setUpLocationDialog();
connect();
