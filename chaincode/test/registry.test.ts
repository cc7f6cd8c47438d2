import { ErrorCodes } from '@gridledger/core';
import { RegistryContract } from '../src/registry';
import { FakeFabric, identity, meterKeys } from './fake-fabric';

const registry = new RegistryContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const utility = identity('UtilityMSP', 'utility', 'util-1');
const utilityOperator = identity('UtilityMSP', 'operator', 'op-u');
const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
const home2 = identity('CommunityMSP', 'consumer', 'home-02');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const nobody = identity('CommunityMSP');
const keys = meterKeys();

const meter = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    meterId: 'home-01.main',
    participantId: 'home-01',
    kind: 'bidirectional',
    publicKeyPem: keys.publicKeyPem,
    exportCapacityW: 5000,
    communityId: 'c1',
    ...extra,
  });

async function withParticipants(): Promise<FakeFabric> {
  const fabric = new FakeFabric();
  for (const [participantId, role] of [
    ['home-01', 'prosumer'],
    ['home-02', 'consumer'],
  ]) {
    const out = await fabric.run(operator, (ctx) => registry.registerParticipant(ctx, JSON.stringify({ participantId, role })));
    expect(out.ok).toBe(true);
  }
  const out = await fabric.run(utility, (ctx) =>
    registry.registerParticipant(ctx, JSON.stringify({ participantId: 'util-site', role: 'prosumer' })),
  );
  expect(out.ok).toBe(true);
  return fabric;
}

describe('registry: participants', () => {
  it('an operator registers a participant of its own MSP, with the time and author of the transaction', async () => {
    const fabric = new FakeFabric();
    const out = await fabric.run(operator, (ctx) =>
      registry.registerParticipant(ctx, JSON.stringify({ participantId: 'home-01', role: 'prosumer', displayName: 'Home 1' })),
    );
    const record = {
      participantId: 'home-01',
      role: 'prosumer',
      displayName: 'Home 1',
      mspId: 'CommunityMSP',
      registeredAt: '2026-11-22T00:00:00Z',
      registeredBy: 'op-1',
    };
    expect(out.result).toEqual(record);
    // Canonical JSON: keys sorted, no white space, in the result and in the state.
    expect(out.text).toBe(
      '{"displayName":"Home 1","mspId":"CommunityMSP","participantId":"home-01",' +
        '"registeredAt":"2026-11-22T00:00:00Z","registeredBy":"op-1","role":"prosumer"}',
    );
    expect(fabric.state.get('\u0000participant\u0000home-01\u0000')!.toString()).toBe(out.text);
    expect(out.events).toEqual([{ name: 'ParticipantRegistered', payload: record }]);

    const read = await fabric.evaluate(home1, (ctx) => registry.getParticipant(ctx, 'home-01'));
    expect(read.result).toEqual(record);
  });

  it('refuses, each with its code, and writes nothing when it does', async () => {
    const fabric = await withParticipants();
    const before = fabric.dump();
    const code = async (who = operator, body: unknown = { participantId: 'home-09', role: 'prosumer' }) => {
      const out = await fabric.run(who, (ctx) => registry.registerParticipant(ctx, typeof body === 'string' ? body : JSON.stringify(body)));
      expect(out.ok).toBe(false);
      expect(out.writes.size).toBe(0);
      return out.error?.code;
    };
    expect(await code(home1)).toBe(ErrorCodes.ACCESS_DENIED);
    expect(await code(bridge)).toBe(ErrorCodes.ACCESS_DENIED);
    expect(await code(nobody)).toBe(ErrorCodes.UNAUTHENTICATED);
    expect(await code(identity('CommunityMSP', 'emperor', 'x'))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(await code(operator, { participantId: 'home-01', role: 'prosumer' })).toBe(ErrorCodes.PARTICIPANT_EXISTS);
    // The same id is taken whichever organization registered it.
    expect(await code(utility, { participantId: 'home-01', role: 'prosumer' })).toBe(ErrorCodes.PARTICIPANT_EXISTS);
    expect(await code(operator, { participantId: 'bad id', role: 'prosumer' })).toBe(ErrorCodes.PARTICIPANT_ID_INVALID);
    expect(await code(operator, { participantId: 'home-09', role: 'king' })).toBe(ErrorCodes.PARTICIPANT_ROLE_INVALID);
    expect(await code(operator, { participantId: 'home-09', role: 'prosumer', displayName: '' })).toBe(ErrorCodes.REQUEST_INVALID);
    expect(await code(operator, { participantId: 'home-09', role: 'prosumer', iban: 'x' })).toBe(ErrorCodes.REQUEST_INVALID);
    // Invisible characters that make a name read as another: bidirectional override, zero width, C1 control, BOM.
    for (const displayName of ['Bob\u202Eecila', 'Al\u200Bice', 'x\u0085y', '\uFEFFHome', 'tab\tname', ' padded']) {
      expect(await code(operator, { participantId: 'home-09', role: 'prosumer', displayName })).toBe(ErrorCodes.REQUEST_INVALID);
    }
    // The settlement bank's account and the service identities are not participant ids.
    for (const participantId of ['utility', 'Utility', 'bridge', 'community-operator', 'regulator']) {
      expect(await code(operator, { participantId, role: 'prosumer' })).toBe(ErrorCodes.PARTICIPANT_ID_INVALID);
    }
    expect(await code(operator, 'not json')).toBe(ErrorCodes.REQUEST_INVALID);
    expect(await code(operator, '[]')).toBe(ErrorCodes.REQUEST_INVALID);
    expect(fabric.dump()).toEqual(before);
  });

  it('a failure leaves as a readable message that carries the envelope', async () => {
    const fabric = new FakeFabric();
    const out = await fabric.evaluate(operator, (ctx) => registry.getParticipant(ctx, 'home-77'));
    expect(out.message).toMatch(/^PARTICIPANT_NOT_FOUND: no participant home-77 is registered gridledger-error:[A-Za-z0-9_-]+$/);
    expect(out.error?.toJSON()).toEqual({
      code: 'PARTICIPANT_NOT_FOUND',
      message: 'no participant home-77 is registered',
      details: { participantId: 'home-77' },
    });
    expect((await fabric.evaluate(nobody, (ctx) => registry.getParticipant(ctx, 'home-77'))).error?.code).toBe(ErrorCodes.UNAUTHENTICATED);
  });
});

describe('registry: a self-acting identity acts only for a participant of its own MSP and role', () => {
  it('refuses an identity of another MSP, of another role, or of an unregistered participant', async () => {
    const fabric = await withParticipants();
    expect((await fabric.evaluate(home1, (ctx) => registry.getParticipant(ctx, 'home-01'))).result).toMatchObject({
      participantId: 'home-01',
    });
    // The Utility's CA issued a certificate with a Community household's gl.id.
    const impostor = identity('UtilityMSP', 'prosumer', 'home-01');
    const denied = await fabric.evaluate(impostor, (ctx) => registry.getParticipant(ctx, 'home-01'));
    expect(denied.error?.toJSON()).toMatchObject({
      code: ErrorCodes.ACCESS_DENIED,
      details: { participantId: 'home-01', mspId: 'UtilityMSP' },
    });
    const meterOut = await fabric.run(impostor, (ctx) => registry.registerMeter(ctx, meter({ meterId: 'home-01.evil' })));
    expect(meterOut.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect(meterOut.writes.size).toBe(0);
    expect(
      (await fabric.evaluate(identity('CommunityMSP', 'consumer', 'home-01'), (ctx) => registry.getParticipant(ctx, 'home-01'))).error
        ?.code,
    ).toBe(ErrorCodes.ACCESS_DENIED);
    expect(
      (await fabric.evaluate(identity('CommunityMSP', 'prosumer', 'home-77'), (ctx) => registry.getParticipant(ctx, 'home-77'))).error
        ?.code,
    ).toBe(ErrorCodes.ACCESS_DENIED);
    // Its own records only: another household's participant record is not for it.
    expect((await fabric.evaluate(home1, (ctx) => registry.getParticipant(ctx, 'home-02'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await fabric.evaluate(operator, (ctx) => registry.getParticipant(ctx, 'home-02'))).result).toMatchObject({
      participantId: 'home-02',
    });
  });
});

describe('registry: meters', () => {
  it('a prosumer registers its own meter; stored active, indexed by participant, announced', async () => {
    const fabric = await withParticipants();
    const out = await fabric.run(home1, (ctx) => registry.registerMeter(ctx, meter()));
    expect(out.ok).toBe(true);
    expect(out.result).toEqual({
      meterId: 'home-01.main',
      participantId: 'home-01',
      kind: 'bidirectional',
      publicKeyPem: keys.publicKeyPem,
      exportCapacityW: 5000,
      communityId: 'c1',
      mspId: 'CommunityMSP',
      active: true,
      registeredAt: '2026-11-22T00:00:00Z',
      registeredBy: 'home-01',
    });
    expect([...out.writes.keys()].sort()).toEqual([
      '\u0000meter\u0000home-01.main\u0000',
      '\u0000meterByCommunity\u0000c1\u0000home-01\u0000home-01.main\u0000',
      '\u0000meterByParticipant\u0000home-01\u0000home-01.main\u0000',
      '\u0000participant\u0000home-01\u0000',
    ]);
    // The first meter fixes the participant's community; a second meter there writes no participant record.
    expect((await fabric.evaluate(home1, (ctx) => registry.getParticipant(ctx, 'home-01'))).result.communityId).toBe('c1');
    const second = await fabric.run(home1, (ctx) => registry.registerMeter(ctx, meter({ meterId: 'home-01.pv' })));
    expect([...second.writes.keys()].filter((k) => k.startsWith('\u0000participant'))).toEqual([]);
    expect(out.events).toHaveLength(1);
    expect(out.events[0].name).toBe('MeterRegistered');
    expect(out.events[0].payload).toMatchObject({ meterId: 'home-01.main', participantId: 'home-01' });
    expect(out.events[0].payload).not.toHaveProperty('publicKeyPem');
    expect((await fabric.evaluate(bridge, (ctx) => registry.getMeter(ctx, 'home-01.main'))).result).toEqual(out.result);
  });

  it('a prosumer registering a meter for someone else is ACCESS_DENIED, in the envelope', async () => {
    const fabric = await withParticipants();
    const out = await fabric.run(home1, (ctx) => registry.registerMeter(ctx, meter({ meterId: 'home-02.main', participantId: 'home-02' })));
    expect(out.ok).toBe(false);
    expect(out.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect(out.error?.details).toEqual({ participantId: 'home-02' });
    expect(out.writes.size).toBe(0);
    expect((await fabric.evaluate(home1, (ctx) => registry.getMeter(ctx, 'home-02.main'))).error?.code).toBe(
      ErrorCodes.METER_NOT_REGISTERED,
    );
  });

  it('an operator registers for participants of its own MSP only', async () => {
    const fabric = await withParticipants();
    const ok = await fabric.run(operator, (ctx) =>
      registry.registerMeter(ctx, meter({ meterId: 'home-02.main', participantId: 'home-02', kind: 'consumption', exportCapacityW: 0 })),
    );
    expect(ok.result).toMatchObject({ meterId: 'home-02.main', registeredBy: 'op-1', kind: 'consumption' });
    const foreign = await fabric.run(utilityOperator, (ctx) => registry.registerMeter(ctx, meter()));
    expect(foreign.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    const own = await fabric.run(utilityOperator, (ctx) =>
      registry.registerMeter(ctx, meter({ meterId: 'util-site.pv', participantId: 'util-site' })),
    );
    expect(own.ok).toBe(true);
    // A prosumer of another MSP with the same gl.id is not that participant.
    const impostor = await fabric.run(identity('UtilityMSP', 'prosumer', 'home-01'), (ctx) =>
      registry.registerMeter(ctx, meter({ meterId: 'home-01.x' })),
    );
    expect(impostor.error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  });

  it('refuses bad registrations, each with its code and field', async () => {
    const fabric = await withParticipants();
    await fabric.run(home1, (ctx) => registry.registerMeter(ctx, meter()));
    const refuse = async (body: string, who = home1) => {
      const out = await fabric.run(who, (ctx) => registry.registerMeter(ctx, body));
      expect(out.writes.size).toBe(0);
      return [out.error?.code, out.error?.details.field];
    };
    expect(await refuse(meter())).toEqual([ErrorCodes.METER_EXISTS, undefined]);
    expect(await refuse(meter({ meterId: 'home-01.b', kind: 'hydro' }))).toEqual([ErrorCodes.METER_INVALID, 'kind']);
    expect(await refuse(meter({ meterId: 'home-01.b', exportCapacityW: -5 }))).toEqual([ErrorCodes.METER_INVALID, 'exportCapacityW']);
    expect(await refuse(meter({ meterId: 'home-01.b', kind: 'consumption', exportCapacityW: 10 }))).toEqual([
      ErrorCodes.METER_INVALID,
      'exportCapacityW',
    ]);
    expect(
      await refuse(meter({ meterId: 'home-01.b', publicKeyPem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n' })),
    ).toEqual([ErrorCodes.METER_KEY_INVALID, undefined]);
    expect(await refuse(meter({ meterId: 'home-01.b', participantId: 'ghost' }), operator)).toEqual([
      ErrorCodes.PARTICIPANT_NOT_FOUND,
      undefined,
    ]);
    expect(await refuse(meter({ meterId: 'home-01.b' }), bridge)).toEqual([ErrorCodes.ACCESS_DENIED, undefined]);
    expect(await refuse(meter({ meterId: 'home-01.b' }), nobody)).toEqual([ErrorCodes.UNAUTHENTICATED, undefined]);
    expect(await refuse('{')).toEqual([ErrorCodes.REQUEST_INVALID, '']);
  });

  it('lists a participant’s meters by id, from its own index keys', async () => {
    const fabric = await withParticipants();
    for (const meterId of ['home-01.z', 'home-01.a', 'home-01.m'])
      await fabric.run(home1, (ctx) => registry.registerMeter(ctx, meter({ meterId })));
    await fabric.run(operator, (ctx) => registry.registerMeter(ctx, meter({ meterId: 'home-02.main', participantId: 'home-02' })));
    const out = await fabric.evaluate(operator, (ctx) => registry.listMeters(ctx, 'home-01'));
    expect(out.result.map((m: { meterId: string }) => m.meterId)).toEqual(['home-01.a', 'home-01.m', 'home-01.z']);
    expect(out.reads.filter((r) => r.startsWith('range'))).toEqual([
      `range ${JSON.stringify('\u0000meterByParticipant\u0000home-01\u0000')}..` +
        `${JSON.stringify('\u0000meterByParticipant\u0000home-01\u0000\u{10ffff}')}`,
    ]);
    expect((await fabric.evaluate(operator, (ctx) => registry.listMeters(ctx, 'home-03'))).result).toEqual([]);
    expect((await fabric.evaluate(operator, (ctx) => registry.listMeters(ctx, 'bad id'))).error?.code).toBe(
      ErrorCodes.PARTICIPANT_ID_INVALID,
    );
    // A household lists its own meters only.
    expect(
      (await fabric.evaluate(home2, (ctx) => registry.listMeters(ctx, 'home-02'))).result.map((m: { meterId: string }) => m.meterId),
    ).toEqual(['home-02.main']);
    expect((await fabric.evaluate(home2, (ctx) => registry.listMeters(ctx, 'home-01'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
  });

  it("lists a community's meters by participant and meter id, for the operator, the utility and the regulator only", async () => {
    const fabric = await withParticipants();
    await fabric.run(home1, (ctx) => registry.registerMeter(ctx, meter({ meterId: 'home-01.b' })));
    await fabric.run(operator, (ctx) => registry.registerMeter(ctx, meter({ meterId: 'home-02.main', participantId: 'home-02' })));
    await fabric.run(home1, (ctx) => registry.registerMeter(ctx, meter({ meterId: 'home-01.a' })));
    const elsewhere = meter({ meterId: 'home-02.x', participantId: 'home-02', communityId: 'c2' });
    await fabric.run(operator, (ctx) => registry.registerMeter(ctx, elsewhere));
    const regulator = identity('RegulatorMSP', 'regulator', 'reg-1');
    for (const who of [operator, utility, regulator]) {
      const out = await fabric.evaluate(who, (ctx) => registry.listCommunityMeters(ctx, 'c1'));
      expect(out.result.map((m: { meterId: string }) => m.meterId)).toEqual(['home-01.a', 'home-01.b', 'home-02.main']);
    }
    expect((await fabric.evaluate(operator, (ctx) => registry.listCommunityMeters(ctx, 'c3'))).result).toEqual([]);
    expect((await fabric.evaluate(home1, (ctx) => registry.listCommunityMeters(ctx, 'c1'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await fabric.evaluate(operator, (ctx) => registry.listCommunityMeters(ctx, 'bad id'))).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
  });
});
