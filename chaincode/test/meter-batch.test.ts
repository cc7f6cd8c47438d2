import { ErrorCodes, MAX_METER_BATCH } from '@gridledger/core';
import { RegistryContract } from '../src/registry';
import { FakeFabric, homeMeterRequest, identity, meterKeys } from './fake-fabric';

const registry = new RegistryContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const utilityOperator = identity('UtilityMSP', 'operator', 'op-u');
const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
const keys = meterKeys();

const meter = (meterId: string, participantId: string, extra: Record<string, unknown> = {}) => ({
  ...homeMeterRequest(meterId, participantId, keys.publicKeyPem),
  ...extra,
});
const batch = (batchId: string, meters: unknown[]) => JSON.stringify({ batchId, meters });
/** Three meters of two households. */
const three = () => [meter('home-01.a', 'home-01'), meter('home-01.b', 'home-01'), meter('home-02.a', 'home-02')];

async function withParticipants(): Promise<FakeFabric> {
  const fabric = new FakeFabric();
  for (const participantId of ['home-01', 'home-02']) {
    const out = await fabric.run(operator, (ctx) => registry.registerParticipant(ctx, JSON.stringify({ participantId, role: 'prosumer' })));
    expect(out.ok).toBe(true);
  }
  return fabric;
}

const meterExists = async (fabric: FakeFabric, meterId: string) =>
  (await fabric.evaluate(operator, (ctx) => registry.getMeter(ctx, meterId))).ok;

describe('registry: batch registration of meters', () => {
  it('registers every meter as a single registration would, fixing each participant community once', async () => {
    const fabric = await withParticipants();
    const out = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', three())));
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ batchId: 'b-1', count: 3, mspId: 'CommunityMSP', registeredBy: 'op-1', txId: out.txId });
    expect(out.result.digest).toMatch(/^[0-9a-f]{64}$/);
    const single = await fabric.run(operator, (ctx) => registry.registerMeter(ctx, JSON.stringify(meter('home-01.c', 'home-01'))));
    const { meterId: _id, registeredAt: _at, ...sameAsSingle } = single.result;
    for (const meterId of ['home-01.a', 'home-01.b', 'home-02.a']) {
      const stored = (await fabric.evaluate(operator, (ctx) => registry.getMeter(ctx, meterId))).result;
      expect(stored).toMatchObject({ ...sameAsSingle, meterId, participantId: meterId.slice(0, 7) });
    }
    const participantWrites = [...out.writes.keys()].filter((k) => k.startsWith('\u0000participant\u0000'));
    expect(participantWrites.sort()).toEqual(['\u0000participant\u0000home-01\u0000', '\u0000participant\u0000home-02\u0000']);
    const indexWrites = [...out.writes.keys()].filter((k) => k.startsWith('\u0000participantIn\u0000'));
    expect(indexWrites).toHaveLength(2);
    // Per meter its record and two indexes; per participant its record and its community's list index; the batch record.
    expect(out.writes.size).toBe(3 * 3 + 2 + 2 + 1);
    expect(out.events.map((e) => e.name)).toEqual(['MeterBatchRegistered']);
    expect((out.events[0].payload as { meters: unknown }).meters).toEqual([
      { meterId: 'home-01.a', participantId: 'home-01', communityId: 'c1' },
      { meterId: 'home-01.b', participantId: 'home-01', communityId: 'c1' },
      { meterId: 'home-02.a', participantId: 'home-02', communityId: 'c1' },
    ]);
    const listed = (await fabric.evaluate(operator, (ctx) => registry.listMeters(ctx, 'home-01'))).result;
    expect(listed.map((m: { meterId: string }) => m.meterId)).toEqual(['home-01.a', 'home-01.b', 'home-01.c']);
  });

  it('a retry with the same id and meters returns the stored answer and writes nothing', async () => {
    const fabric = await withParticipants();
    const first = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', three())));
    const retry = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', three())));
    expect(retry.error).toBeUndefined();
    expect(retry.result).toEqual(first.result);
    expect(retry.writes.size).toBe(0);
  });

  it('the same id with other meters, or from another MSP, is METER_BATCH_CONFLICT', async () => {
    const fabric = await withParticipants();
    await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', three())));
    const other = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', [meter('home-01.z', 'home-01')])));
    expect(other.error?.code).toBe(ErrorCodes.METER_BATCH_CONFLICT);
    expect(other.error?.details).toEqual({ batchId: 'b-1' });
    expect(await meterExists(fabric, 'home-01.z')).toBe(false);
    const foreign = await fabric.run(utilityOperator, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', three())));
    expect(foreign.error?.code).toBe(ErrorCodes.METER_BATCH_CONFLICT);
  });

  it.each([
    ['an invalid meter', [meter('home-01.x', 'home-01', { exportCapacityW: -1 })], ErrorCodes.METER_INVALID],
    ['a meter that exists', [meter('home-01.old', 'home-01')], ErrorCodes.METER_EXISTS],
    ['a meter twice', [meter('home-02.a', 'home-02')], ErrorCodes.METER_EXISTS],
    ['an unknown participant', [meter('ghost.a', 'ghost')], ErrorCodes.PARTICIPANT_NOT_FOUND],
    [
      'another community than the participant has',
      [meter('home-01.x', 'home-01', { communityId: 'c2' })],
      ErrorCodes.METER_COMMUNITY_CONFLICT,
    ],
  ])('%s refuses the whole batch, with its index', async (_what, bad, code) => {
    const fabric = await withParticipants();
    const old = await fabric.run(operator, (ctx) => registry.registerMeter(ctx, JSON.stringify(meter('home-01.old', 'home-01'))));
    expect(old.ok).toBe(true);
    const out = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-bad', [...three(), ...bad])));
    expect(out.ok).toBe(false);
    expect(out.error?.code).toBe(code);
    expect(out.error?.details.index).toBe(3);
    for (const meterId of ['home-01.a', 'home-01.b', 'home-02.a']) expect(await meterExists(fabric, meterId)).toBe(false);
    // Nothing was stored under the batch id: the corrected batch goes through with it.
    const fixed = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-bad', three())));
    expect(fixed.result).toMatchObject({ batchId: 'b-bad', count: 3 });
  });

  it('a household is refused, and an operator only registers for participants of its own MSP', async () => {
    const fabric = await withParticipants();
    const household = await fabric.run(home1, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', [meter('home-01.a', 'home-01')])));
    expect(household.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    const foreign = await fabric.run(utilityOperator, (ctx) => registry.registerMeterBatch(ctx, batch('b-2', three())));
    expect(foreign.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect(foreign.error?.details.index).toBe(0);
    expect(await meterExists(fabric, 'home-01.a')).toBe(false);
  });

  it(`takes 1 to ${MAX_METER_BATCH} meters and no other field`, async () => {
    const fabric = await withParticipants();
    const many = Array.from({ length: MAX_METER_BATCH + 1 }, (_, i) => meter(`home-01.m${i}`, 'home-01'));
    for (const request of [batch('b-1', []), batch('b-1', many), JSON.stringify({ batchId: 'b-1', meters: three(), extra: 1 })]) {
      const out = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, request));
      expect(out.error?.code).toBe(ErrorCodes.REQUEST_INVALID);
    }
    const full = await fabric.run(operator, (ctx) => registry.registerMeterBatch(ctx, batch('b-1', many.slice(0, MAX_METER_BATCH))));
    expect(full.result?.count).toBe(MAX_METER_BATCH);
  });
});
