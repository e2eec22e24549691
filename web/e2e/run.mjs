// End-to-end test and browser benchmark of the lightdas page.
//
//   node run.mjs test    the devnet's page in Debian Chromium reaches the
//                        target confidence on 10 consecutive blocks, writes
//                        a screenshot, resumes from IndexedDB after a
//                        reload without re-sampling, shows the serving node
//                        going away and recovers when it is back.
//   node run.mjs bench   page load to first verified block, header-to-
//                        confidence per block, wasm size, JS heap after N
//                        blocks and the longest main-thread task.
//
// It runs a real `lightnative devnet` (producer and full node on every
// transport, the page server) on loopback ports it picks, and a real
// Chromium (/usr/bin/chromium, never a downloaded one) through
// playwright-core. Environment: LIGHTNATIVE (the binary, default
// ../../.bin/lightnative), CHROMIUM (default /usr/bin/chromium),
// LIGHTDAS_E2E_OUT (default ../../bench-out/e2e), BENCH_BLOCKS (200).

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const lightnative = process.env.LIGHTNATIVE ?? path.join(root, '.bin/lightnative');
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const outDir = path.resolve(process.env.LIGHTDAS_E2E_OUT ?? path.join(root, 'bench-out/e2e'));
const target = 0.9999;

const log = (...a) => console.log(`[e2e ${new Date().toISOString().slice(11, 23)}]`, ...a);

class Failure extends Error {}
function check(ok, msg) {
  if (!ok) throw new Failure(msg);
}

// until polls fn (async) every `every` ms until it returns a truthy value,
// failing after `ms` with `what`: a hang guard, not a performance check.
async function until(what, ms, fn, every = 250) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Failure(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// freePorts finds a base port p such that p..p+span-1 are free on
// 127.0.0.1 for TCP and UDP (the devnet uses TCP/QUIC on p, WebSocket on
// p+1, WebRTC-direct on p+2, then the API and page servers).
async function freePorts(span) {
  const tryTCP = (port) =>
    new Promise((res) => {
      const s = net.createServer();
      s.once('error', () => res(false));
      s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
    });
  const { createSocket } = await import('node:dgram');
  const tryUDP = (port) =>
    new Promise((res) => {
      const s = createSocket('udp4');
      s.once('error', () => res(false));
      s.bind(port, '127.0.0.1', () => s.close(() => res(true)));
    });
  for (let i = 0; i < 50; i++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let p = base; p < base + span && ok; p++) ok = (await tryTCP(p)) && (await tryUDP(p));
    if (ok) return base;
  }
  throw new Error('no free port range');
}

// Devnet is one `lightnative devnet` process over a data directory that
// survives restarts (same keys, chain, identity and ports).
const running = new Set(); // devnet processes, killed if the guard fires

class Devnet {
  constructor(dir, base, { interval, blobs }) {
    this.dir = dir;
    this.base = base;
    this.interval = interval;
    this.blobs = blobs;
    this.page = `http://127.0.0.1:${base + 4}/`;
    this.logFile = path.join(outDir, 'devnet.log');
  }

  async start() {
    const args = [
      'devnet',
      '--dir', this.dir,
      '--port', String(this.base),
      '--api', `127.0.0.1:${this.base + 3}`,
      '--http', `127.0.0.1:${this.base + 4}`,
      '--web', path.join(root, 'web'),
      '--interval', this.interval,
      '--blobs', String(this.blobs),
    ];
    const out = await fs.open(this.logFile, 'a');
    this.proc = spawn(lightnative, args, { stdio: ['ignore', out.fd, out.fd] });
    running.add(this.proc);
    this.proc.once('exit', () => running.delete(this.proc));
    this.exited = new Promise((res) => this.proc.once('exit', (code, sig) => res({ code, sig })));
    this.proc.once('exit', () => out.close());
    await until('the devnet page server', 60000, async () => {
      const r = await fetch(`${this.page}bootstrap.json`).catch(() => null);
      return r?.ok;
    });
    const boot = await (await fetch(`${this.page}bootstrap.json`)).json();
    check(boot.bootstrap?.some((a) => a.includes('/webrtc-direct/')), `no webrtc-direct address in bootstrap.json: ${JSON.stringify(boot)}`);
    log('devnet up', this.page);
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    this.proc.kill('SIGTERM');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
    await this.exited;
    clearTimeout(t);
    log('devnet stopped');
  }
}

async function launch() {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') log(`page ${m.type()}:`, m.text());
  });
  page.on('pageerror', (e) => log('page error:', e.message));
  return { browser, page };
}

// ready waits for the page's client to run and returns its status.
async function ready(page) {
  await until('the page to start its client', 60000, () => page.evaluate(() => document.body.dataset.lightdas === 'running' && !!window.lightdas));
  return page.evaluate(() => window.lightdas.status());
}

const results = (page, from, to) => page.evaluate(([f, t]) => window.lightdas.results(f, t), [from, to]);

// consecutive finds `n` consecutive heights that reached the target.
async function consecutive(page, n, ms) {
  return until(`${n} consecutive blocks at ${target}`, ms, async () => {
    const st = await page.evaluate(() => window.lightdas.status());
    if (st.sampled_head < n) return null;
    const rs = await results(page, Math.max(1, st.sampled_head - 63), st.sampled_head);
    const ok = new Map(rs.filter((r) => r.status === 'available' && r.confidence >= target).map((r) => [r.height, r]));
    for (let h = st.sampled_head; h >= n; h--) {
      let run = [];
      for (let i = h - n + 1; i <= h && ok.has(i); i++) run.push(ok.get(i));
      if (run.length === n) return run;
    }
    return null;
  }, 500);
}

async function runTest() {
  const base = await freePorts(5);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightdas-e2e-'));
  const devnet = new Devnet(dir, base, { interval: '1s', blobs: 2 });
  let browser;
  try {
    await devnet.start();
    const b = await launch();
    browser = b.browser;
    const page = b.page;
    await page.goto(`${devnet.page}?storage=indexeddb`);
    const st0 = await ready(page);
    check(st0.storage === 'indexeddb', `storage ${st0.storage}, want indexeddb`);

    // 1. Ten consecutive blocks at the target confidence.
    const run = await consecutive(page, 10, 120000);
    log(`10 consecutive blocks available: heights ${run[0].height}..${run[9].height}, confidence ${run.map((r) => r.confidence.toFixed(6)).join(' ')}`);
    await until('the page to show those blocks', 10000, () =>
      page.evaluate((h) => document.querySelector(`article.block[data-height="${h}"]`)?.dataset.status === 'available', run[9].height),
    );
    const shot = path.join(outDir, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    log('screenshot', shot);

    // 2. Reload: the verdicts come back from IndexedDB, unchanged, and
    // those heights are not sampled again.
    const before = new Map(run.map((r) => [r.height, r]));
    await page.reload();
    await page.evaluate(() => {
      window.__sampled = [];
      return window.lightdasReady.then((c) => c.on('sampling', (e) => window.__sampled.push(e.height)));
    });
    const st1 = await ready(page);
    check(st1.storage === 'indexeddb', `storage after reload ${st1.storage}`);
    const again = await results(page, run[0].height, run[9].height);
    check(again.length === 10, `after reload ${again.length} stored verdicts of 10`);
    for (const r of again) {
      const b0 = before.get(r.height);
      check(r.status === 'available' && r.confidence === b0.confidence && r.started_at === b0.started_at && r.samples === b0.samples,
        `height ${r.height} after reload: ${JSON.stringify(r)}, before ${JSON.stringify(b0)}`);
    }
    // New blocks are sampled; the old ones are not.
    await until('a new block after the reload', 30000, async () => (await page.evaluate(() => window.lightdas.status())).sampled_head > run[9].height + 1);
    const resampled = (await page.evaluate(() => window.__sampled)).filter((h) => before.has(h));
    check(resampled.length === 0, `heights sampled again after reload: ${resampled}`);
    log('reload resumed from IndexedDB without re-sampling');

    // 3. The serving node goes away: the page says so; it comes back: the
    // client recovers and verifies new blocks.
    const headBefore = (await page.evaluate(() => window.lightdas.status())).sampled_head;
    await devnet.stop();
    await until('the page to show the node gone', 60000, () =>
      page.evaluate(() => document.body.dataset.peers === '0' && document.body.dataset.state !== 'following'),
    );
    const shown = await page.evaluate(() => ({ state: document.body.dataset.state, peers: document.body.dataset.peers }));
    log('page shows the node gone:', JSON.stringify(shown));
    await page.screenshot({ path: path.join(outDir, 'disconnected.png'), fullPage: true });
    await devnet.start();
    const back = await until('the client to recover', 120000, async () => {
      const st = await page.evaluate(() => window.lightdas.status());
      if (st.sampled_head <= headBefore + 1) return null;
      const [r] = await results(page, st.sampled_head, st.sampled_head);
      return r?.status === 'available' && r.confidence >= target ? r : null;
    });
    log(`recovered: height ${back.height} available at ${back.confidence}`);
    await page.screenshot({ path: path.join(outDir, 'recovered.png'), fullPage: true });
    log('PASS');
  } finally {
    await browser?.close();
    await devnet.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

async function runBench() {
  const blocks = Number(process.env.BENCH_BLOCKS ?? 200);
  const base = await freePorts(5);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lightdas-bench-'));
  const devnet = new Devnet(dir, base, { interval: '500ms', blobs: 2 });
  let browser;
  try {
    await devnet.start();
    // Let the chain have a few blocks, as a page opened on a live network.
    await until('block 3', 30000, async () => {
      const r = await fetch(`http://127.0.0.1:${base + 3}/v1/head`).catch(() => null);
      return r?.ok && (await r.json()).height >= 3;
    });
    const b = await launch();
    browser = b.browser;
    const page = b.page;
    const cdp = await page.context().newCDPSession(page);
    await page.goto(`${devnet.page}?storage=memory`);
    await page.waitForSelector('article.block[data-status="available"]', { timeout: 60000 });
    const firstMs = await page.evaluate(() => performance.now());
    const st0 = await page.evaluate(() => window.lightdas.status());
    const steadyFrom = await page.evaluate(() => performance.now());
    log(`first verified block ${firstMs.toFixed(0)} ms after navigation`);
    const startHead = st0.sampled_head;
    await until(`${blocks} blocks`, blocks * 2000 + 60000, async () => (await page.evaluate(() => window.lightdas.status())).sampled_head >= startHead + blocks, 1000);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasmMem = await page.evaluate(async () => (await import('./lightdas.js')).wasmMemoryBytes());
    const st = await page.evaluate(() => window.lightdas.status());
    const rs = (await results(page, startHead + 1, st.sampled_head)).filter((r) => r.status === 'available');
    const lat = rs.map((r) => r.latency_ms);
    const perf = await page.evaluate(() => window.lightdasPerf);
    const steadyTasks = perf.tasks.filter((t) => t.start >= steadyFrom);
    const wasm = await fs.readFile(path.join(root, 'web/lightdas.wasm'));
    const report = {
      date: new Date().toISOString().slice(0, 10),
      blocks: rs.length,
      first_verified_ms: Math.round(firstMs),
      header_to_confidence_ms: { p50: Math.round(pct(lat, 50)), p99: Math.round(pct(lat, 99)), max: Math.round(Math.max(...lat)) },
      wasm_bytes: wasm.length,
      wasm_gzip_bytes: zlib.gzipSync(wasm, { level: 9 }).length,
      js_heap_used_bytes: heap.usedSize,
      js_heap_total_bytes: heap.totalSize,
      wasm_memory_bytes: wasmMem,
      long_tasks: { all: perf.count, max_ms: Math.round(perf.maxMs), steady: steadyTasks.length, steady_max_ms: Math.max(0, ...steadyTasks.map((t) => t.ms)) },
      unavailable: st.unavailable,
    };
    await fs.writeFile(path.join(outDir, 'browser.json'), JSON.stringify(report, null, 2) + '\n');
    const mb = (n) => `${(n / 1e6).toFixed(2)} MB`;
    const md = [
      `| measure | value | target |`,
      `|---|---:|---:|`,
      `| page load to first verified block | ${report.first_verified_ms} ms | ≤ 2 000 ms |`,
      `| header to confidence, p50 / p99 (${rs.length} blocks) | ${report.header_to_confidence_ms.p50} / ${report.header_to_confidence_ms.p99} ms | ≤ 300 ms |`,
      `| wasm raw / gzip | ${mb(report.wasm_bytes)} / ${mb(report.wasm_gzip_bytes)} | ≤ 8 / 2.5 MB |`,
      `| JS heap after ${blocks} blocks (used / total) | ${mb(report.js_heap_used_bytes)} / ${mb(report.js_heap_total_bytes)} | ≤ 64 MB |`,
      `| wasm linear memory (Go heap) after ${blocks} blocks | ${mb(report.wasm_memory_bytes)} | |`,
      `| longest main-thread task, steady state (all, incl. start) | ${report.long_tasks.steady_max_ms} ms (${report.long_tasks.max_ms} ms) | ≤ 50 ms |`,
    ].join('\n');
    await fs.writeFile(path.join(outDir, 'browser.md'), md + '\n');
    console.log(md);
  } finally {
    await browser?.close();
    await devnet.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

const mode = process.argv[2];
await fs.mkdir(outDir, { recursive: true });
const guard = setTimeout(() => {
  console.error('e2e: overall time limit reached');
  for (const p of running) p.kill('SIGKILL');
  process.exit(2);
}, mode === 'bench' ? 30 * 60000 : 10 * 60000);
try {
  if (mode === 'test') await runTest();
  else if (mode === 'bench') await runBench();
  else throw new Error('usage: node run.mjs test|bench');
  clearTimeout(guard);
} catch (e) {
  console.error(e instanceof Failure ? `FAIL: ${e.message}` : e);
  process.exitCode = 1;
  clearTimeout(guard);
}
