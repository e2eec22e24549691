// Type declarations of lightdas.js. Field names of events, results and the
// status are those of the Go client's JSON (snake_case), the same as the
// node's HTTP API and event stream.

/** Options of LightClient.start. */
export interface StartOptions {
  /**
   * Full multiaddrs of full nodes. A browser dials only WebRTC-direct
   * ones (`/ip4/.../udp/.../webrtc-direct/certhash/.../p2p/...`); others
   * are skipped.
   */
  bootstrap: string[];
  /** The chain's genesis file, as an object or its JSON text. */
  genesis?: object | string;
  /**
   * A trusted header to start from instead of the genesis:
   * `{height, hash}` or `"height:hash"` (hash in hex). Needs `chainId`
   * when no genesis is given.
   */
  checkpoint?: { height: number; hash: string } | string;
  chainId?: string;
  /** Target confidence per block, in (0, 1). Default 0.9999. */
  confidence?: number;
  /** Heights below the head sampled when catching up. Default 100. */
  window?: number;
  /** Connections made to peers found by peer exchange. Default 8. */
  maxPeers?: number;
  /**
   * Where progress persists: "auto" (IndexedDB when available, the
   * default), "indexeddb" (fail without it) or "memory".
   */
  storage?: 'auto' | 'indexeddb' | 'memory';
  /** IndexedDB database name. Default "lightdas/<chain id>". */
  dbName?: string;
  /** Console log level of the Go side. Default "warn". */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How often status() is refreshed besides after events. Default 1000. */
  statusIntervalMs?: number;
  /** Where lightdas.wasm and wasm_exec.js are; default next to lightdas.js. */
  wasmURL?: string;
  wasmExecURL?: string;
}

export type ClientState = 'starting' | 'connecting' | 'syncing' | 'following' | 'halted' | 'stopped';
export type BlockStatus = 'available' | 'unavailable' | 'invalid' | 'pending';

/** A cell of the extended 2k x 128 grid. */
export interface Cell {
  row: number;
  col: number;
  /** In BlockResult.cells: the cell's final outcome. */
  outcome?: 'verified' | 'invalid' | 'missing';
}

/** The verdict of one height. */
export interface BlockResult {
  height: number;
  hash?: string;
  /** Original rows; the grid has 2k rows and 128 columns. */
  k?: number;
  status: BlockStatus;
  /** Confidence reached (0 unless available). */
  confidence: number;
  samples: number;
  verified: number;
  missing?: Cell[];
  peers: number;
  requests: number;
  attempt: number;
  /** The sampled cells with their outcome. */
  cells?: Cell[];
  received_at?: string;
  started_at?: string;
  duration_ms: number;
  verify_ms: number;
  latency_ms: number;
  error?: string;
}

export interface StateEvent { kind: 'state'; state: ClientState; peers: number; error?: string }
export interface HeaderEvent { kind: 'header'; height: number; hash: string; k: number; time: string; received_at: string }
/** Sampling of a block began: its cells are pending. */
export interface SamplingEvent { kind: 'sampling'; height: number; hash: string; k: number; attempt: number; cells: Cell[]; started_at: string }
/** One peer's answer for one cell; "not found" and "failed" cells are asked elsewhere. */
export interface CellEvent {
  kind: 'cell';
  height: number;
  row: number;
  col: number;
  peer: string;
  outcome: 'verified' | 'not found' | 'invalid' | 'failed';
  error?: string;
  /** Since the block's sampling began. */
  elapsed_ms: number;
}
export interface BlockEvent extends BlockResult { kind: 'block' }
export interface PeerEvent { kind: 'peer_connected' | 'peer_disconnected'; peer: string; addr?: string; connected: boolean }
export interface PeerPenalisedEvent {
  kind: 'peer_penalised';
  peer: string;
  height?: number;
  reason: string;
  penalty: number;
  score: number;
  banned_until?: string;
}
export interface ErrorEvent {
  kind: 'error';
  source: 'dial' | 'pex' | 'sync' | 'sampler' | 'store';
  message: string;
  addr?: string;
  peer?: string;
  retry_in_ms?: number;
  /** Part of the client stopped (e.g. header sync halted on evidence of an attack). */
  fatal?: boolean;
}

export type LightEvent =
  | StateEvent
  | HeaderEvent
  | SamplingEvent
  | CellEvent
  | BlockEvent
  | PeerEvent
  | PeerPenalisedEvent
  | ErrorEvent;

export type EventKind = LightEvent['kind'];
export type EventOf<K extends EventKind> = Extract<LightEvent, { kind: K }>;

export interface PeerStatus {
  id: string;
  addr?: string;
  score: number;
  verified: number;
  failures: number;
  banned_until?: string;
}

export interface AddrStatus {
  addr: string;
  peer: string;
  bootstrap: boolean;
  failures: number;
  next_dial?: string;
  dialing: boolean;
  last_error?: string;
}

export interface Status {
  chain_id: string;
  peer_id: string;
  state: ClientState;
  peers: PeerStatus[];
  addrs: AddrStatus[];
  network_head: number;
  header_head: number;
  sampled_head: number;
  done_up_to: number;
  catch_up_from: number;
  pending: number;
  in_flight: number[];
  failures: number[];
  available: number;
  unavailable: number;
  invalid: number;
  target_confidence: number;
  window: number;
  started_at: string;
  error?: string;
  storage: 'indexeddb' | 'memory';
  dropped_events: number;
}

/**
 * A running light client. Events also arrive as DOM events: a CustomEvent
 * named after the kind with the event object as `detail`.
 */
export declare class LightClient extends EventTarget {
  /** Loads the wasm runtime (once per page) and starts a client. */
  static start(options: StartOptions): Promise<LightClient>;
  /** Calls fn for every event of kind ('*': all); returns a remover. */
  on<K extends EventKind>(kind: K, fn: (event: EventOf<K>) => void): () => void;
  on(kind: '*', fn: (event: LightEvent) => void): () => void;
  off(kind: EventKind | '*', fn: (event: any) => void): void;
  /** The latest snapshot; cheap, never blocks. */
  status(): Status;
  results(from: number, to: number): Promise<BlockResult[]>;
  result(height: number): Promise<BlockResult>;
  readonly stopped: boolean;
  stop(): Promise<void>;
}

/**
 * Bytes of the Go runtime's linear memory (heap, stacks, data): what the
 * page holds besides the JS heap; 0 before the first start.
 */
export declare function wasmMemoryBytes(): number;

export default LightClient;
