/**
 * An in-memory stand-in for what a contract sees of Fabric: the stub (state, composite keys,
 * range iterators shaped like fabric-shim's, transaction id and time, events) and the client
 * identity. Like Fabric, a transaction reads only state committed before it: its writes are
 * buffered and applied when the call returns, and dropped when it throws.
 */
import { createHash, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { Context } from 'fabric-contract-api';
import { RegistryContract } from '../src/registry';
import { decodeErrorEnvelope, formatInstant, GridLedgerError, Reading, readingSignedBytes, SignedReading } from '@gridledger/core';

export interface Identity {
  mspId: string;
  attrs: Record<string, string>;
  /** Full X.509 id as getID() reports it. */
  id: string;
  /** PEM certificate for getCreator(), for fabric-shim's own ClientIdentity. */
  certificate?: Buffer;
}

export function identity(mspId: string, role?: string, glId?: string): Identity {
  const attrs: Record<string, string> = {};
  if (role !== undefined) attrs['gl.role'] = role;
  if (glId !== undefined) attrs['gl.id'] = glId;
  return { mspId, attrs, id: `x509::/CN=${glId ?? 'anonymous'}::/CN=ca.${mspId}` };
}

export interface KV {
  namespace: string;
  key: string;
  value: Uint8Array;
}

type QueryResponse = Promise<unknown> & AsyncIterable<KV>;

/** fabric-shim's shape: a promise of the iterator (or of `{ iterator, metadata }`) that is also async-iterable. */
function queryResponse(entries: KV[], metadata?: { fetchedRecordsCount: number; bookmark: string }): QueryResponse {
  let position = 0;
  const iterator = {
    closed: false,
    async next(): Promise<IteratorResult<KV>> {
      if (position < entries.length) return { value: entries[position++], done: false };
      return { value: undefined, done: true };
    },
    async close(): Promise<void> {
      iterator.closed = true;
    },
  };
  const promise = Promise.resolve(metadata ? { iterator, metadata } : iterator) as QueryResponse;
  (promise as unknown as Record<symbol, unknown>)[Symbol.asyncIterator] = () => ({
    next: () => iterator.next(),
    return: async () => {
      await iterator.close();
      return { value: undefined, done: true };
    },
  });
  return promise;
}

const NS = '\u0000';
const MAX_RUNE = '\u{10ffff}';
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export interface Event {
  name: string;
  payload: unknown;
}

/** One transaction's view: reads from the committed state, writes to a buffer. */
export class FakeTransaction {
  readonly writes = new Map<string, Buffer | null>();
  /** Private writes by `collection\u0001key`; null: a delete. */
  readonly privateWrites = new Map<string, Buffer | null>();
  /** Private keys purged (purgePrivateData), collection\u0001key, in call order. */
  readonly purged: string[] = [];
  readonly reads: string[] = [];
  readonly events: Event[] = [];
  paginated = false;
  args: Buffer[] = [];
  /** The invoked `contract:fn` when a test calls a contract method directly (no args): what respond's agent check reads. */
  fcn = '';
  readonly stub: Record<string, unknown>;
  readonly clientIdentity: Record<string, unknown>;
  readonly validationParameters = new Map<string, Buffer>();

  constructor(
    private readonly committed: ReadonlyMap<string, Buffer>,
    readonly txId: string,
    readonly seconds: number,
    readonly caller: Identity,
    privateState: ReadonlyMap<string, Buffer> = new Map(),
    transient: ReadonlyMap<string, Buffer> = new Map(),
  ) {
    this.stub = {
      getTxID: () => txId,
      getChannelID: () => 'energy',
      getTxTimestamp: () => ({ seconds: { toNumber: () => seconds, toString: () => String(seconds) }, nanos: 0 }),
      getCreator: () => ({ mspid: caller.mspId, idBytes: new Uint8Array(caller.certificate ?? Buffer.alloc(0)) }),
      getBufferArgs: () => this.args,
      getArgs: () => this.args.map((a) => a.toString('utf8')),
      getFunctionAndParameters: () => {
        const [fcn = this.fcn, ...params] = this.args.map((a) => a.toString('utf8'));
        return { fcn, params };
      },
      getState: async (key: string): Promise<Uint8Array> => {
        this.checkKey(key);
        this.reads.push(key);
        return new Uint8Array(committed.get(key) ?? Buffer.alloc(0));
      },
      putState: async (key: string, value: Uint8Array): Promise<void> => {
        this.checkKey(key);
        // Fabric would treat an empty value as a delete: a contract must never write one.
        if (value === undefined || value.length === 0) throw new Error(`empty value written to ${JSON.stringify(key)}`);
        this.writes.set(key, Buffer.from(value));
      },
      deleteState: async (key: string): Promise<void> => {
        this.checkKey(key);
        this.writes.set(key, null);
      },
      createCompositeKey: (objectType: string, attributes: string[]): string => {
        for (const part of [objectType, ...attributes]) {
          if (typeof part !== 'string' || part.includes(NS) || part.includes(MAX_RUNE))
            throw new Error(`bad composite key part ${JSON.stringify(part)}`);
        }
        return NS + objectType + NS + attributes.map((a) => a + NS).join('');
      },
      splitCompositeKey: (key: string): { objectType: string | null; attributes: string[] } => {
        if (!key.startsWith(NS)) return { objectType: null, attributes: [] };
        const parts = key.slice(1).split(NS);
        return { objectType: parts[0], attributes: parts.slice(1, -1) };
      },
      getStateByPartialCompositeKey: (objectType: string, attributes: string[]): QueryResponse => {
        const start = (this.stub.createCompositeKey as (t: string, a: string[]) => string)(objectType, attributes);
        return queryResponse(this.range(start, start + MAX_RUNE));
      },
      getStateByPartialCompositeKeyWithPagination: (
        objectType: string,
        attributes: string[],
        pageSize: number,
        bookmark?: string,
      ): QueryResponse => {
        this.paginated = true;
        const prefix = (this.stub.createCompositeKey as (t: string, a: string[]) => string)(objectType, attributes);
        // As the peer does: a non-empty bookmark replaces the start key.
        const all = this.range(bookmark ? bookmark : prefix, prefix + MAX_RUNE);
        const page = all.slice(0, pageSize);
        return queryResponse(page, { fetchedRecordsCount: page.length, bookmark: all[pageSize]?.key ?? '' });
      },
      getTransient: () => new Map(transient),
      putPrivateData: async (collection: string, key: string, value: Uint8Array): Promise<void> => {
        this.checkKey(key);
        this.privateWrites.set(`${collection}\u0001${key}`, Buffer.from(value));
      },
      deletePrivateData: async (collection: string, key: string): Promise<void> => {
        this.checkKey(key);
        this.privateWrites.set(`${collection}\u0001${key}`, null);
      },
      // A purge is a delete here: the fake keeps no private data store of past versions.
      purgePrivateData: async (collection: string, key: string): Promise<void> => {
        this.checkKey(key);
        this.privateWrites.set(`${collection}\u0001${key}`, null);
        this.purged.push(`${collection}\u0001${key}`);
      },
      getPrivateData: async (collection: string, key: string): Promise<Uint8Array> => {
        // As on a peer of the collection's members: the test's identity decides nothing here.
        return new Uint8Array(privateState.get(`${collection}\u0001${key}`) ?? Buffer.alloc(0));
      },
      getPrivateDataHash: async (collection: string, key: string): Promise<Uint8Array> => {
        const value = privateState.get(`${collection}\u0001${key}`);
        return value === undefined ? new Uint8Array(0) : new Uint8Array(createHash('sha256').update(value).digest());
      },
      // The platform's peers keep no history database (network/src/fabric.ts): a read of it fails there.
      getHistoryForKey: (): never => {
        throw new Error('history database not enabled');
      },
      getStateByRange: (): never => {
        throw new Error('not used by the contracts');
      },
      /** Key-level endorsement policies are kept per transaction, for tests to read (the peers enforce them). */
      setStateValidationParameter: async (key: string, policy: Uint8Array): Promise<void> => {
        this.checkKey(key);
        this.validationParameters.set(key, Buffer.from(policy));
      },
      setEvent: (name: string, payload: Uint8Array): void => {
        if (typeof name !== 'string' || name === '') throw new Error('event name must not be empty');
        this.events.push({ name, payload: JSON.parse(Buffer.from(payload).toString('utf8')) });
      },
    };
    this.clientIdentity = {
      getMSPID: () => caller.mspId,
      getID: () => caller.id,
      getAttributeValue: (name: string) => caller.attrs[name] ?? null,
      assertAttributeValue: (name: string, value: string) => caller.attrs[name] === value,
    };
  }

  private checkKey(key: string): void {
    if (typeof key !== 'string' || key === '') throw new Error('key must be a non-empty string');
  }

  private range(start: string, end: string): KV[] {
    const keys = [...this.committed.keys()].filter((k) => byteOrder(k, start) >= 0 && byteOrder(k, end) < 0).sort(byteOrder);
    this.reads.push(`range ${JSON.stringify(start)}..${JSON.stringify(end)}`);
    return keys.map((key) => ({ namespace: 'gridledger', key, value: new Uint8Array(this.committed.get(key)!) }));
  }

  /** What the contract logged through ctx.logging. */
  readonly logged: string[] = [];

  /** The transaction context, as fabric-contract-api builds it for each call. */
  get ctx(): Context {
    const logged = this.logged;
    return {
      stub: this.stub,
      clientIdentity: this.clientIdentity,
      logging: { setLevel: () => undefined, getLogger: () => ({ error: (m: string) => logged.push(m) }) },
    } as unknown as Context;
  }
}

export interface TxOutcome {
  ok: boolean;
  txId: string;
  /** The returned text and its JSON, when the call succeeded. */
  text?: string;
  result?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** The thrown message and the envelope decoded from it, when it failed. */
  message?: string;
  error?: GridLedgerError;
  events: Event[];
  writes: Map<string, Buffer | null>;
  reads: string[];
}

/** A ledger of committed state and the transactions run against it, one at a time. */
export class FakeFabric {
  readonly state = new Map<string, Buffer>();
  /** Private data by `collection\u0001key`, as a member's peer holds it. */
  readonly privateState = new Map<string, Buffer>();
  /** Every private key a committed transaction purged (collection\u0001key), in commit order. */
  readonly purgedKeys: string[] = [];
  /** Transient data the next transactions are proposed with. */
  transient = new Map<string, Buffer>();
  /** Every committed transaction's events, in commit order. */
  readonly events: { txId: string; name: string; payload: unknown }[] = [];
  /** Transaction time in epoch seconds; tests move it. */
  now = Date.parse('2026-11-22T00:00:00Z') / 1000;
  private counter = 0;

  begin(caller: Identity, txId?: string): FakeTransaction {
    this.counter += 1;
    return new FakeTransaction(
      this.state,
      txId ?? `tx${String(this.counter).padStart(6, '0')}`,
      this.now,
      caller,
      this.privateState,
      this.transient,
    );
  }

  /** Runs one contract call as a transaction; with `submit` its writes and event are committed. */
  async run(caller: Identity, call: (ctx: Context) => Promise<string>, submit = true, txId?: string, fcn = ''): Promise<TxOutcome> {
    const tx = this.begin(caller, txId);
    tx.fcn = fcn;
    const base = { txId: tx.txId, events: tx.events, writes: tx.writes, reads: tx.reads };
    let text: string;
    try {
      text = await call(tx.ctx);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      return { ...base, ok: false, message, error: decodeErrorEnvelope(message) };
    }
    if (submit) this.commit(tx);
    return { ...base, ok: true, text, result: JSON.parse(text) };
  }

  evaluate(caller: Identity, call: (ctx: Context) => Promise<string>, fcn = ''): Promise<TxOutcome> {
    return this.run(caller, call, false, undefined, fcn);
  }

  commit(tx: FakeTransaction): void {
    if (tx.paginated && tx.writes.size > 0) throw new Error('paginated queries are allowed in read-only transactions only');
    // Fabric keeps one event per transaction: the last one set.
    if (tx.events.length > 1) throw new Error(`transaction ${tx.txId} set ${tx.events.length} events; Fabric keeps only the last`);
    for (const [key, value] of [...tx.writes.entries()].sort(([a], [b]) => byteOrder(a, b))) {
      if (value === null) this.state.delete(key);
      else this.state.set(key, value);
    }
    for (const [k, v] of tx.privateWrites) {
      if (v === null) this.privateState.delete(k);
      else this.privateState.set(k, v);
    }
    this.purgedKeys.push(...tx.purged);
    for (const e of tx.events) this.events.push({ txId: tx.txId, ...e });
  }

  /** The committed state as JSON values by key, for comparing ledgers. */
  dump(filter: (key: string) => boolean = () => true): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of [...this.state.keys()].sort(byteOrder)) if (filter(key)) out[key] = JSON.parse(this.state.get(key)!.toString('utf8'));
    return out;
  }
}

// ---- meters and readings -------------------------------------------------------------------------

export interface MeterKeys {
  privateKey: KeyObject;
  publicKeyPem: string;
}

export function meterKeys(): MeterKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** The registration of a bidirectional meter of community c1 with a 5 kW export capacity. */
export const homeMeterRequest = (meterId: string, participantId: string, publicKeyPem: string) => ({
  meterId,
  participantId,
  kind: 'bidirectional',
  publicKeyPem,
  exportCapacityW: 5000,
  communityId: 'c1',
});

/** Registers prosumer `participantId` with one bidirectional meter of community c1 keyed by `keys`, as `operator`; throws if refused. */
export async function registerHomeMeter(
  fabric: FakeFabric,
  operator: Identity,
  keys: MeterKeys,
  meterId = 'm1',
  participantId = 'home-01',
): Promise<void> {
  const registry = new RegistryContract();
  await fabric.run(operator, (ctx) => registry.registerParticipant(ctx, JSON.stringify({ participantId, role: 'prosumer' })));
  const registered = await fabric.run(operator, (ctx) =>
    registry.registerMeter(ctx, JSON.stringify(homeMeterRequest(meterId, participantId, keys.publicKeyPem))),
  );
  if (!registered.ok) throw new Error(`meter ${meterId} not registered: ${registered.message}`);
}

export function signReading(reading: Reading, key: KeyObject): SignedReading {
  return { ...reading, sig: sign('sha256', readingSignedBytes(reading), { key, dsaEncoding: 'der' }).toString('base64') };
}

/** A meter's true readings from `startSeconds`, one per interval, registers consistent. */
export function readingsOf(
  meterId: string,
  startSeconds: number,
  values: { importWh: number; exportWh: number }[],
  seq0 = 1,
  intervalSeconds = 900,
): Reading[] {
  let importRegisterWh = 1_000_000;
  let exportRegisterWh = 2_000_000;
  return values.map((v, k) => {
    importRegisterWh += v.importWh;
    exportRegisterWh += v.exportWh;
    return {
      meterId,
      intervalStart: formatInstant(startSeconds + k * intervalSeconds),
      seq: seq0 + k,
      ...v,
      importRegisterWh,
      exportRegisterWh,
    };
  });
}

// ---- transient data ----------------------------------------------------------------------------

/** The transaction's context with more transient fields, as a client adds them to its proposal. */
export function withTransient(ctx: Context, fields: Record<string, string | Uint8Array>): Context {
  const base = ctx.stub.getTransient.bind(ctx.stub);
  const added = Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v)] as const);
  (ctx.stub as { getTransient: () => Map<string, Uint8Array> }).getTransient = () => new Map([...base(), ...added]);
  return ctx;
}

/** metering:submitReadings as the bridge calls it: the batch in the transient field `readings`, the argument empty. */
export function submitVia(
  metering: { submitReadings(ctx: Context, batch: string): Promise<string> },
  ctx: Context,
  batch: string,
): Promise<string> {
  return metering.submitReadings(withTransient(ctx, { readings: batch }), '');
}

/** A salt seed as the gateway sends it with a window close or a dispute resolution. */
export const SEED = { consumptionSaltSeed: Buffer.alloc(32, 7) };

/** The context as a peer outside the collection runs it: a key whose hash it holds has no value there (Fabric's error). */
export function onPeerOutsideCollection(ctx: Context): Context {
  (ctx.stub as { getPrivateData: (c: string, k: string) => Promise<Uint8Array> }).getPrivateData = async () => {
    throw new Error(
      'private data matching public hash version is not available. Public hash version = {BlockNum: 7, TxNum: 0}, Private data version ' +
        '= <nil>',
    );
  };
  return ctx;
}
