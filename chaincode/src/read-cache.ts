/**
 * A transaction's reads, remembered: a context whose stub answers getState and
 * getStateByPartialCompositeKey from what the transaction read before (or fetched ahead in one
 * GET_STATE_MULTIPLE message with `prefetch`), for transactions that read the same keys many times
 * (a batch of issuances reads each hour's windows and each producer's token moves once per item).
 * Exact in Fabric: a transaction never reads its own writes, so a key's value cannot change while
 * it runs. Every other stub call goes to the stub itself (writes, events, the write batch).
 */
import { Context } from 'fabric-contract-api';
import { getStates } from './state-batch';

interface Entry {
  key: string;
  value: Uint8Array;
}

export interface ReadCache {
  /** The context to run the transaction's reads with. */
  ctx: Context;
  /** Reads the keys not read yet, in one round trip per 1,000 keys. */
  prefetch(keys: readonly string[]): Promise<void>;
}

export function readCache(ctx: Context): ReadCache {
  const stub = ctx.stub;
  const values = new Map<string, Promise<Uint8Array>>();
  const ranges = new Map<string, Promise<Entry[]>>();
  const getState = (key: string): Promise<Uint8Array> => {
    let value = values.get(key);
    if (value === undefined) values.set(key, (value = stub.getState(key)));
    return value;
  };
  const getStateByPartialCompositeKey = (objectType: string, attributes: string[]) => {
    const id = [objectType, ...attributes].join('\u0000');
    let entries = ranges.get(id);
    if (entries === undefined) {
      entries = (async () => {
        const out: Entry[] = [];
        for await (const e of stub.getStateByPartialCompositeKey(objectType, attributes)) out.push({ key: e.key, value: e.value });
        return out;
      })();
      ranges.set(id, entries);
    }
    const read = entries;
    return {
      async *[Symbol.asyncIterator]() {
        yield* await read;
      },
    };
  };
  const cached = new Proxy(stub, {
    get(target, prop) {
      if (prop === 'getState') return getState;
      if (prop === 'getStateByPartialCompositeKey') return getStateByPartialCompositeKey;
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return {
    ctx: Object.assign(Object.create(Object.getPrototypeOf(ctx) as object) as Context, ctx, { stub: cached }),
    async prefetch(keys) {
      const wanted = [...new Set(keys)].filter((k) => !values.has(k));
      const fetched = await getStates(ctx, wanted);
      wanted.forEach((k, i) => values.set(k, Promise.resolve(fetched[i] ?? new Uint8Array(0))));
    },
  };
}
