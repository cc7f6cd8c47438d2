/**
 * Batched state access from Node chaincode: Fabric 3.x peers accept a transaction's writes in one
 * `WRITE_BATCH_STATE` message and several keys in one `GET_STATE_MULTIPLE` message (peer
 * core/chaincode/handler.go dispatches both whatever `chaincode.runtimeParams` says; those only
 * tell a shim that it may use them). fabric-shim 2.5.8, the newest on npm, sends one message per
 * getState/putState and knows neither type (its protos are 0.2.2). Both messages go here over the
 * shim's own stream and request queue (`handler._askPeerAndListen`, the path every stub call
 * takes), with their payloads encoded by hand (five fields, below), so no second protobuf package
 * is needed.
 *
 * - `getStates(ctx, keys, collection?)`: the values in key order (undefined when absent), in one
 *   round trip per MAX_KEYS keys. The peer records each key in the read set as getState does.
 * - `withWriteBatch(ctx, body)`: the stub's putState/deleteState/putPrivateData/deletePrivateData/
 *   purgePrivateData are buffered while `body` runs (last write of a key wins, as in the simulator) and sent in
 *   one message when it returns; nothing is sent when it throws (the transaction fails anyway).
 *   A transaction cannot read its own writes in Fabric, so deferring them changes no read.
 *
 * Without the shim's handler (unit tests' fake stub) or with GRIDLEDGER_STATE_BATCH=0 in the
 * chaincode server's environment, both fall back to one stub call per key.
 */
import { Context } from 'fabric-contract-api';

/** ChaincodeMessage types (fabric-protos peer/chaincode_shim.proto). */
export const WRITE_BATCH_STATE = 24;
export const GET_STATE_MULTIPLE = 25;
/** WriteRecord.Type */
const PUT_STATE = 9;
const DEL_STATE = 10;
const PURGE_PRIVATE_DATA = 23;
/** Keys or records per message: the peer's default maxSizeGetMultipleKeys and maxSizeWriteBatch. */
export const MAX_KEYS = 1000;

// ---- protobuf, the few fields needed ----

function varint(out: number[], value: number): void {
  let v = value;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** Length-delimited field `field` holding `bytes`. */
function lengthDelimited(parts: Buffer[], field: number, bytes: Uint8Array): void {
  const head: number[] = [];
  varint(head, (field << 3) | 2);
  varint(head, bytes.length);
  parts.push(Buffer.from(head), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

export interface WriteOp {
  collection: string;
  key: string;
  /** undefined: delete. */
  value: Uint8Array | undefined;
  /** A delete that also purges the key's past versions from the members' private data store (private data only). */
  purge?: true;
}

/**
 * WriteBatchState { repeated WriteRecord rec = 1 }, WriteRecord { key = 1, value = 2, collection = 3, type = 5 }:
 * type 9 put, 10 delete, 23 purge.
 */
export function encodeWriteBatch(ops: readonly WriteOp[]): Buffer {
  const parts: Buffer[] = [];
  for (const op of ops) {
    const rec: Buffer[] = [];
    lengthDelimited(rec, 1, Buffer.from(op.key, 'utf8'));
    if (op.value !== undefined && op.value.length > 0) lengthDelimited(rec, 2, op.value);
    if (op.collection !== '') lengthDelimited(rec, 3, Buffer.from(op.collection, 'utf8'));
    const type: number[] = [];
    varint(type, (5 << 3) | 0);
    varint(type, op.value !== undefined ? PUT_STATE : op.purge ? PURGE_PRIVATE_DATA : DEL_STATE);
    rec.push(Buffer.from(type));
    lengthDelimited(parts, 1, Buffer.concat(rec));
  }
  return Buffer.concat(parts);
}

/** GetStateMultiple { repeated string keys = 1; string collection = 2 }. */
export function encodeGetStateMultiple(keys: readonly string[], collection: string): Buffer {
  const parts: Buffer[] = [];
  for (const key of keys) lengthDelimited(parts, 1, Buffer.from(key, 'utf8'));
  if (collection !== '') lengthDelimited(parts, 2, Buffer.from(collection, 'utf8'));
  return Buffer.concat(parts);
}

/** GetStateMultipleResult { repeated bytes values = 1 }: the values in order (empty for a missing key). */
export function decodeGetStateMultipleResult(bytes: Uint8Array): Buffer[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const values: Buffer[] = [];
  let i = 0;
  const read = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (i >= buf.length) throw new Error('truncated GetStateMultipleResult');
      const b = buf[i++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 128;
    }
  };
  while (i < buf.length) {
    const tag = read();
    if (tag !== ((1 << 3) | 2)) throw new Error(`unexpected field tag ${tag} in GetStateMultipleResult`);
    const length = read();
    if (i + length > buf.length) throw new Error('truncated GetStateMultipleResult');
    values.push(buf.subarray(i, i + length));
    i += length;
  }
  return values;
}

// ---- transport: the shim's handler ----

interface ShimMessage {
  setType(type: number): void;
  setPayload(payload: Uint8Array): void;
  setTxid(txId: string): void;
  setChannelId(channelId: string): void;
}

interface ShimHandler {
  _askPeerAndListen(msg: ShimMessage, method: string): Promise<Buffer>;
}

interface ShimStub {
  handler?: ShimHandler;
  channel_id?: string;
  txId?: string;
}

let messageClass: (new () => ShimMessage) | null | undefined;

/** fabric-shim's own ChaincodeMessage class (the one its stream serialises), or null when not found. */
function chaincodeMessageClass(): (new () => ShimMessage) | null {
  if (messageClass === undefined) {
    try {
      // The protos package fabric-shim itself resolves, whatever version sits at the top level.
      const shimDir = require.resolve('fabric-shim/package.json').replace(/package\.json$/, '');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const protos = require(require.resolve('@hyperledger/fabric-protos', { paths: [shimDir] })) as {
        peer: { ChaincodeMessage: new () => ShimMessage };
      };
      messageClass = protos.peer.ChaincodeMessage;
    } catch {
      messageClass = null;
    }
  }
  return messageClass;
}

export type Transport = (type: number, payload: Uint8Array, method: string) => Promise<Buffer>;

/** A function that sends one message of the transaction to the peer and returns the response payload; undefined when batching is
 * unavailable or off. */
export function transportOf(ctx: Context): Transport | undefined {
  if (process.env.GRIDLEDGER_STATE_BATCH === '0') return undefined;
  const stub = ctx.stub as unknown as ShimStub;
  const handler = stub.handler;
  if (handler === undefined || typeof handler._askPeerAndListen !== 'function' || typeof stub.txId !== 'string') return undefined;
  const Message = chaincodeMessageClass();
  if (Message === null) return undefined;
  return (type, payload, method) => {
    const msg = new Message();
    msg.setType(type);
    msg.setPayload(payload);
    msg.setTxid(stub.txId!);
    msg.setChannelId(stub.channel_id ?? '');
    return handler._askPeerAndListen(msg, method);
  };
}

const absent = (value: Uint8Array | undefined | null): boolean => value === undefined || value === null || value.length === 0;

/**
 * The values of `keys` (public state, or the private collection `collection`), in order;
 * undefined for a key without a value. One round trip per MAX_KEYS keys on a real peer.
 */
export async function getStates(
  ctx: Context,
  keys: readonly string[],
  collection = '',
  transport = transportOf(ctx),
): Promise<(Buffer | undefined)[]> {
  const out: (Buffer | undefined)[] = [];
  if (transport === undefined) {
    for (const key of keys) {
      const value = collection === '' ? await ctx.stub.getState(key) : await ctx.stub.getPrivateData(collection, key);
      out.push(absent(value) ? undefined : Buffer.from(value));
    }
    return out;
  }
  for (let start = 0; start < keys.length; start += MAX_KEYS) {
    const chunk = keys.slice(start, start + MAX_KEYS);
    const values = decodeGetStateMultipleResult(
      await transport(GET_STATE_MULTIPLE, encodeGetStateMultiple(chunk, collection), 'GetStateMultiple'),
    );
    if (values.length !== chunk.length) throw new Error(`GET_STATE_MULTIPLE answered ${values.length} values for ${chunk.length} keys`);
    for (const value of values) out.push(absent(value) ? undefined : value);
  }
  return out;
}

type Writer = Pick<Context['stub'], 'putState' | 'deleteState' | 'putPrivateData' | 'deletePrivateData' | 'purgePrivateData'>;

/**
 * Runs `body` with the stub's writes buffered and sends them in one WRITE_BATCH_STATE message
 * (per MAX_KEYS records) after it returns. Without a transport, `body` runs with the stub as is.
 */
export async function withWriteBatch<T>(ctx: Context, body: () => Promise<T>, transport = transportOf(ctx)): Promise<T> {
  if (transport === undefined) return body();
  const stub = ctx.stub as unknown as Writer;
  const saved: Writer = {
    putState: stub.putState,
    deleteState: stub.deleteState,
    putPrivateData: stub.putPrivateData,
    deletePrivateData: stub.deletePrivateData,
    purgePrivateData: stub.purgePrivateData,
  };
  const ops = new Map<string, WriteOp>();
  const checkKey = (key: unknown) => {
    if (typeof key !== 'string' || key === '') throw new Error('key must be a non-empty string');
  };
  const checkCollection = (collection: unknown) => {
    if (typeof collection !== 'string' || collection === '') throw new Error('collection must be a valid string');
  };
  const set = (collection: string, key: string, value: Uint8Array | undefined, purge = false) => {
    const id = `${collection}\u0000${key}`;
    ops.delete(id); // a later write of the key goes last, as it would have reached the peer last
    ops.set(id, {
      collection,
      key,
      value: value === undefined ? undefined : Buffer.from(value),
      ...(purge ? { purge: true as const } : {}),
    });
  };
  stub.putState = async (key: string, value: Uint8Array) => {
    checkKey(key);
    set('', key, typeof value === 'string' ? Buffer.from(value) : value);
  };
  stub.deleteState = async (key: string) => {
    checkKey(key);
    set('', key, undefined);
  };
  stub.putPrivateData = async (collection: string, key: string, value: Uint8Array) => {
    checkCollection(collection);
    checkKey(key);
    if (!value) throw new Error('value must be valid');
    set(collection, key, typeof value === 'string' ? Buffer.from(value) : value);
  };
  stub.deletePrivateData = async (collection: string, key: string) => {
    checkCollection(collection);
    checkKey(key);
    set(collection, key, undefined);
  };
  stub.purgePrivateData = async (collection: string, key: string) => {
    checkCollection(collection);
    checkKey(key);
    set(collection, key, undefined, true);
  };
  let result: T;
  try {
    result = await body();
  } finally {
    Object.assign(stub, saved);
  }
  const all = [...ops.values()];
  for (let start = 0; start < all.length; start += MAX_KEYS) {
    await transport(WRITE_BATCH_STATE, encodeWriteBatch(all.slice(start, start + MAX_KEYS)), 'WriteBatchState');
  }
  return result;
}
