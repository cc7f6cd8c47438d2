import { SystemContract } from '../src/system';
import { FakeFabric, identity } from './fake-fabric';

const system = new SystemContract();

describe('system', () => {
  it('ping names the caller’s MSP, whoami its role and id, noop writes nothing', async () => {
    const fabric = new FakeFabric();
    const prosumer = identity('CommunityMSP', 'prosumer', 'home-01');
    expect((await fabric.evaluate(prosumer, (ctx) => system.ping(ctx))).result).toEqual({ ok: true, mspId: 'CommunityMSP' });
    expect((await fabric.evaluate(identity('RegulatorMSP'), (ctx) => system.ping(ctx))).result).toEqual({
      ok: true,
      mspId: 'RegulatorMSP',
    });
    expect((await fabric.evaluate(prosumer, (ctx) => system.whoami(ctx))).result).toEqual({
      mspId: 'CommunityMSP',
      role: 'prosumer',
      participantId: 'home-01',
    });
    expect((await fabric.evaluate(identity('UtilityMSP'), (ctx) => system.whoami(ctx))).result).toEqual({
      mspId: 'UtilityMSP',
      role: null,
      participantId: null,
    });
    const noop = await fabric.run(prosumer, (ctx) => system.noop(ctx));
    expect(noop.result).toEqual({ ok: true, txId: noop.txId });
    expect(noop.writes.size).toBe(0);
    expect(noop.reads).toEqual([]);
    expect(noop.events).toEqual([]);
  });
});

describe('the fake ledger behaves like Fabric where the contracts depend on it', () => {
  it('a transaction does not read its own writes, and a failed one writes nothing', async () => {
    const fabric = new FakeFabric();
    const caller = identity('CommunityMSP', 'operator', 'op-1');
    const seen = await fabric.run(caller, async (ctx) => {
      await ctx.stub.putState('k', Buffer.from('1'));
      return JSON.stringify({ own: Buffer.from(await ctx.stub.getState('k')).toString() });
    });
    expect(seen.result).toEqual({ own: '' });
    expect(fabric.state.get('k')?.toString()).toBe('1');
    const failed = await fabric.run(caller, async (ctx) => {
      await ctx.stub.putState('k', Buffer.from('2'));
      throw new Error('boom');
    });
    expect(failed.ok).toBe(false);
    expect(fabric.state.get('k')?.toString()).toBe('1');
  });
});
