// The devnet dashboard: starts a LightClient from the page server's
// /bootstrap.json and /genesis.json and shows its state, peers and, for
// each recent block, the grid of its extended cells with the sampled ones
// coloured by outcome.
//
// For automated checks the page exposes:
//   window.lightdas          the LightClient (once started)
//   window.lightdasReady     a Promise of it
//   window.lightdasPerf      main-thread long tasks seen ({count, maxMs, tasks})
//   <body data-lightdas="loading|running|stopped|error" data-state data-peers
//         data-head data-sampled-head data-available data-long-tasks
//         data-max-long-task-ms>
//   <article class="block" data-height data-status data-confidence
//         data-samples data-verified data-k data-hash> per block shown
// URL parameters: confidence, window, storage (auto|indexeddb|memory),
// log (debug|info|warn|error), blocks (how many to show, default 16).

import { LightClient } from './lightdas.js';

const params = new URLSearchParams(location.search);
const MAX_BLOCKS = Math.max(1, Math.min(64, Number(params.get('blocks')) || 16));
const COLS = 128;
const CELL_W = 3;
const colours = {
  empty: '#e8ebf0',
  pending: '#f0b429',
  verified: '#2f9e44',
  missing: '#5f3dc4',
  invalid: '#e03131',
};

const $ = (id) => document.getElementById(id);
const body = document.body;

// ---- long tasks (main-thread responsiveness) ----
const perf = { count: 0, maxMs: 0, tasks: [] };
window.lightdasPerf = perf;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      perf.count++;
      perf.maxMs = Math.max(perf.maxMs, e.duration);
      perf.tasks.push({ start: Math.round(e.startTime), ms: Math.round(e.duration) });
      if (perf.tasks.length > 200) perf.tasks.shift();
    }
    body.dataset.longTasks = String(perf.count);
    body.dataset.maxLongTaskMs = String(Math.round(perf.maxMs));
    renderPerf();
  }).observe({ type: 'longtask', buffered: true });
} catch {
  // No Long Tasks API (not Chromium): nothing to show.
}

// ---- block model ----
// height -> {height, hash, k, status, confidence, samples, verified,
//            cells: Map("r,c" -> outcome), timings, el, dirty}
const blocks = new Map();
let orderDirty = false;
let frame = 0;

function block(height) {
  let b = blocks.get(height);
  if (!b) {
    b = { height, hash: '', k: 0, status: 'pending', confidence: 0, samples: 0, verified: 0, cells: new Map(), attempt: 0 };
    blocks.set(height, b);
    orderDirty = true;
    // Keep only the most recent heights.
    if (blocks.size > MAX_BLOCKS) {
      const drop = [...blocks.keys()].sort((x, y) => x - y).slice(0, blocks.size - MAX_BLOCKS);
      for (const h of drop) {
        blocks.get(h).el?.remove();
        blocks.delete(h);
      }
    }
  }
  return b;
}

function touch(b) {
  b.dirty = true;
  if (!frame) frame = requestAnimationFrame(flush);
}

function applyResult(r) {
  if (blocks.size >= MAX_BLOCKS && r.height < Math.min(...blocks.keys())) return;
  const b = block(r.height);
  Object.assign(b, {
    hash: r.hash ?? b.hash,
    k: r.k || b.k,
    status: r.status,
    confidence: r.confidence,
    samples: r.samples,
    verified: r.verified,
    attempt: r.attempt,
    durationMs: r.duration_ms,
    verifyMs: r.verify_ms,
    latencyMs: r.latency_ms,
    error: r.error,
  });
  if (r.cells?.length) {
    b.cells = new Map(r.cells.map((c) => [`${c.row},${c.col}`, c.outcome]));
  }
  touch(b);
}

const handlers = {
  header(e) {
    const b = block(e.height);
    b.hash = e.hash;
    b.k = e.k;
    touch(b);
  },
  sampling(e) {
    const b = block(e.height);
    Object.assign(b, { hash: e.hash, k: e.k, attempt: e.attempt, status: 'pending', samples: e.cells.length, verified: 0 });
    b.cells = new Map(e.cells.map((c) => [`${c.row},${c.col}`, 'pending']));
    touch(b);
  },
  cell(e) {
    const b = blocks.get(e.height);
    if (!b) return;
    const key = `${e.row},${e.col}`;
    if (e.outcome === 'verified') {
      b.cells.set(key, 'verified');
      b.verified++;
    } else if (e.outcome === 'invalid') {
      b.cells.set(key, 'invalid'); // asked elsewhere; the verdict settles it
    }
    touch(b);
  },
  block(e) {
    applyResult(e);
  },
  peer_penalised(e) {
    log(`peer ${short(e.peer)} penalised${e.banned_until ? ' (banned)' : ''}: ${e.reason}`, 'warn');
  },
  peer_connected(e) {
    log(`connected to ${short(e.peer)}`);
  },
  peer_disconnected(e) {
    log(`disconnected from ${short(e.peer)}`, 'warn');
  },
  error(e) {
    const retry = e.retry_in_ms ? ` (retry in ${fmtMs(e.retry_in_ms)})` : '';
    log(`${e.source}: ${e.message}${retry}`, e.fatal ? 'error' : 'warn');
  },
  state(e) {
    log(`state: ${e.state}${e.error ? ' — ' + e.error : ''}`, e.state === 'halted' ? 'error' : '');
  },
};

// ---- rendering ----
function flush() {
  frame = 0;
  const list = $('blocks');
  if (orderDirty) {
    orderDirty = false;
    const sorted = [...blocks.values()].sort((x, y) => y.height - x.height);
    for (const b of sorted) {
      if (!b.el) b.el = makeCard(b);
      list.appendChild(b.el); // moves existing cards into order
    }
  }
  for (const b of blocks.values()) {
    if (b.dirty) {
      b.dirty = false;
      renderCard(b);
    }
  }
}

function makeCard(b) {
  const el = document.createElement('article');
  el.className = 'block';
  el.innerHTML = `
    <header><span class="height"></span><span class="status badge"></span><span class="conf"></span></header>
    <canvas width="${COLS * CELL_W}" height="8"></canvas>
    <p class="meta"></p>`;
  return el;
}

function renderCard(b) {
  const el = b.el ?? (b.el = makeCard(b));
  const d = el.dataset;
  d.height = String(b.height);
  d.status = b.status;
  d.confidence = String(b.confidence);
  d.samples = String(b.samples);
  d.verified = String(b.verified);
  d.k = String(b.k);
  d.hash = b.hash;
  el.querySelector('.height').textContent = `#${b.height}`;
  const badge = el.querySelector('.status');
  badge.textContent = b.status;
  badge.dataset.status = b.status;
  el.querySelector('.conf').textContent =
    b.status === 'available' ? `${fmtConfidence(b.confidence)} confident` : b.status === 'pending' ? `${b.verified}/${b.samples || '?'} cells` : '';
  const meta = [];
  if (b.samples) meta.push(`${b.verified}/${b.samples} cells verified`);
  if (b.durationMs) meta.push(`sampled in ${fmtMs(b.durationMs)}`);
  if (b.verifyMs) meta.push(`verify ${fmtMs(b.verifyMs)}`);
  if (b.latencyMs) meta.push(`header→verdict ${fmtMs(b.latencyMs)}`);
  if (b.attempt > 1) meta.push(`attempt ${b.attempt}`);
  if (b.error) meta.push(b.error);
  el.querySelector('.meta').textContent = meta.join(' · ');
  el.title = b.hash ? `block ${b.height}, hash ${b.hash}` : `block ${b.height}`;
  drawGrid(el.querySelector('canvas'), b);
}

function drawGrid(canvas, b) {
  const rows = 2 * (b.k || 1);
  // Rows are stretched to keep small blocks visible; 128 rows get 1 px.
  const cellH = Math.max(1, Math.min(12, Math.floor(128 / rows)));
  const h = rows * cellH;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = colours.empty;
  ctx.fillRect(0, 0, canvas.width, h);
  // Faint line between original and extended rows.
  ctx.fillStyle = '#c9ced6';
  ctx.fillRect(0, (rows / 2) * cellH - 1, canvas.width, 1);
  for (const [key, outcome] of b.cells) {
    const [r, c] = key.split(',').map(Number);
    ctx.fillStyle = colours[outcome] ?? colours.pending;
    ctx.fillRect(c * CELL_W, r * cellH, CELL_W, cellH);
  }
}

function renderStatus(st) {
  body.dataset.state = st.state;
  body.dataset.peers = String(st.peers.length);
  body.dataset.head = String(st.header_head);
  body.dataset.sampledHead = String(st.sampled_head);
  body.dataset.available = String(st.available);
  const badge = $('state');
  badge.textContent = st.state;
  badge.dataset.state = st.state;
  $('chain').textContent = st.chain_id || '–';
  $('peer-count').textContent = String(st.peers.length);
  $('head').textContent = st.header_head ? `#${st.header_head}` : '–';
  $('sampled').textContent = st.done_up_to ? `#${st.done_up_to}` : '–';
  $('target').textContent = st.target_confidence ? fmtConfidence(st.target_confidence) : '–';
  $('verdicts').textContent = `${st.available} available · ${st.unavailable} unavailable · ${st.invalid} invalid`;
  $('storage').textContent = st.storage ?? '–';
  const tbody = $('peers').tBodies[0];
  tbody.replaceChildren(
    ...st.peers.map((p) => {
      const tr = document.createElement('tr');
      tr.dataset.peer = p.id;
      if (p.banned_until) tr.className = 'banned';
      for (const text of [short(p.id), p.score.toFixed(1), String(p.verified), p.addr ?? '']) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.appendChild(td);
      }
      tr.lastChild.className = 'addr';
      return tr;
    }),
  );
  $('addrs').replaceChildren(
    ...st.addrs.map((a) => {
      const li = document.createElement('li');
      const connected = st.peers.some((p) => p.id === a.peer);
      li.className = connected ? 'up' : a.failures ? 'down' : '';
      const next = a.next_dial && !connected ? `, next try ${fmtWhen(a.next_dial)}` : '';
      li.textContent = `${a.bootstrap ? '★ ' : ''}${a.addr}${a.failures ? ` — ${a.failures} failed${next}` : ''}`;
      if (a.last_error) li.title = a.last_error;
      return li;
    }),
  );
  if (st.error) banner(st.error, 'error');
}

function renderPerf() {
  const el = $('perf');
  if (!el) return;
  el.textContent = perf.count
    ? `${perf.count} long task${perf.count === 1 ? '' : 's'} (> 50 ms) so far, longest ${Math.round(perf.maxMs)} ms; last: ${perf.tasks
        .slice(-5)
        .map((t) => t.ms + ' ms')
        .join(', ')}`
    : 'no long task (> 50 ms) so far';
}

const logItems = [];
function log(text, level = '') {
  const li = document.createElement('li');
  li.className = level;
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  const ol = $('log');
  ol.prepend(li);
  logItems.push(li);
  while (logItems.length > 40) logItems.shift().remove();
}

function banner(text, level = '') {
  const b = $('banner');
  b.textContent = text;
  b.className = `banner ${level}`;
  b.hidden = !text;
}

const short = (id) => (id && id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id ?? '');
const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
function fmtConfidence(c) {
  // 0.9999 -> "99.99%"; more nines when the confidence has them.
  const digits = Math.min(6, Math.max(2, Math.ceil(-Math.log10(Math.max(1e-9, 1 - c)) - 1e-6) - 2));
  return `${(c * 100).toFixed(digits)}%`;
}
function fmtWhen(iso) {
  const s = Math.max(0, (Date.parse(iso) - Date.now()) / 1000);
  return s < 1 ? 'now' : `in ${s.toFixed(0)} s`;
}

// ---- lifecycle ----
let client = null;
let statusTimer = 0;
let bootstrapInfo = null;
let resolveReady;
window.lightdasReady = new Promise((r) => {
  resolveReady = r;
});

async function fetchJSON(url) {
  const r = await fetch(url, { cache: 'no-store' });
  if (!r.ok) throw new Error(`${url}: ${r.status} ${r.statusText}`);
  return r.json();
}

async function start() {
  body.dataset.lightdas = 'loading';
  banner('');
  bootstrapInfo = await fetchJSON('bootstrap.json');
  const genesis = await fetchJSON(bootstrapInfo.genesis ? bootstrapInfo.genesis.replace(/^\//, '') : 'genesis.json');
  if (bootstrapInfo.api) {
    const a = document.createElement('a');
    a.href = `${bootstrapInfo.api}/v1/status`;
    a.textContent = 'full node API';
    $('api-link').replaceChildren(a);
  }
  const opts = { bootstrap: bootstrapInfo.bootstrap, genesis };
  for (const [p, o] of [['confidence', 'confidence'], ['window', 'window']]) {
    if (params.has(p)) opts[o] = Number(params.get(p));
  }
  if (params.has('storage')) opts.storage = params.get('storage');
  if (params.has('log')) opts.logLevel = params.get('log');
  client = await LightClient.start(opts);
  window.lightdas = client;
  client.on('*', (e) => handlers[e.kind]?.(e));
  body.dataset.lightdas = 'running';
  $('toggle').textContent = 'Stop';
  $('toggle').disabled = false;
  $('reset').disabled = false;
  let prefilled = false;
  const tick = () => {
    const st = client.status();
    renderStatus(st);
    // Once the stored head is known, show what was sampled before a
    // reload from the stored verdicts.
    if (!prefilled && st.header_head) {
      prefilled = true;
      prefill(client, st.header_head).catch((err) => log(`reading stored verdicts: ${err.message}`, 'warn'));
    }
  };
  tick();
  statusTimer = setInterval(tick, 500);
  resolveReady(client);
  return client;
}

async function prefill(c, head) {
  const from = Math.max(1, head - MAX_BLOCKS + 1);
  for (const r of await c.results(from, head)) {
    const b = blocks.get(r.height);
    if (!b || (b.status === 'pending' && b.cells.size === 0)) applyResult(r);
  }
}

async function stop() {
  clearInterval(statusTimer);
  const c = client;
  client = null;
  if (c) {
    await c.stop();
    renderStatus(c.status());
  }
  body.dataset.lightdas = 'stopped';
  $('toggle').textContent = 'Start';
}

function fail(err) {
  console.error(err);
  body.dataset.lightdas = 'error';
  body.dataset.error = String(err?.message ?? err);
  let hint = '';
  if (/lightdas\.wasm: 404/.test(String(err?.message))) hint = ' — build it with `make build-wasm`';
  banner(`${err?.name && err.name !== 'Error' ? err.name + ': ' : ''}${err?.message ?? err}${hint}`, 'error');
  $('toggle').disabled = false;
  $('toggle').textContent = 'Start';
}

$('toggle').addEventListener('click', async () => {
  $('toggle').disabled = true;
  try {
    if (client) await stop();
    else await start();
  } catch (err) {
    fail(err);
  } finally {
    $('toggle').disabled = false;
  }
});

$('reset').addEventListener('click', async () => {
  $('reset').disabled = true;
  try {
    const chain = client?.status().chain_id ?? bootstrapInfo?.chain_id;
    await stop();
    await new Promise((resolve, reject) => {
      const req = indexedDB.deleteDatabase(`lightdas/${chain}`);
      req.onsuccess = resolve;
      req.onerror = () => reject(req.error);
      req.onblocked = () => log('waiting for another tab to release the database', 'warn');
    });
    for (const b of blocks.values()) b.el?.remove();
    blocks.clear();
    log('stored data deleted');
    await start();
  } catch (err) {
    fail(err);
  } finally {
    $('reset').disabled = false;
  }
});

start().catch(fail);
