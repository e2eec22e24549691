// lightdas: a data-availability-sampling light client in the browser.
//
//   import { LightClient } from './lightdas.js';
//   const client = await LightClient.start({ bootstrap, genesis });
//   client.on('block', (b) => console.log(b.height, b.status, b.confidence));
//   client.status();      // snapshot: state, peers, heads, ...
//   await client.stop();
//
// The client is Go compiled to WebAssembly (lightdas.wasm, run by Go's
// wasm_exec.js, both next to this file by default). One Go runtime serves
// every client of the page; it is loaded on the first start. Types:
// lightdas.d.ts.

const here = (name) => new URL(name, import.meta.url).href;

let runtime = null; // Promise of the Go API object, shared by all clients
let readySeq = 0;

async function loadRuntime(wasmURL, wasmExecURL) {
  if (typeof globalThis.Go !== 'function') {
    // wasm_exec.js is a classic script that defines globalThis.Go;
    // importing it runs it.
    await import(wasmExecURL);
    if (typeof globalThis.Go !== 'function') {
      throw new Error(`lightdas: ${wasmExecURL} did not define Go`);
    }
  }
  const go = new globalThis.Go();
  const ready = `__lightdasReady${++readySeq}`;
  const api = new Promise((resolve) => {
    globalThis[ready] = (obj) => {
      delete globalThis[ready];
      resolve(obj);
    };
  });
  go.env = { LIGHTDAS_READY: ready };
  go.argv = ['lightdas'];
  const response = await fetch(wasmURL);
  if (!response.ok) {
    throw new Error(`lightdas: fetching ${wasmURL}: ${response.status} ${response.statusText}`);
  }
  let instance;
  if ((response.headers.get('Content-Type') ?? '').startsWith('application/wasm')) {
    ({ instance } = await WebAssembly.instantiateStreaming(response, go.importObject));
  } else {
    // Served without the application/wasm type: compile from bytes.
    ({ instance } = await WebAssembly.instantiate(await response.arrayBuffer(), go.importObject));
  }
  wasmMemory = instance.exports.mem;
  const exited = go.run(instance).then(() => {
    throw new Error('lightdas: the Go runtime exited');
  });
  return Promise.race([api, exited]);
}

let wasmMemory = null;

/**
 * Bytes of the Go runtime's linear memory (its heap, stacks and data):
 * memory the page holds besides the JS heap; 0 before the first start.
 */
export function wasmMemoryBytes() {
  return wasmMemory?.buffer.byteLength ?? 0;
}

function runtimeFor(opts) {
  if (!runtime) {
    runtime = loadRuntime(opts.wasmURL ?? here('lightdas.wasm'), opts.wasmExecURL ?? here('wasm_exec.js'));
    runtime.catch(() => {
      runtime = null; // let a later start try again
    });
  }
  return runtime;
}

// The options the Go side reads (everything else is this module's).
const goOptions = ['bootstrap', 'genesis', 'checkpoint', 'chainId', 'confidence', 'window', 'maxPeers',
  'storage', 'dbName', 'logLevel', 'statusIntervalMs'];

function chainIdOf(opts) {
  if (opts.chainId) return opts.chainId;
  let g = opts.genesis;
  if (typeof g === 'string') {
    try {
      g = JSON.parse(g);
    } catch {
      return undefined;
    }
  }
  return g?.chain_id;
}

// holdLock takes an exclusive Web Lock named name for as long as the
// returned release function is not called; null when another tab holds
// it (or the API is missing: then nothing is guarded).
async function holdLock(name) {
  if (!globalThis.navigator?.locks) return () => {};
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  const granted = await new Promise((resolve) => {
    navigator.locks
      .request(name, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        return lock ? held : undefined;
      })
      .catch(() => resolve(false));
  });
  return granted ? release : null;
}

/** A running light client (see lightdas.d.ts). */
export class LightClient extends EventTarget {
  #handle;
  #release;
  #stopped = false;
  #listeners = new Map(); // kind -> Set of functions
  #lastStatus = null;

  constructor(handle, release) {
    super();
    this.#handle = handle;
    this.#release = release;
  }

  /**
   * Starts a client; resolves once its stores are open and it is dialling
   * the bootstrap nodes.
   */
  static async start(options = {}) {
    if (!Array.isArray(options.bootstrap) || options.bootstrap.length === 0) {
      throw Object.assign(new Error('lightdas: options.bootstrap must list node addresses'), { name: 'ConfigError' });
    }
    if (!options.genesis && !options.checkpoint) {
      throw Object.assign(new Error('lightdas: options.genesis or options.checkpoint is required'), { name: 'ConfigError' });
    }
    const cfg = {};
    for (const k of goOptions) {
      if (options[k] !== undefined) cfg[k] = options[k];
    }
    // One page (tab) at a time owns a database; another tab gets its own
    // in-memory stores instead of corrupting the shared ones.
    let release = () => {};
    if (cfg.storage !== 'memory') {
      const db = cfg.dbName ?? `lightdas/${chainIdOf(options) ?? 'unknown'}`;
      const r = await holdLock(`lightdas:${db}`);
      if (r) {
        release = r;
      } else {
        console.warn(`lightdas: database ${db} is in use by another tab; keeping progress in memory`);
        cfg.storage = 'memory';
      }
    }
    let client;
    const pending = []; // events that arrive before the constructor returns
    try {
      const api = await runtimeFor(options);
      const handle = await api.start(JSON.stringify(cfg), (batch) => {
        if (client) client.#dispatch(batch);
        else pending.push(batch);
      });
      client = new LightClient(handle, release);
    } catch (err) {
      release();
      throw err;
    }
    for (const batch of pending) client.#dispatch(batch);
    return client;
  }

  #dispatch(batch) {
    for (const ev of batch) {
      const fns = [...(this.#listeners.get(ev.kind) ?? []), ...(this.#listeners.get('*') ?? [])];
      for (const fn of fns) {
        try {
          fn(ev);
        } catch (err) {
          console.error('lightdas: event listener threw', err);
        }
      }
      this.dispatchEvent(new CustomEvent(ev.kind, { detail: ev }));
    }
  }

  /**
   * Calls fn(event) for every event of kind ('*' for all); returns a
   * function that removes it.
   */
  on(kind, fn) {
    if (!this.#listeners.has(kind)) this.#listeners.set(kind, new Set());
    this.#listeners.get(kind).add(fn);
    return () => this.off(kind, fn);
  }

  off(kind, fn) {
    this.#listeners.get(kind)?.delete(fn);
  }

  /** The latest status snapshot (refreshed after events and every second). */
  status() {
    if (!this.#stopped) {
      this.#lastStatus = this.#handle.status() ?? this.#lastStatus;
    }
    return this.#lastStatus ?? { state: this.#stopped ? 'stopped' : 'starting', peers: [], addrs: [] };
  }

  /** Stored verdicts of heights from..to (inclusive), ascending. */
  results(from, to) {
    if (this.#stopped) return Promise.reject(new Error('lightdas: client stopped'));
    return this.#handle.results(from, to);
  }

  /** The verdict of one height (pending when known but not sampled yet). */
  result(height) {
    if (this.#stopped) return Promise.reject(new Error('lightdas: client stopped'));
    return this.#handle.result(height);
  }

  get stopped() {
    return this.#stopped;
  }

  /** Stops the client, closes its connections and its database. */
  async stop() {
    if (this.#stopped) return;
    this.status();
    this.#stopped = true;
    try {
      await this.#handle.stop();
    } finally {
      this.#lastStatus = { ...this.#lastStatus, state: 'stopped' };
      this.#release();
    }
  }
}

export default LightClient;
