import { Context } from 'fabric-contract-api';
import { ErrorCodes, formatInstant, parseInstant, Reading } from '@gridledger/core';
import { AssetsContract, EnergyContract, transferEnergyTokens } from '../src/energy';
import { respond } from '../src/respond';
import { MeteringContract } from '../src/metering';
import { RegistryContract } from '../src/registry';
import { FakeFabric, identity, meterKeys, onPeerOutsideCollection, SEED, signReading, submitVia, withTransient } from './fake-fabric';

const registry = new RegistryContract();
const metering = new MeteringContract();
const assets = new AssetsContract();
const energy = new EnergyContract();
const operator = identity('CommunityMSP', 'operator', 'op-1');
const bridge = identity('CommunityMSP', 'meter-bridge', 'bridge-1');
const home1 = identity('CommunityMSP', 'prosumer', 'home-01');
const home2 = identity('CommunityMSP', 'consumer', 'home-02');
const regulator = identity('RegulatorMSP', 'regulator', 'reg-1');
const keys = { pv: meterKeys(), main1: meterKeys(), main2: meterKeys(), fresh: meterKeys() };
const I = '2026-11-21T12:00:00Z';
const T = parseInstant(I)!;
const at = (s: number) => formatInstant(s);

const json = (x: unknown) => JSON.stringify(x);
const reading = (
  meterId: string,
  intervalStart: string,
  seq: number,
  importWh: number,
  exportWh: number,
  importRegisterWh: number,
  exportRegisterWh: number,
): Reading => ({
  meterId,
  intervalStart,
  seq,
  importWh,
  exportWh,
  importRegisterWh,
  exportRegisterWh,
});

async function community(): Promise<FakeFabric> {
  const f = new FakeFabric();
  f.now = T - 2 * 86_400;
  const ok = async (p: Promise<{ ok: boolean; message?: string }>) => {
    const out = await p;
    if (!out.ok) throw new Error(out.message);
    return out;
  };
  await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: 'home-01', role: 'prosumer' }))));
  await ok(f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: 'home-02', role: 'consumer' }))));
  const meter = (meterId: string, participantId: string, kind: string, pem: string, exportCapacityW: number) =>
    ok(
      f.run(operator, (ctx) =>
        registry.registerMeter(ctx, json({ meterId, participantId, kind, publicKeyPem: pem, exportCapacityW, communityId: 'c1' })),
      ),
    );
  await meter('h1.pv', 'home-01', 'production', keys.pv.publicKeyPem, 0);
  await meter('h1.main', 'home-01', 'consumption', keys.main1.publicKeyPem, 0);
  await meter('h2.main', 'home-02', 'consumption', keys.main2.publicKeyPem, 0);
  await ok(
    f.run(home1, (ctx) =>
      assets.registerSite(ctx, json({ siteId: 's1', participantId: 'home-01', connectionCapacityW: 5000, zone: 'z1' })),
    ),
  );
  await ok(
    f.run(operator, (ctx) =>
      assets.registerSite(ctx, json({ siteId: 's2', participantId: 'home-02', connectionCapacityW: 5000, zone: 'z2' })),
    ),
  );
  await ok(f.run(home1, (ctx) => assets.attachMeter(ctx, 'h1.main', 's1')));
  await ok(f.run(home1, (ctx) => assets.attachMeter(ctx, 'h1.pv', 's1')));
  await ok(f.run(operator, (ctx) => assets.attachMeter(ctx, 'h2.main', 's2')));
  return f;
}

const pvAsset = {
  assetId: 'pv-1',
  participantId: 'home-01',
  meterId: 'h1.pv',
  source: 'solar',
  capacityW: 4000,
  zone: 'z1',
  feeder: 'f1',
  location: '52.40 N 13.10 E',
  commissionedOn: '2024-05-01',
  certificationHash: 'ab'.repeat(32),
};

describe('assets', () => {
  it('a producer registers an asset, the regulator verifies it, maintenance is recorded, history is kept', async () => {
    const f = await community();
    expect((await f.run(home2, (ctx) => assets.registerAsset(ctx, json(pvAsset)))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.run(home1, (ctx) => assets.registerAsset(ctx, json({ ...pvAsset, meterId: 'h1.main' })))).error?.code).toBe(
      ErrorCodes.ASSET_INVALID,
    );
    const reg = await f.run(home1, (ctx) => assets.registerAsset(ctx, json(pvAsset)));
    expect(reg.result).toMatchObject({ ...pvAsset, verification: null });
    expect((await f.run(home1, (ctx) => assets.registerAsset(ctx, json(pvAsset)))).error?.code).toBe(ErrorCodes.ASSET_EXISTS);
    // The meter's export limit is now its assets' capacity.
    expect((await f.evaluate(bridge, (ctx) => registry.getMeter(ctx, 'h1.pv'))).result.exportCapacityW).toBe(4000);

    expect((await f.run(operator, (ctx) => assets.verifyAsset(ctx, 'pv-1'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.run(identity('CommunityMSP', 'regulator', 'fake'), (ctx) => assets.verifyAsset(ctx, 'pv-1'))).error?.code).toBe(
      ErrorCodes.ACCESS_DENIED,
    );
    const verified = await f.run(regulator, (ctx) => assets.verifyAsset(ctx, 'pv-1'));
    expect(verified.result.verification).toEqual({ verifiedBy: 'reg-1', verifiedAt: expect.any(String), txId: verified.txId });
    const entry = { kind: 'inspection', performedOn: '2026-11-01', note: 'inverter checked' };
    await f.run(home1, (ctx) => assets.addAssetRecord(ctx, 'pv-1', json(entry)), true, 'ffff');
    const history = (await f.evaluate(regulator, (ctx) => assets.getAssetHistory(ctx, 'pv-1'))).result;
    expect(
      history.map((h: { value: { verification: unknown; lastRecord: unknown } }) => [
        h.value.verification !== null,
        h.value.lastRecord !== null,
      ]),
    ).toEqual([
      [false, false],
      [true, false],
      [true, true],
    ]);
    // Records of its own, one a version, with the transaction that wrote it: the peers keep no history database.
    expect(history.map((h: { txId: string; timestamp: number }) => [h.txId, h.timestamp])).toEqual(
      [reg.txId, verified.txId, 'ffff'].map((txId) => [txId, f.now]),
    );
    const { records: _records, ...current } = (await f.evaluate(regulator, (ctx) => assets.getAsset(ctx, 'pv-1'))).result;
    expect(history.at(-1).value).toEqual(current);
    expect((await f.evaluate(regulator, (ctx) => assets.getAsset(ctx, 'pv-1'))).result.records).toEqual([
      { ...entry, number: 1, txId: 'ffff', recordedAt: expect.any(String) },
    ]);
    // A later record with an earlier timestamp and a lower transaction id still comes second.
    f.now -= 60;
    await f.run(
      home1,
      (ctx) => assets.addAssetRecord(ctx, 'pv-1', json({ ...entry, kind: 'maintenance', note: 'panels cleaned' })),
      true,
      '0000',
    );
    f.now += 60;
    const records = (await f.evaluate(regulator, (ctx) => assets.getAsset(ctx, 'pv-1'))).result.records;
    expect(records.map((r: { number: number; note: string; txId: string }) => [r.number, r.note, r.txId])).toEqual([
      [1, 'inverter checked', 'ffff'],
      [2, 'panels cleaned', '0000'],
    ]);
    expect(
      (await f.evaluate(regulator, (ctx) => assets.listAssets(ctx, 'home-01'))).result.map((a: { assetId: string }) => a.assetId),
    ).toEqual(['pv-1']);
    await f.run(home2, (ctx) => assets.setPreferences(ctx, 'home-02', json({ sources: ['wind', 'solar'], locality: 'zone' })));
    expect((await f.evaluate(home2, (ctx) => assets.getPreferences(ctx, 'home-02'))).result).toMatchObject({
      sources: ['solar', 'wind'],
      locality: 'zone',
    });
    // A household's sites, assets and preferences are its own: another household reads none of them.
    expect((await f.evaluate(home2, (ctx) => assets.listAssets(ctx, 'home-01'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(home2, (ctx) => assets.getAsset(ctx, 'pv-1'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(home2, (ctx) => assets.listSites(ctx, 'home-01'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(home1, (ctx) => assets.getPreferences(ctx, 'home-02'))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.run(home1, (ctx) => assets.setPreferences(ctx, 'home-02', json({ sources: [], locality: 'any' })))).error?.code).toBe(
      ErrorCodes.ACCESS_DENIED,
    );
  });
});

describe('window close, tokens, corrections, disputes', () => {
  it(
    'a close in pages of participants (each its own transaction) ends ' + 'in the same positions, zone totals and tokens as a close in one',
    async () => {
      const signed = [reading('h1.pv', I, 1, 0, 800, 0, 50_800), reading('h1.main', I, 1, 300, 0, 20_300, 0)].map((r) =>
        signReading(r, (r.meterId === 'h1.pv' ? keys.pv : keys.main1).privateKey),
      );
      const late = signReading(reading('h2.main', I, 1, 250, 0, 10_250, 0), keys.main2.privateKey);
      const ledgers = [await community(), await community()];
      for (const f of ledgers) {
        await f.run(home1, (ctx) => assets.registerAsset(ctx, json(pvAsset)));
        f.now = T + 900 + 60;
        expect((await f.run(bridge, (ctx) => submitVia(metering, ctx, json(signed)))).ok).toBe(true);
      }
      const [whole, paged] = ledgers;
      expect((await whole.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I))).result.window).toMatchObject({
        participants: 2,
        meters: 3,
        estimated: 1,
      });
      // Pages of one meter: each transaction finishes the participant it started (home-01 has two).
      expect((await paged.run(operator, (ctx) => metering.setParams(ctx, json({ closePageMeters: 1 })))).ok).toBe(true);
      const page = (f: FakeFabric) => f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I));
      const first = await page(paged);
      expect(first.result).toMatchObject({
        closing: { afterParticipantId: 'home-01', pages: 1, meters: 2 },
        positions: [{ participantId: 'home-01' }],
      });
      expect(first.result).not.toHaveProperty('window');
      expect(first.events[0].payload).toMatchObject({ page: 1, last: false, positions: [{ participantId: 'home-01' }] });
      // Between pages the interval takes no new reading: its window is closing.
      expect((await paged.run(bridge, (ctx) => submitVia(metering, ctx, json([late])))).result.results[0].code).toBe(
        ErrorCodes.READING_TOO_LATE,
      );
      expect((await paged.evaluate(regulator, (ctx) => energy.getCommunityView(ctx, 'c1', I))).error?.code).toBe(
        ErrorCodes.WINDOW_STATE_INVALID,
      );
      const last = await page(paged);
      expect(last.result.window).toMatchObject({
        participants: 2,
        meters: 3,
        estimated: 1,
        participantIds: ['home-01', 'home-02'],
        pages: 2,
      });
      expect(last.events[0].payload).toMatchObject({
        page: 2,
        last: true,
        positions: [{ participantId: 'home-02' }],
        zones: [{ zone: 'z1' }, { zone: 'z2' }],
      });
      expect(paged.dump((k) => k.startsWith('\u0000windowClose'))).toEqual({});
      const settled = (f: FakeFabric) => {
        const strip = (v: unknown) =>
          JSON.parse(JSON.stringify(v, (k, x) => (['txId', 'closedAt', 'estimatedAt'].includes(k) ? undefined : x)));
        return strip(
          f.dump((k) => ['\u0000position', '\u0000zoneInterval', '\u0000energyToken', '\u0000estimate'].some((p) => k.startsWith(p))),
        );
      };
      expect(settled(paged)).toEqual(settled(whole));
      expect(Object.keys(settled(whole)).length).toBeGreaterThan(4);
    },
  );

  it('estimates what is missing, tokenises verified surplus once, settles a correction once, and adjusts tokens on a dispute', async () => {
    const f = await community();
    await f.run(home1, (ctx) => assets.registerAsset(ctx, json(pvAsset)));
    f.now = T + 900 + 60;
    const submit = (rs: Reading[], key: Record<string, typeof keys.pv>) =>
      f.run(bridge, (ctx) => submitVia(metering, ctx, json(rs.map((r) => signReading(r, key[r.meterId].privateKey)))));
    const byMeter = { 'h1.pv': keys.pv, 'h1.main': keys.main1, 'h2.main': keys.main2 };
    const yesterday = at(T - 86_400);
    const day = await submit(
      [
        reading('h2.main', yesterday, 1, 250, 0, 10_250, 0),
        reading('h1.pv', I, 1, 0, 800, 0, 50_800),
        reading('h1.main', I, 1, 300, 0, 20_300, 0),
        // 2,000 Wh in 15 minutes through a 5 kW connection: refused.
        reading('h1.main', at(T - 900), 9, 2000, 0, 20_000, 0),
      ],
      byMeter,
    );
    expect(day.result.results.map((r: { code?: string; status: string }) => r.code ?? r.status)).toEqual([
      'accepted',
      'accepted',
      'accepted',
      ErrorCodes.READING_IMPORT_IMPLAUSIBLE,
    ]);

    // Not before the interval has ended, not by anyone but the community operator.
    f.now = T + 899;
    expect((await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I))).error?.code).toBe(
      ErrorCodes.WINDOW_STATE_INVALID,
    );
    f.now = T + 900 + 120;
    expect(
      (await f.run(identity('UtilityMSP', 'operator', 'u'), (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I))).error?.code,
    ).toBe(ErrorCodes.ACCESS_DENIED);
    // Without a salt seed as transient data there is nothing to salt the private values with.
    expect((await f.run(operator, (ctx) => energy.closeWindow(ctx, 'c1', I))).error?.code).toBe(ErrorCodes.REQUEST_INVALID);
    const closed = await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I));
    expect(closed.ok).toBe(true);
    expect(closed.result.window).toMatchObject({ intervalStart: I, meters: 3, estimated: 1, participants: 2 });
    expect(closed.events).toEqual([{ name: 'WindowClosed', payload: expect.objectContaining({ intervalStart: I }) }]);
    expect(closed.events[0].payload).toMatchObject({
      positions: [
        { participantId: 'home-01', balance: 'surplus', productionWh: 800, estimated: false, tokensWh: 500 },
        { participantId: 'home-02', balance: 'deficit', productionWh: 0, estimated: true, tokensWh: 0 },
      ],
    });
    // Neither the event nor the answer (both in the block) carries a household's consumption or net; the zone totals are public.
    expect(JSON.stringify([(closed.events[0].payload as { positions: unknown }).positions, closed.result])).not.toMatch(
      /consumptionWh|netWh|importWh/,
    );
    expect((await f.evaluate(operator, (ctx) => energy.getEstimate(ctx, 'h2.main', I))).result).toMatchObject({
      importWh: 250,
      exportWh: 0,
      rule: 'previous-day-import',
      basedOn: yesterday,
    });
    expect((await f.evaluate(regulator, (ctx) => energy.getEstimate(ctx, 'h2.main', I))).result).not.toHaveProperty('importWh');
    // Another household of the community (its organization's peer holds the data) does not see it either.
    expect((await f.evaluate(home1, (ctx) => energy.getEstimate(ctx, 'h2.main', I))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(home2, (ctx) => energy.getEstimate(ctx, 'h2.main', I))).result).toHaveProperty('importWh', 250);
    // The position as the members see it, and the public record: no consumption, no net, only the hash.
    expect((await f.evaluate(home2, (ctx) => energy.getPosition(ctx, 'home-02', I))).result).toMatchObject({
      consumptionWh: 250,
      netWh: -250,
      meters: [{ meterId: 'h2.main', importWh: 250 }],
    });
    const shared = f.dump((k) => k.startsWith('\u0000position\u0000home-02'));
    expect(Object.values(shared)).toEqual([
      expect.objectContaining({ consumptionHash: expect.stringMatching(/^[0-9a-f]{64}$/), estimated: true }),
    ]);
    expect(JSON.stringify(shared)).not.toMatch(/consumptionWh|netWh|importWh/);
    expect((await f.evaluate(home1, (ctx) => energy.getTokenBalance(ctx, 'home-01'))).result).toMatchObject({
      balanceWh: 500,
      lots: [{ assetId: 'pv-1', source: 'solar', amountWh: 500 }],
    });
    expect((await f.evaluate(home2, (ctx) => energy.getTokenBalance(ctx, 'home-02'))).result.balanceWh).toBe(0);
    // Closing again changes nothing.
    const again = await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I));
    expect(again.result.alreadyClosed).toBe(true);
    expect(again.writes.size).toBe(0);

    // The community view and the regulator.
    const view = (await f.evaluate(regulator, (ctx) => energy.getCommunityView(ctx, 'c1', I))).result;
    expect(view).toMatchObject({ productionWh: 800, consumptionWh: 550, netExchangeWh: 250, estimatedMeters: 1 });
    expect(view.zones.map((z: { zone: string; netWh: number }) => [z.zone, z.netWh])).toEqual([
      ['z1', 500],
      ['z2', -250],
    ]);
    expect((await f.evaluate(regulator, (ctx) => energy.getPosition(ctx, 'home-02', I))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(home1, (ctx) => energy.getPosition(ctx, 'home-02', I))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);

    // A new reading for the closed interval is too late; the missing one corrects its estimate, once.
    f.now = T + 5 * 86_400;
    const late = await submit([reading('h1.main', I, 1, 301, 0, 20_301, 0)], byMeter);
    expect(late.result.results[0].code).toBe(ErrorCodes.READING_CONFLICT);
    const correction = await submit([reading('h2.main', I, 2, 400, 0, 10_650, 0)], byMeter);
    expect(correction.result.results[0].status).toBe('accepted');
    expect(correction.events[0].payload).toMatchObject({
      corrections: [{ participantId: 'home-02', estimated: false, balance: 'deficit' }],
    });
    expect(JSON.stringify([correction.events, correction.result])).not.toMatch(/consumptionWh|netWh|importWh|"400"/);
    const position2 = (await f.evaluate(home2, (ctx) => energy.getPosition(ctx, 'home-02', I))).result;
    expect(position2).toMatchObject({
      netWh: -400,
      estimated: false,
      corrections: [{ meterId: 'h2.main', txId: correction.txId, reason: 'verified-reading' }],
    });
    expect((await f.evaluate(bridge, (ctx) => energy.getEstimate(ctx, 'h2.main', I))).result.supersededBy).toBe(correction.txId);
    const replay = await submit([reading('h2.main', I, 2, 400, 0, 10_650, 0)], byMeter);
    expect(replay.result.results[0].status).toBe('duplicate');
    expect(replay.writes.size).toBe(0);
    expect((await f.evaluate(regulator, (ctx) => energy.getCommunityView(ctx, 'c1', I))).result).toMatchObject({
      consumptionWh: 700,
      estimatedMeters: 0,
    });

    // The market moves tokens at settlement; never more than the owner holds.
    // Its transaction id sorts before the mint's: the token history must still list the mint first.
    const transfer = (amount: number) =>
      f.run(
        operator,
        (ctx: Context) => respond(ctx, 't', () => transferEnergyTokens(ctx, 'home-01', 'home-02', I, amount, 'trade-1')),
        true,
        '0000',
      );
    expect((await transfer(501)).error?.code).toBe(ErrorCodes.TOKENS_INSUFFICIENT);
    expect((await transfer(200)).ok).toBe(true);
    expect((await f.evaluate(home2, (ctx) => energy.getTokenBalance(ctx, 'home-02'))).result.balanceWh).toBe(200);

    // home-01 disputes its PV reading; the operator corrects export to 600: net 300, 200 Wh of tokens burnt.
    expect(
      (await f.run(home2, (ctx) => energy.disputeReading(ctx, json({ meterId: 'h1.pv', intervalStart: I, reason: 'x' })))).error?.code,
    ).toBe(ErrorCodes.ACCESS_DENIED);
    const opened = await f.run(home1, (ctx) =>
      energy.disputeReading(ctx, json({ meterId: 'h1.pv', intervalStart: I, reason: 'inverter log says 600 Wh' })),
    );
    expect(opened.result).toMatchObject({ status: 'open', original: { kind: 'reading', exportWh: 800 } });
    const resolve = (body: unknown, fields: Record<string, string | Buffer> = { ...SEED, importWh: '0' }) =>
      f.run(operator, (ctx) => energy.resolveDispute(withTransient(ctx, fields), json(body)));
    expect((await resolve({ meterId: 'h1.pv', intervalStart: I, importWh: 0, exportWh: 600, note: 'x' })).error?.details).toMatchObject({
      field: 'importWh',
    });
    expect((await resolve({ meterId: 'h1.pv', intervalStart: I, exportWh: 600, note: 'x' }, { importWh: '0' })).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
    const resolved = await resolve({ meterId: 'h1.pv', intervalStart: I, exportWh: 600, note: 'per inverter log' });
    expect(resolved.result).toMatchObject({ status: 'resolved', original: { exportWh: 800 }, correction: { exportWh: 600, unburntWh: 0 } });
    expect((await f.evaluate(home1, (ctx) => energy.getTokenBalance(ctx, 'home-01'))).result.balanceWh).toBe(100);
    expect((await f.evaluate(bridge, (ctx) => metering.getReading(ctx, 'h1.pv', I))).result.exportWh).toBe(800);
    expect((await resolve({ meterId: 'h1.pv', intervalStart: I, exportWh: 600, note: 'again' })).error?.code).toBe(
      ErrorCodes.DISPUTE_INVALID,
    );
    expect(resolved.result.correction).toMatchObject({ importHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await f.evaluate(home1, (ctx) => energy.getDispute(ctx, 'h1.pv', at(T + 900)))).error?.code).toBe(ErrorCodes.DISPUTE_NOT_FOUND);
    expect((await f.evaluate(home1, (ctx) => energy.getDispute(ctx, 'h1.pv', '2026-11-21T12:01:00Z'))).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );
    expect((await f.evaluate(home1, (ctx) => energy.getPosition(ctx, 'home-01', 'noon'))).error?.code).toBe(ErrorCodes.REQUEST_INVALID);
    expect((await f.evaluate(home1, (ctx) => energy.getEstimate(ctx, 'h1.pv', '2026-11-21T12:00:01Z'))).error?.code).toBe(
      ErrorCodes.REQUEST_INVALID,
    );

    // No household value in the channel's state (zone totals aside): readings, estimates, positions, disputes.
    const channel = JSON.stringify(f.dump((k) => !k.startsWith('\u0000zoneInterval')));
    expect(channel).not.toMatch(/"(importWh|importRegisterWh|consumptionWh|netWh|sig)"/);
    // The regulator's identity sees a reading without its import; a member sees it whole.
    expect((await f.evaluate(regulator, (ctx) => metering.getReading(ctx, 'h2.main', I))).result).toEqual(
      expect.not.objectContaining({ importWh: expect.anything() }),
    );
    // Another household's reading is not for home-01 at all (not even without its import).
    expect((await f.evaluate(home1, (ctx) => metering.getReading(ctx, 'h2.main', I))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    expect((await f.evaluate(home2, (ctx) => metering.getReading(ctx, 'h2.main', I))).result).toMatchObject({
      importWh: 400,
      importRegisterWh: 10_650,
    });
    // Household consumption: in the private collection, verifiable by anyone from its hash.
    const own = (await f.evaluate(home2, (ctx) => energy.getConsumption(ctx, 'home-02', I))).result;
    expect(own.value).toMatchObject({
      participantId: 'home-02',
      intervalStart: I,
      consumptionWh: 400,
      salt: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await f.evaluate(regulator, (ctx) => energy.getConsumption(ctx, 'home-02', I))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
    // On a peer outside the collection (the regulator's) nobody gets the value: transactions fail rather than endorse without it, queries
    // show the public record.
    const utility = identity('UtilityMSP', 'utility', 'utility');
    expect((await f.evaluate(utility, (ctx) => energy.getConsumption(onPeerOutsideCollection(ctx), 'home-02', I))).error?.code).toBe(
      ErrorCodes.PRIVATE_DATA_UNAVAILABLE,
    );
    expect((await f.evaluate(home2, (ctx) => energy.getPosition(onPeerOutsideCollection(ctx), 'home-02', I))).result).toEqual(
      expect.objectContaining({ consumptionHash: own.sha256 }),
    );
    expect((await f.evaluate(home2, (ctx) => energy.getPosition(onPeerOutsideCollection(ctx), 'home-02', I))).result).not.toHaveProperty(
      'consumptionWh',
    );
    const verify = async (value: unknown) =>
      (await f.evaluate(regulator, (ctx) => energy.verifyConsumption(ctx, 'home-02', I, json(value)))).result;
    expect(await verify(own.value)).toMatchObject({ matches: true, onChainSha256: own.sha256 });
    expect(await verify({ ...own.value, consumptionWh: 399 })).toMatchObject({ matches: false });
    expect(await verify({ ...own.value, salt: 'x' })).toMatchObject({ matches: false });

    const moves = (await f.evaluate(home1, (ctx) => energy.listTokenMoves(ctx, json({ participantId: 'home-01' })))).result.items;
    expect(moves.map((m: { number: number; kind: string; amountWh: number }) => [m.number, m.kind, m.amountWh])).toEqual([
      [1, 'mint', 500],
      [2, 'transfer-out', 200],
      [3, 'burn', 200],
    ]);
  });

  it('window close retires the gap it ends and estimates the missing interval; a gap across a later interval stays open', async () => {
    const f = await community();
    f.now = T + 5 * 900;
    const main = (k: number, seq: number, reg: number) =>
      signReading(reading('h1.main', at(T + k * 900), seq, 100, 0, reg, 0), keys.main1.privateKey);
    await f.run(bridge, (ctx) => submitVia(metering, ctx, json([main(0, 1, 5100), main(2, 3, 5300), main(4, 5, 5500)])));
    const gaps = async () =>
      (await f.evaluate(bridge, (ctx) => metering.listGaps(ctx, 'h1.main'))).result.map((g: { afterSeq: number }) => g.afterSeq);
    expect(await gaps()).toEqual([1, 3]);
    const closed = await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', at(T + 900)));
    expect(closed.result.window).toMatchObject({ retiredGaps: 1 });
    expect(await gaps()).toEqual([3]);
    expect(f.dump((k) => k.startsWith('\u0000retiredGap'))).toEqual({
      '\u0000retiredGap\u0000h1.main\u00000000000000000001\u0000': expect.objectContaining({
        afterSeq: 1,
        beforeSeq: 3,
        retiredAt: at(T + 900),
        txId: closed.txId,
      }),
    });
    expect((await f.evaluate(operator, (ctx) => energy.getEstimate(ctx, 'h1.main', at(T + 900)))).result).toMatchObject({
      rule: 'zero',
      importWh: 0,
    });

    // Windows close in any order: the gap after seq 3 misses interval 3 only, so it stays open
    // until that window closes, whichever windows close before it.
    const close = (k: number) => f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', at(T + k * 900)));
    expect((await close(4)).result.window).toMatchObject({ retiredGaps: 0 });
    expect((await close(0)).ok).toBe(true);
    expect(await gaps()).toEqual([3]);
    expect((await close(3)).result.window).toMatchObject({ retiredGaps: 1 });
    expect(await gaps()).toEqual([]);
  });

  it('a window is its start and its length: one closed on a 60 s grid is not the 900 s window at the same instant', async () => {
    const f = await community();
    f.now = T + 900 + 60;
    expect((await f.run(operator, (ctx) => metering.setParams(ctx, json({ intervalSeconds: 60 })))).ok).toBe(true);
    expect((await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I))).result.window).toMatchObject({
      intervalStart: I,
    });
    expect((await f.evaluate(operator, (ctx) => energy.getWindow(ctx, 'c1', I))).result).toMatchObject({
      intervalStart: I,
      closedAt: at(T + 960),
    });
    expect((await f.run(operator, (ctx) => metering.setParams(ctx, json({ intervalSeconds: 900 })))).ok).toBe(true);

    // Back on the 900 s grid the interval at I is open: a meter registered now reports for it, and its close counts it.
    expect((await f.evaluate(operator, (ctx) => energy.getWindow(ctx, 'c1', I))).result).toEqual({
      communityId: 'c1',
      intervalStart: I,
      closed: false,
    });
    await f.run(operator, (ctx) =>
      registry.registerMeter(
        ctx,
        json({
          meterId: 'h2.new',
          participantId: 'home-02',
          kind: 'consumption',
          publicKeyPem: keys.fresh.publicKeyPem,
          exportCapacityW: 0,
          communityId: 'c1',
        }),
      ),
    );
    await f.run(operator, (ctx) => assets.attachMeter(ctx, 'h2.new', 's2'));
    const submitted = await f.run(bridge, (ctx) =>
      submitVia(metering, ctx, json([signReading(reading('h2.new', I, 1, 400, 0, 400, 0), keys.fresh.privateKey)])),
    );
    expect(submitted.result.results.map((r: { code?: string; status: string }) => r.code ?? r.status)).toEqual(['accepted']);
    f.now = T + 900 + 120;
    const closed = await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I));
    expect(closed.result.window).toMatchObject({ intervalStart: I, closedAt: at(T + 1020) });
    const view = (await f.evaluate(regulator, (ctx) => energy.getCommunityView(ctx, 'c1', I))).result;
    expect(view.zones.find((z: { zone: string }) => z.zone === 'z2')).toMatchObject({ consumptionWh: 400 });
  });

  it('windows are per community: each closes its own meters, counts them in its own zones, and takes no reading once closed', async () => {
    const f = await community();
    await f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: 'home-03', role: 'consumer' })));
    await f.run(operator, (ctx) =>
      assets.registerSite(ctx, json({ siteId: 's3', participantId: 'home-03', connectionCapacityW: 5000, zone: 'z2' })),
    );
    await f.run(operator, (ctx) =>
      registry.registerMeter(
        ctx,
        json({
          meterId: 'h3.main',
          participantId: 'home-03',
          kind: 'consumption',
          publicKeyPem: keys.fresh.publicKeyPem,
          exportCapacityW: 0,
          communityId: 'c2',
        }),
      ),
    );
    await f.run(operator, (ctx) => assets.attachMeter(ctx, 'h3.main', 's3'));
    // A participant's meters share one community.
    const elsewhere = await f.run(operator, (ctx) =>
      registry.registerMeter(
        ctx,
        json({
          meterId: 'h3.pv',
          participantId: 'home-03',
          kind: 'production',
          publicKeyPem: keys.fresh.publicKeyPem,
          exportCapacityW: 0,
          communityId: 'c1',
        }),
      ),
    );
    expect(elsewhere.error).toMatchObject({
      code: ErrorCodes.METER_COMMUNITY_CONFLICT,
      details: { participantId: 'home-03', communityId: 'c2' },
    });
    f.now = T + 900 + 60;
    const main2 = signReading(reading('h2.main', I, 1, 250, 0, 10_250, 0), keys.main2.privateKey);
    const main3 = signReading(reading('h3.main', I, 1, 400, 0, 400, 0), keys.fresh.privateKey);
    expect(
      (await f.run(bridge, (ctx) => submitVia(metering, ctx, json([main2])))).result.results.map((r: { status: string }) => r.status),
    ).toEqual(['accepted']);

    // c1's close: its three meters (h3.main is not among them); c2's window stays open and takes h3's reading.
    const closed = await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I));
    expect(closed.result.window).toMatchObject({ communityId: 'c1', intervalStart: I, meters: 3, participantIds: ['home-01', 'home-02'] });
    expect((await f.evaluate(operator, (ctx) => energy.getWindow(ctx, 'c2', I))).result).toEqual({
      communityId: 'c2',
      intervalStart: I,
      closed: false,
    });
    expect(
      (await f.run(bridge, (ctx) => submitVia(metering, ctx, json([main3])))).result.results.map((r: { status: string }) => r.status),
    ).toEqual(['accepted']);
    const late = signReading(reading('h1.main', I, 1, 300, 0, 20_300, 0), keys.main1.privateKey);
    // corrects its estimate
    expect((await f.run(bridge, (ctx) => submitVia(metering, ctx, json([late])))).result.results[0].status).toBe('accepted');
    expect((await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c2', I))).result.window).toMatchObject({
      communityId: 'c2',
      meters: 1,
      participantIds: ['home-03'],
    });
    // Now c2's window takes no new reading either.
    await f.run(operator, (ctx) => registry.registerParticipant(ctx, json({ participantId: 'home-04', role: 'consumer' })));
    await f.run(operator, (ctx) =>
      registry.registerMeter(
        ctx,
        json({
          meterId: 'h4.main',
          participantId: 'home-04',
          kind: 'consumption',
          publicKeyPem: keys.pv.publicKeyPem,
          exportCapacityW: 0,
          communityId: 'c2',
        }),
      ),
    );
    const tooLate = signReading(reading('h4.main', I, 1, 100, 0, 100, 0), keys.pv.privateKey);
    expect((await f.run(bridge, (ctx) => submitVia(metering, ctx, json([tooLate])))).result.results[0]).toMatchObject({
      status: 'rejected',
      code: ErrorCodes.READING_TOO_LATE,
    });

    const view = async (c: string) => (await f.evaluate(regulator, (ctx) => energy.getCommunityView(ctx, c, I))).result;
    expect((await view('c1')).zones.find((z: { zone: string }) => z.zone === 'z2')).toMatchObject({
      communityId: 'c1',
      consumptionWh: 250,
      meters: 1,
    });
    expect(await view('c2')).toMatchObject({
      communityId: 'c2',
      consumptionWh: 400,
      zones: [{ communityId: 'c2', zone: 'z2', consumptionWh: 400, meters: 1 }],
    });
  });

  it('a meter registered after the interval, reporting before it and exchanged since, counts: the close estimates it', async () => {
    const f = await community();
    await f.run(home1, (ctx) => assets.registerAsset(ctx, json(pvAsset)));
    const I30 = at(T + 1800);
    // Registered once 12:30 has ended, with an accepted 12:15 reading.
    f.now = T + 2700 + 60;
    const heatMeter = { meterId: 'h1.heat', participantId: 'home-01', kind: 'consumption', exportCapacityW: 0, communityId: 'c1' };
    await f.run(operator, (ctx) => registry.registerMeter(ctx, json({ ...heatMeter, publicKeyPem: keys.fresh.publicKeyPem })));
    const heat = signReading(reading('h1.heat', at(T + 900), 1, 400, 0, 10_400, 0), keys.fresh.privateKey);
    const own = [reading('h1.pv', I30, 1, 0, 800, 0, 50_800), reading('h1.main', I30, 1, 100, 0, 20_100, 0)];
    const signedOwn = own.map((r) => signReading(r, (r.meterId === 'h1.pv' ? keys.pv : keys.main1).privateKey));
    const submitted = await f.run(bridge, (ctx) => submitVia(metering, ctx, json([heat, ...signedOwn])));
    expect(submitted.result.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    // Exchanged from 12:30 of the next day; the new device reports from then on: no gap spans the exchange.
    const day2 = T + 86_400 + 1800;
    const baseline = { firstSeq: 1, importRegisterWh: 0, exportRegisterWh: 0 };
    const exchange = { meterId: 'h1.heat', effectiveFrom: at(day2), publicKeyPem: keys.main2.publicKeyPem, ...baseline };
    expect((await f.run(operator, (ctx) => energy.exchangeMeter(ctx, json(exchange)))).ok).toBe(true);
    f.now = day2 + 900 + 60;
    const fresh = signReading(reading('h1.heat', at(day2), 1, 50, 0, 50, 0), keys.main2.privateKey);
    expect((await f.run(bridge, (ctx) => submitVia(metering, ctx, json([fresh])))).result.results[0].status).toBe('accepted');
    expect((await f.evaluate(bridge, (ctx) => metering.listGaps(ctx, 'h1.heat'))).result).toEqual([]);

    const closed = await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I30));
    expect(closed.result.window).toMatchObject({ meters: 4, estimated: 2 });
    const estimate = (await f.evaluate(operator, (ctx) => energy.getEstimate(ctx, 'h1.heat', I30))).result;
    expect(estimate).toMatchObject({ meterId: 'h1.heat', rule: 'zero' });
    // home-01's position is not verified without its heat pump's meter: no tokens.
    const position = (await f.evaluate(home1, (ctx) => energy.getPosition(ctx, 'home-01', I30))).result;
    expect(position).toMatchObject({ estimated: true, tokens: [] });
    expect(position.meters.map((m: { meterId: string }) => m.meterId)).toEqual(['h1.heat', 'h1.main', 'h1.pv']);
    expect((await f.evaluate(home1, (ctx) => energy.getTokenBalance(ctx, 'home-01'))).result.balanceWh).toBe(0);
    // A meter registered after the interval whose first reading comes after it does not count for it.
    const earlier = await f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', I));
    expect(earlier.result.window).toMatchObject({ meters: 3 });
  });

  it("no gap stays open once all it misses is closed: a retired meter's, and what a correction leaves of a retired one", async () => {
    const f = await community();
    f.now = T + 6 * 900;
    const main = (k: number, seq: number, reg: number) =>
      signReading(reading('h1.main', at(T + k * 900), seq, 100, 0, reg, 0), keys.main1.privateKey);
    const pv = (k: number, seq: number) => signReading(reading('h1.pv', at(T + k * 900), seq, 0, 0, 0, 0), keys.pv.privateKey);
    await f.run(bridge, (ctx) => submitVia(metering, ctx, json([main(0, 1, 5100), main(4, 5, 5500), pv(0, 1), pv(3, 4)])));
    const gaps = async (meterId: string): Promise<number[][]> => {
      const listed: { afterSeq: number; beforeSeq: number }[] = (await f.evaluate(bridge, (ctx) => metering.listGaps(ctx, meterId))).result;
      return listed.map((g) => [g.afterSeq, g.beforeSeq]);
    };
    expect(await gaps('h1.pv')).toEqual([[1, 4]]);
    // The PV meter is retired; the windows its gap misses (1 and 2) close afterwards, out of order.
    await f.run(operator, (ctx) => energy.retireMeter(ctx, 'h1.pv'));
    const close = (k: number) => f.run(operator, (ctx) => energy.closeWindow(withTransient(ctx, SEED), 'c1', at(T + k * 900)));
    expect((await close(2)).result.window).toMatchObject({ retiredGaps: 0 });
    expect((await close(1)).result.window).toMatchObject({ retiredGaps: 1 });
    expect(await gaps('h1.pv')).toEqual([]);
    // h1.main's gap misses 1, 2 and 3: retired by the close of 3, its last open window.
    expect(await gaps('h1.main')).toEqual([[1, 5]]);
    expect((await close(3)).result.window).toMatchObject({ retiredGaps: 1 });
    expect(await gaps('h1.main')).toEqual([]);
    type Retired = { afterSeq: number; beforeSeq: number; retiredAt: string | null };
    const retired = () => {
      const records = Object.values(f.dump((k) => k.startsWith('\u0000retiredGap\u0000h1.main'))) as Retired[];
      return records.map((g) => [g.afterSeq, g.beforeSeq, g.retiredAt]);
    };
    expect(retired()).toEqual([[1, 5, at(T + 3 * 900)]]);
    // A verified reading for 2 corrects its estimate; the pieces left beside it miss closed windows only: retired at once.
    const correction = await f.run(bridge, (ctx) => submitVia(metering, ctx, json([main(2, 3, 5300)])));
    expect(correction.result.results[0].status).toBe('accepted');
    expect(await gaps('h1.main')).toEqual([]);
    expect(retired()).toEqual([
      [1, 3, null],
      [3, 5, null],
    ]);
    // Filling a retired gap entirely removes its record.
    expect((await f.run(bridge, (ctx) => submitVia(metering, ctx, json([main(1, 2, 5200)])))).result.results[0].status).toBe('accepted');
    expect(retired()).toEqual([[3, 5, null]]);
  });

  it(
    'a meter exchanged mid-day goes on reporting with its new key ' + 'and counters; a retired meter answers retries as duplicates',
    async () => {
      const f = await community();
      f.now = T + 4 * 900 + 60;
      const main = (k: number, seq: number, imp: number, reg: number, key = keys.main1) =>
        signReading(reading('h1.main', at(T + k * 900), seq, imp, 0, reg, 0), key.privateKey);
      expect(
        (await f.run(bridge, (ctx) => submitVia(metering, ctx, json([main(0, 41, 100, 5100), main(1, 42, 100, 5200)])))).result.results.map(
          (r: { status: string }) => r.status,
        ),
      ).toEqual(['accepted', 'accepted']);
      const exchange = {
        meterId: 'h1.main',
        effectiveFrom: at(T + 2 * 900),
        publicKeyPem: keys.fresh.publicKeyPem,
        firstSeq: 1,
        importRegisterWh: 0,
        exportRegisterWh: 0,
      };
      expect(
        (await f.run(operator, (ctx) => energy.exchangeMeter(ctx, json({ ...exchange, effectiveFrom: at(T + 900) })))).error?.code,
      ).toBe(ErrorCodes.ASSET_INVALID);
      expect((await f.run(home1, (ctx) => energy.exchangeMeter(ctx, json(exchange)))).error?.code).toBe(ErrorCodes.ACCESS_DENIED);
      expect((await f.run(operator, (ctx) => energy.exchangeMeter(ctx, json(exchange)))).ok).toBe(true);
      const after = await f.run(bridge, (ctx) =>
        submitVia(metering, ctx, json([main(2, 1, 80, 80, keys.fresh), main(3, 2, 90, 170, keys.fresh), main(3, 43, 90, 5290)])),
      );
      expect(after.result.results.map((r: { code?: string; status: string }) => r.code ?? r.status)).toEqual([
        'accepted',
        'accepted',
        ErrorCodes.READING_BAD_SIGNATURE,
      ]);

      await f.run(operator, (ctx) => energy.retireMeter(ctx, 'h1.main'));
      const retired = await f.run(bridge, (ctx) =>
        submitVia(
          metering,
          ctx,
          json([main(1, 42, 100, 5200), signReading(reading('h1.main', at(T + 4 * 900), 3, 1, 0, 171, 0), keys.fresh.privateKey)]),
        ),
      );
      f.now += 900;
      expect(retired.result.results.map((r: { code?: string; status: string }) => r.code ?? r.status)).toEqual([
        'duplicate',
        ErrorCodes.METER_INACTIVE,
      ]);
    },
  );
});
