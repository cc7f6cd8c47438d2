/**
 * The storage contract on the fake ledger: a battery registered by its provider, reservations that
 * never overbook it (stored per battery and day), a cancellation refund, and the settlement from
 * the battery meter's verified reading with figures computed by hand.
 */
import { ErrorCodes, formatInstant } from '@gridledger/core';
import { CreditsContract } from '../src/market/credits';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { StorageContract } from '../src/storage';
import { FakeFabric, identity, meterKeys, readingsOf, signReading, submitVia } from './fake-fabric';
import { codeOf, expectOk, operator, regulator, T, utility } from './market-support';

const storage = new StorageContract();
const registry = new RegistryContract();
const credits = new CreditsContract();
const metering = new MeteringContract();
const provider = identity('CommunityMSP', 'battery-provider', 'bp');
const buyer1 = identity('CommunityMSP', 'consumer', 'k1');
const buyer2 = identity('CommunityMSP', 'consumer', 'k2');
const stranger = identity('CommunityMSP', 'consumer', 'k3');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge');
const keys = meterKeys();
const at = (s: number) => formatInstant(T + s);
const battery = {
  batteryId: 'bat-1',
  communityId: 'c1',
  zone: 'z1',
  meterId: 'bp.m',
  capacityWh: 10_000,
  maxChargeW: 20_000,
  maxDischargeW: 20_000,
  roundTripEfficiencyPpm: 900_000,
  latitudeMicro: 52_520_000,
  longitudeMicro: 13_405_000,
  availability: [{ from: at(-86_400), to: at(86_400) }],
  storedPriceMicrosPerKwh: 50_000,
  reservedPriceMicrosPerKwhDay: 240_000,
  penaltyMicrosPerKwh: 100_000,
};
const json = JSON.stringify;

async function setup(): Promise<FakeFabric> {
  const f = new FakeFabric();
  f.now = T - 7200;
  for (const [participantId, role] of [
    ['bp', 'battery-provider'],
    ['k1', 'consumer'],
    ['k2', 'consumer'],
    ['k3', 'consumer'],
  ]) {
    expectOk(await f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId, role }))));
  }
  const meter = { meterId: 'bp.m', participantId: 'bp', kind: 'bidirectional', publicKeyPem: keys.publicKeyPem, exportCapacityW: 40_000 };
  expectOk(await f.run(operator, (ctx) => registry.registerMeter(ctx, json({ ...meter, communityId: 'c1' }))));
  for (const id of ['k1', 'k2', 'k3']) {
    const deposit = { participantId: id, amountMicros: 1_000_000, reference: `dep-${id}` };
    expectOk(await f.run(utility, (ctx) => credits.deposit(ctx, json(deposit))));
  }
  expectOk(await f.run(provider, (ctx) => storage.registerBattery(ctx, json(battery))));
  return f;
}

const confirm = (f: FakeFabric, who: typeof buyer1, clientContractId: string, reservedWh: number, from: number, to: number) =>
  f.run(who, (ctx) => storage.confirmStorage(ctx, json({ clientContractId, batteryId: 'bat-1', reservedWh, from: at(from), to: at(to) })));
const account = async (f: FakeFabric, id: string) => expectOk(await f.evaluate(operator, (ctx) => credits.getAccount(ctx, id)));

describe('storage: batteries', () => {
  it('registers a battery of its provider once, refuses another meter, another role and other terms under the same id', async () => {
    const f = await setup();
    const again = expectOk(await f.run(provider, (ctx) => storage.registerBattery(ctx, json(battery))));
    expect(again.replayed).toBe(true);
    expect(codeOf(await f.run(provider, (ctx) => storage.registerBattery(ctx, json({ ...battery, capacityWh: 1 }))))).toBe(
      ErrorCodes.BATTERY_EXISTS,
    );
    const byConsumer = await f.run(buyer1, (ctx) => storage.registerBattery(ctx, json({ ...battery, batteryId: 'bat-2' })));
    expect(codeOf(byConsumer)).toBe(ErrorCodes.ACCESS_DENIED);
    const wrongCommunity = await f.run(provider, (ctx) =>
      storage.registerBattery(ctx, json({ ...battery, batteryId: 'b3', communityId: 'c2' })),
    );
    expect(wrongCommunity.error?.details.field).toBe('meterId');
    // An operator registers for a battery provider of its MSP, not for another role.
    const forProvider = { ...battery, batteryId: 'bat-op', providerId: 'bp' };
    expect(expectOk(await f.run(operator, (ctx) => storage.registerBattery(ctx, json(forProvider)))).battery.providerId).toBe('bp');
    const forConsumer = await f.run(operator, (ctx) =>
      storage.registerBattery(ctx, json({ ...forProvider, batteryId: 'b4', providerId: 'k1' })),
    );
    expect(forConsumer.error?.details.field).toBe('providerId');
    const soc = expectOk(await f.run(provider, (ctx) => storage.reportStateOfCharge(ctx, 'bat-1', json({ socWh: 2_500 }))));
    expect(soc).toMatchObject({ socWh: 2_500, socPpm: 250_000 });
    expect(codeOf(await f.run(buyer1, (ctx) => storage.reportStateOfCharge(ctx, 'bat-1', json({ socWh: 1 }))))).toBe(
      ErrorCodes.ACCESS_DENIED,
    );
    expect(expectOk(await f.evaluate(buyer1, (ctx) => storage.getBattery(ctx, 'bat-1'))).stateOfCharge.socWh).toBe(2_500);
  });
});

describe('storage: contracts', () => {
  it('reserves per battery and day, never beyond the capacity, and escrows the price', async () => {
    const f = await setup();
    const first = await confirm(f, buyer1, 'a', 6_000, 0, 900);
    // floor(6,000 × 900 × 240,000 / 86,400,000) = 15,000; 6,000 Wh × 50,000 µ/kWh = 300,000.
    expect(expectOk(first).contract).toMatchObject({ reservationFeeMicros: 15_000, escrowMicros: 315_000, status: 'confirmed' });
    const dayKeys = [...first.writes.keys()].filter((k) => k.includes('storageDay')).map((k) => k.split('\u0000').filter(Boolean));
    expect(dayKeys).toEqual([['storageDay', 'bat-1', '2026-11-23']]);
    expect(await account(f, 'k1')).toEqual({ participantId: 'k1', availableMicros: 685_000, escrowMicros: 315_000 });
    const over = await confirm(f, buyer2, 'b', 5_000, 0, 1_800);
    expect(codeOf(over)).toBe(ErrorCodes.STORAGE_CAPACITY_EXCEEDED);
    expect(over.error?.details.freeWh).toBe(4_000);
    expectOk(await confirm(f, buyer2, 'b2', 5_000, 900, 1_800));
    expect((await confirm(f, buyer1, 'a', 6_000, 0, 900)).result.replayed).toBe(true);
    expect(codeOf(await confirm(f, buyer1, 'a', 5, 0, 900))).toBe(ErrorCodes.CLIENT_ID_REUSED);
    const extra = await f.run(buyer1, (ctx) => storage.confirmStorage(ctx, json({ clientContractId: 'x', batteryId: 'bat-1', price: 1 })));
    expect([codeOf(extra), extra.error?.details.field]).toEqual([ErrorCodes.STORAGE_INPUT_INVALID, 'price']);
    const search = expectOk(
      await f.evaluate(stranger, (ctx) => storage.searchBatteries(ctx, json({ communityId: 'c1', from: at(0), to: at(1_800) }))),
    );
    expect(search.hits.map((h: { freeWh: number }) => h.freeWh)).toEqual([4_000]);
  });

  it('refunds a cancellation by the rule and frees the capacity', async () => {
    const f = await setup();
    const c = expectOk(await confirm(f, buyer1, 'a', 10_000, 0, 900)).contract;
    expect(codeOf(await f.run(stranger, (ctx) => storage.cancelStorage(ctx, c.contractId)))).toBe(ErrorCodes.ACCESS_DENIED);
    const cancelled = expectOk(await f.run(buyer1, (ctx) => storage.cancelStorage(ctx, c.contractId))).contract;
    // Two hours' notice: half the reservation fee of floor(10,000 × 900 × 240,000 / 86,400,000) = 25,000.
    expect(cancelled.cancellation).toMatchObject({ by: 'buyer', feeMicros: 12_500, refundMicros: c.escrowMicros - 12_500 });
    expect(await account(f, 'k1')).toMatchObject({ availableMicros: 1_000_000 - 12_500, escrowMicros: 0 });
    expect(await account(f, 'bp')).toMatchObject({ availableMicros: 12_500 });
    expectOk(await confirm(f, buyer2, 'b', 10_000, 0, 900));
  });

  it("lists a participant's contracts as buyer and as provider, with their status now; nobody else's", async () => {
    const f = await setup();
    const a = expectOk(await confirm(f, buyer1, 'a', 1_000, 0, 900)).contract;
    const b = expectOk(await confirm(f, buyer2, 'b', 1_000, 0, 900)).contract;
    const c = expectOk(await confirm(f, buyer1, 'c', 1_000, 900, 1_800)).contract;
    expectOk(await f.run(buyer1, (ctx) => storage.cancelStorage(ctx, c.contractId)));
    const list = async (who: typeof buyer1, id: string, pageSize = '', bookmark = '') =>
      f.evaluate(who, (ctx) => storage.listStorageContracts(ctx, id, pageSize, bookmark));
    const ids = (page: { items: { contractId: string; status: string }[] }) => page.items.map((x) => [x.contractId, x.status]);
    expect(ids(expectOk(await list(buyer1, 'k1')))).toEqual(
      [
        [a.contractId, 'confirmed'],
        [c.contractId, 'cancelled'],
      ].sort(),
    );
    expect(ids(expectOk(await list(provider, 'bp')))).toEqual(
      [
        [a.contractId, 'confirmed'],
        [b.contractId, 'confirmed'],
        [c.contractId, 'cancelled'],
      ].sort(),
    );
    // Paged by id: the second page starts after the first.
    const first = expectOk(await list(operator, 'bp', '2'));
    const second = expectOk(await list(regulator, 'bp', '2', first.bookmark));
    expect([...first.items, ...second.items].map((x: { contractId: string }) => x.contractId)).toEqual(
      [a.contractId, b.contractId, c.contractId].sort(),
    );
    // Once the window has started, the stored 'confirmed' reads as active.
    f.now = T + 1;
    expect(expectOk(await list(buyer2, 'k2')).items.map((x: { status: string }) => x.status)).toEqual(['active']);
    for (const [who, id] of [
      [stranger, 'k1'],
      [buyer1, 'bp'],
      [provider, 'k1'],
    ] as const)
      expect(codeOf(await list(who, id))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await list(buyer1, 'bad id'))).toBe(ErrorCodes.REQUEST_INVALID);
  });

  it("settles from the battery meter's reading: payment to the provider less the penalty, the rest back", async () => {
    const f = await setup();
    const c = expectOk(await confirm(f, buyer1, 'a', 6_000, 0, 900)).contract;
    const open = expectOk(await confirm(f, buyer2, 'b', 1_000, 900, 1_800)).contract;
    expect(codeOf(await f.run(operator, (ctx) => storage.settleStorage(ctx, c.contractId)))).toBe(
      ErrorCodes.STORAGE_CONTRACT_STATE_CONFLICT,
    );
    f.now = T + 1_801;
    const reading = readingsOf('bp.m', T, [{ importWh: 5_000, exportWh: 4_000 }])[0];
    expectOk(await f.run(bridge, (ctx) => submitVia(metering, ctx, json([signReading(reading, keys.privateKey)]))));
    expect(codeOf(await f.run(stranger, (ctx) => storage.settleStorage(ctx, c.contractId)))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(expectOk(await f.evaluate(buyer1, (ctx) => storage.getStorageContract(ctx, c.contractId))).status).toBe('active');
    const settled = expectOk(await f.run(operator, (ctx) => storage.settleStorage(ctx, c.contractId))).contract;
    // Stored 5,000 Wh (fee 250,000); owed back 4,500, out 4,000: 500 Wh undelivered, penalty 50,000.
    // Payment 15,000 + 250,000 − 50,000 = 215,000; refund 315,000 − 215,000 = 100,000.
    expect(settled).toMatchObject({
      status: 'completed',
      settlement: { inWh: 5_000, outWh: 4_000, undeliveredWh: 500, penaltyMicros: 50_000, paymentMicros: 215_000, refundMicros: 100_000 },
    });
    expect(await account(f, 'bp')).toMatchObject({ availableMicros: 215_000 });
    expect(await account(f, 'k1')).toMatchObject({ availableMicros: 1_000_000 - 215_000, escrowMicros: 0 });
    expect(expectOk(await f.run(buyer1, (ctx) => storage.settleStorage(ctx, c.contractId))).replayed).toBe(true);
    // The second contract's interval has no reading and its metering window is open.
    expect(codeOf(await f.run(buyer2, (ctx) => storage.settleStorage(ctx, open.contractId)))).toBe(
      ErrorCodes.SETTLEMENT_METERING_INCOMPLETE,
    );
  });
});

describe('storage: support tickets and ratings', () => {
  it("records a contract's tickets and ratings once (by the Community's BPP), for its parties and the organizations to read", async () => {
    const f = await setup();
    const contractId = expectOk(await confirm(f, buyer1, 'fb', 1_000, 0, 900)).contract.contractId;
    const ticket = { kind: 'support-ticket', feedbackId: 'm-1', bapId: 'bap.test', transactionId: 't-1' };
    const rating = { ...ticket, kind: 'rating', feedbackId: 'm-2', ratings: [{ category: 'Order', id: contractId, value: '4' }] };
    const record = (who: typeof operator, request: object, id = contractId) =>
      f.run(who, (ctx) => storage.recordStorageFeedback(ctx, id, json(request)));
    expect(expectOk(await record(operator, ticket))).toMatchObject({ replayed: false, feedback: { contractId, kind: 'support-ticket' } });
    expect(expectOk(await record(operator, ticket)).replayed).toBe(true);
    expect(codeOf(await record(operator, { ...ticket, bapId: 'other' }))).toBe(ErrorCodes.CLIENT_ID_REUSED);
    expectOk(await record(operator, rating));
    expect(codeOf(await record(buyer1, ticket))).toBe(ErrorCodes.ACCESS_DENIED);
    expect(codeOf(await record(operator, ticket, 'nope'))).toBe(ErrorCodes.STORAGE_CONTRACT_NOT_FOUND);
    for (const [bad, field] of [
      [{ ...ticket, kind: 'praise' }, 'kind'],
      [{ ...rating, ratings: [] }, 'ratings'],
      [{ ...rating, ratings: [{ category: 'Weather', id: 'x', value: '1' }] }, 'ratings[0].category'],
      [{ ...ticket, phone: '+49' }, 'phone'],
    ] as const) {
      const out = await record(operator, bad);
      expect([codeOf(out), out.error?.details.field]).toEqual([ErrorCodes.STORAGE_INPUT_INVALID, field]);
    }
    const read = (who: typeof operator) => f.evaluate(who, (ctx) => storage.listStorageFeedback(ctx, contractId));
    for (const who of [buyer1, provider, operator, utility, regulator]) {
      const list = expectOk(await read(who));
      expect([list.supportTickets.map((t: { feedbackId: string }) => t.feedbackId), list.ratings[0].ratings]).toEqual([
        ['m-1'],
        rating.ratings,
      ]);
    }
    expect(codeOf(await read(stranger))).toBe(ErrorCodes.ACCESS_DENIED);
  });
});
