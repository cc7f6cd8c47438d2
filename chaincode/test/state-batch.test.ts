import { Context } from 'fabric-contract-api';
// The generated protos of Fabric 3.x (fabric-gateway's), to check the hand-written encoding against.
import { peer } from '@hyperledger/fabric-protos';
import {
  decodeGetStateMultipleResult,
  encodeGetStateMultiple,
  encodeWriteBatch,
  GET_STATE_MULTIPLE,
  getStates,
  MAX_KEYS,
  transportOf,
  withWriteBatch,
  WRITE_BATCH_STATE,
} from '../src/state-batch';
import { FakeTransaction, identity } from './fake-fabric';

interface SentMessage {
  getType(): number;
  getPayload_asU8(): Uint8Array;
  getTxid(): string;
  getChannelId(): string;
}

/** A peer behind the shim's handler: answers GET_STATE_MULTIPLE from `state`, applies WRITE_BATCH_STATE to it. */
class FakePeer {
  readonly state = new Map<string, Buffer>();
  readonly messages: { type: number; txId: string; channelId: string; method: string }[] = [];
  readonly purged: string[] = [];

  handler = {
    _askPeerAndListen: async (msg: SentMessage, method: string): Promise<Buffer> => {
      this.messages.push({ type: msg.getType(), txId: msg.getTxid(), channelId: msg.getChannelId(), method });
      const payload = msg.getPayload_asU8();
      if (msg.getType() === GET_STATE_MULTIPLE) {
        const request = peer.GetStateMultiple.deserializeBinary(payload);
        const result = new peer.GetStateMultipleResult();
        result.setValuesList(request.getKeysList().map((k) => this.state.get(`${request.getCollection()}|${k}`) ?? new Uint8Array(0)));
        return Buffer.from(result.serializeBinary());
      }
      if (msg.getType() === WRITE_BATCH_STATE) {
        for (const rec of peer.WriteBatchState.deserializeBinary(payload).getRecList()) {
          const id = `${rec.getCollection()}|${rec.getKey()}`;
          if (rec.getType() === peer.WriteRecord.Type.PUT_STATE) this.state.set(id, Buffer.from(rec.getValue_asU8()));
          else if (rec.getType() === peer.WriteRecord.Type.DEL_STATE) this.state.delete(id);
          else if (rec.getType() === peer.WriteRecord.Type.PURGE_PRIVATE_DATA) {
            this.state.delete(id);
            this.purged.push(id);
          } else throw new Error(`unexpected record type ${rec.getType()}`);
        }
        return Buffer.alloc(0);
      }
      throw new Error(`unexpected message type ${msg.getType()}`);
    },
  };

  /** A context whose stub carries the handler, as fabric-shim's ChaincodeStub does. */
  ctx(txId = 'tx1'): Context {
    const tx = new FakeTransaction(new Map(), txId, 0, identity('CommunityMSP', 'operator', 'op'));
    Object.assign(tx.stub, { handler: this.handler, txId, channel_id: 'energy' });
    return tx.ctx;
  }
}

describe('state-batch encoding', () => {
  it('writes WriteBatchState as the Fabric protos read it', () => {
    const bytes = encodeWriteBatch([
      { collection: '', key: '\u0000reading\u0000m1\u0000', value: Buffer.from('{"a":1}') },
      { collection: 'householdConsumption', key: 'k2', value: Buffer.from([0, 1, 2, 255]) },
      { collection: '', key: 'gone', value: undefined },
      { collection: 'householdConsumption', key: 'chunk', value: undefined, purge: true },
    ]);
    const recs = peer.WriteBatchState.deserializeBinary(bytes).getRecList();
    expect(recs.map((r) => [r.getKey(), Buffer.from(r.getValue_asU8()).toString('hex'), r.getCollection(), r.getType()])).toEqual([
      ['\u0000reading\u0000m1\u0000', Buffer.from('{"a":1}').toString('hex'), '', peer.WriteRecord.Type.PUT_STATE],
      ['k2', '000102ff', 'householdConsumption', peer.WriteRecord.Type.PUT_STATE],
      ['gone', '', '', peer.WriteRecord.Type.DEL_STATE],
      ['chunk', '', 'householdConsumption', peer.WriteRecord.Type.PURGE_PRIVATE_DATA],
    ]);
  });

  it('writes GetStateMultiple and reads GetStateMultipleResult as the Fabric protos do, long values and empty ones included', () => {
    const keys = ['a', 'ü'.repeat(200), ''];
    const request = peer.GetStateMultiple.deserializeBinary(encodeGetStateMultiple(keys, 'c'));
    expect(request.getKeysList()).toEqual(keys);
    expect(request.getCollection()).toBe('c');
    expect(peer.GetStateMultiple.deserializeBinary(encodeGetStateMultiple(['x'], '')).getCollection()).toBe('');
    const values = [Buffer.alloc(70_000, 7), Buffer.alloc(0), Buffer.from('v')];
    const result = new peer.GetStateMultipleResult();
    result.setValuesList(values);
    expect(decodeGetStateMultipleResult(result.serializeBinary())).toEqual(values);
    expect(() => decodeGetStateMultipleResult(Buffer.from([0x0a, 0x05, 1]))).toThrow(/truncated/);
    expect(() => decodeGetStateMultipleResult(Buffer.from([0x10, 0x01]))).toThrow(/tag/);
  });
});

describe('getStates and withWriteBatch on a peer', () => {
  it('reads many keys in one message per MAX_KEYS, in order, absent keys undefined', async () => {
    const fake = new FakePeer();
    fake.state.set('|k1', Buffer.from('one'));
    fake.state.set('coll|k1', Buffer.from('private'));
    const ctx = fake.ctx();
    expect(await getStates(ctx, ['k0', 'k1'])).toEqual([undefined, Buffer.from('one')]);
    expect(await getStates(ctx, ['k1'], 'coll')).toEqual([Buffer.from('private')]);
    expect(await getStates(ctx, [])).toEqual([]);
    expect(fake.messages).toEqual([
      { type: GET_STATE_MULTIPLE, txId: 'tx1', channelId: 'energy', method: 'GetStateMultiple' },
      { type: GET_STATE_MULTIPLE, txId: 'tx1', channelId: 'energy', method: 'GetStateMultiple' },
    ]);
    fake.messages.length = 0;
    const many = Array.from({ length: MAX_KEYS * 2 + 1 }, (_, i) => `k${i}`);
    const values = await getStates(ctx, many);
    expect(values).toHaveLength(many.length);
    expect(values.filter((v) => v !== undefined)).toEqual([Buffer.from('one')]);
    expect(values[1]).toEqual(Buffer.from('one'));
    expect(fake.messages).toHaveLength(3);
  });

  it('sends the writes of a block in one message after it returns, the last write of a key winning', async () => {
    const fake = new FakePeer();
    fake.state.set('|old', Buffer.from('x'));
    const ctx = fake.ctx();
    const answer = await withWriteBatch(ctx, async () => {
      await ctx.stub.putState('a', Buffer.from('1'));
      await ctx.stub.putState('b', Buffer.from('2'));
      await ctx.stub.putPrivateData('coll', 'a', Buffer.from('p'));
      await ctx.stub.purgePrivateData('coll', 'old');
      await ctx.stub.deleteState('old');
      await ctx.stub.putState('a', Buffer.from('3'));
      await ctx.stub.putState('tmp', Buffer.from('t'));
      await ctx.stub.deleteState('tmp');
      expect(fake.messages).toEqual([]); // nothing sent while the block runs
      return 42;
    });
    expect(answer).toBe(42);
    expect(fake.messages.map((m) => m.type)).toEqual([WRITE_BATCH_STATE]);
    expect(Object.fromEntries([...fake.state].map(([k, v]) => [k, v.toString()]))).toEqual({ '|a': '3', '|b': '2', 'coll|a': 'p' });
    expect(fake.purged).toEqual(['coll|old']);
    // The stub writes directly again afterwards (the fake stub buffers them in its transaction).
    await ctx.stub.putState('after', Buffer.from('z'));
    expect(fake.messages).toHaveLength(1);
  });

  it('sends nothing when the block throws, and refuses what the stub refuses', async () => {
    const fake = new FakePeer();
    const ctx = fake.ctx();
    await expect(
      withWriteBatch(ctx, async () => {
        await ctx.stub.putState('a', Buffer.from('1'));
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(fake.messages).toEqual([]);
    await expect(withWriteBatch(ctx, () => ctx.stub.putState('', Buffer.from('1')))).rejects.toThrow(/key/);
    await expect(withWriteBatch(ctx, () => ctx.stub.putPrivateData('', 'k', Buffer.from('1')))).rejects.toThrow(/collection/);
    expect(fake.messages).toEqual([]);
  });

  it('falls back to one stub call per key without the shim handler or with GRIDLEDGER_STATE_BATCH=0', async () => {
    const committed = new Map([['k1', Buffer.from('one')]]);
    const tx = new FakeTransaction(committed, 'tx', 0, identity('CommunityMSP', 'operator', 'op'));
    expect(transportOf(tx.ctx)).toBeUndefined();
    expect(await getStates(tx.ctx, ['k0', 'k1'])).toEqual([undefined, Buffer.from('one')]);
    expect(tx.reads).toEqual(['k0', 'k1']);
    await withWriteBatch(tx.ctx, () => tx.ctx.stub.putState('w', Buffer.from('1')));
    expect([...tx.writes.keys()]).toEqual(['w']);

    const fake = new FakePeer();
    expect(transportOf(fake.ctx())).toBeDefined();
    process.env.GRIDLEDGER_STATE_BATCH = '0';
    try {
      expect(transportOf(fake.ctx())).toBeUndefined();
    } finally {
      delete process.env.GRIDLEDGER_STATE_BATCH;
    }
  });
});
