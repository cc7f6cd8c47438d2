/**
 * Storage records and hourly matching on the real network (docs/certificates.md, "Storage",
 * "Hourly matching"): certificates charged into a battery's record within its metered import,
 * one more Wh refused; the battery's discharge hour issued as storage certificates FIFO with the
 * losses left out; a household's hours after a claim; the community's totals for the operator,
 * without any household's hours; the regulator and another household refused a household's hours.
 *
 * One community of its own, hours in the past that no other file closes.
 */
import { formatInstant } from '@gridledger/core/core';
import { trader, Trader, useMeteringInterval } from './market-support';
import { api, eventually, type JsonAnswer, operatorKey, readOnceCommitted, signReading, uid } from './support';
import { closeHour, deliver, hourBack, intervalsOf, issuanceTag, issue, ok, Producer, producer, regulatorKey } from './certificate-support';

useMeteringInterval(900);

const hourStart = hourBack(6);
const nextHour = hourBack(5);
const hourEnd = nextHour;

describe('storage records and hourly matching', () => {
  let p: Producer;
  let battery: Producer;
  let consumer: Producer;
  let other: Trader;
  let issuanceId: string;

  beforeAll(async () => {
    p = await producer();
    const owner = await trader('certbat', p.communityId);
    battery = { ...owner, communityId: p.communityId, assetId: `${owner.participantId}.bat` };
    const asset = {
      assetId: battery.assetId,
      participantId: owner.participantId,
      meterId: owner.meterId,
      source: 'storage',
      capacityW: 5000,
      zone: 'z',
      feeder: 'f1',
      location: '52.40 N 13.10 E',
      commissionedOn: '2025-01-01',
      certificationHash: 'c1'.repeat(32),
    };
    await ok(api('community', owner.apiKey, 'POST', '/assets', asset), 201);
    // The Regulator's peer may not have the registration's block yet.
    await eventually(
      async () => (await api('regulator', regulatorKey(), 'POST', `/assets/${battery.assetId}/verification`)).status === 200,
      10_000,
    );
    const c = await trader('certcons', p.communityId);
    consumer = { ...c, communityId: p.communityId, assetId: '' };
    other = await trader('certother', uid('certo'));
    issuanceId = `${p.assetId}@${issuanceTag(hourStart)}`;

    await deliver(p, hourStart, [400, 400, 400, 400]);
    // The battery charges 500 Wh; its registers then say 500 Wh in and 400 Wh out over its life (80 %).
    await deliver(battery, hourStart, [0, 0, 0, 0], 1, 400, [200, 200, 100, 0]);
    await deliver(consumer, hourStart, [0, 0, 0, 0], 1, 0, [250, 250, 250, 250]);
    await closeHour(p, hourStart);
    await ok(issue(regulatorKey(), 'regulator', p.assetId, hourStart), 201);
    const transfer = (to: Trader, quantityWh: number, from: number) =>
      ok(api('community', p.apiKey, 'POST', `/certificates/${issuanceId}-${from}/transfer`, { to: to.participantId, quantityWh }));
    await transfer(battery, 600, 1);
    await transfer(consumer, 300, 601);
  });

  const charge = (who: Trader, bundle: number, quantityWh: number) =>
    api('community', who.apiKey, 'POST', `/certificates/${issuanceId}-${bundle}/storage-charge`, {
      storageAssetId: battery.assetId,
      quantityWh,
    });

  it("charges a battery's record within its metered import, discharges it FIFO and never certifies the losses", async () => {
    const charged = await ok(charge(battery, 1, 500));
    expect(charged.record).toMatchObject({
      chargeRecordId: `${issuanceId}-1>${battery.assetId}`,
      storageAssetId: battery.assetId,
      chargingStart: hourStart,
      chargingEnergyWh: 500,
      chargingEnergySource: 'solar',
      efficiencyPpm: 800_000,
      dischargeableWh: 400,
      allocatedWh: 0,
    });
    expect(charged.cancelled).toMatchObject({ rangeStart: 1, rangeEnd: 500, status: 'cancelled', owner: battery.participantId });
    expect(typeof charged.txId).toBe('string');

    const beyond = await charge(battery, 501, 1);
    expect([beyond.status, beyond.body.error?.code]).toEqual([422, 'STORAGE_CHARGE_EXCEEDS_METERED']);
    const notOwn = await charge(consumer, 601, 1);
    expect([notOwn.status, notOwn.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);

    // The discharge hour: 500 Wh out; the record may release 400.
    const readings = intervalsOf(nextHour).map((intervalStart, k) =>
      signReading(
        {
          meterId: battery.meterId,
          intervalStart,
          seq: 5 + k,
          importWh: 0,
          exportWh: [150, 150, 150, 50][k],
          importRegisterWh: 500,
          exportRegisterWh: 400 + [150, 300, 450, 500][k],
        },
        battery.privateKeyPem,
      ),
    );
    const submitted = await ok(api('community', operatorKey(), 'POST', '/readings', { readings }));
    expect(submitted.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
    await closeHour(p, nextHour);
    const discharge = () =>
      api('regulator', regulatorKey(), 'POST', '/certificates/storage-discharges', { assetId: battery.assetId, hourStart: nextHour });
    const issued = await ok(discharge(), 201);
    expect(
      issued.bundles.map((b: JsonAnswer) => [b.rangeStart, b.rangeEnd, b.issuedFrom, b.energySource, b.chargeRecordId, b.owner]),
    ).toEqual([[1, 400, 'storage', 'solar', charged.record.chargeRecordId, battery.participantId]]);
    expect(issued).toMatchObject({ meteredDischargeWh: 500, uncertifiedWh: 100, record: { issuedWh: 400 } });
    expect(issued.attributes).toMatchObject({ issuedFrom: 'storage', technology: 'battery storage' });
    expect(issued.cursor.changes).toBe(1);
    const again = await discharge();
    expect([again.status, again.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_ISSUED']);

    const records = await ok(api('community', battery.apiKey, 'GET', `/assets/${battery.assetId}/storage-charges`));
    expect(records.items.map((r: JsonAnswer) => [r.chargingEnergyWh, r.dischargeableWh, r.allocatedWh])).toEqual([[500, 400, 400]]);
    const exported = await ok(api('community', battery.apiKey, 'GET', `/participants/${battery.participantId}/certificates/energytag`));
    expect(
      exported.items
        .filter((b: JsonAnswer) => b.is_storage)
        .map((b: JsonAnswer) => [b.bundle_quantity, b.allocated_storage_record_id, b.storage_efficiency_factor]),
    ).toEqual([[400, charged.record.chargeRecordId, 0.8]]);

    // The charged certificates withdrawn (a faulty meter): their discharge certificates go with them.
    const withdrawal = { rangeStart: 1, rangeEnd: 500, reason: 'meter found faulty' };
    const withdrawn = await ok(api('regulator', regulatorKey(), 'POST', `/certificates/issuances/${issuanceId}/withdrawal`, withdrawal));
    expect(withdrawn.derived.map((b: JsonAnswer) => [b.rangeStart, b.rangeEnd, b.status, b.withdrawal.cause])).toEqual([
      [1, 400, 'withdrawn', 'derived'],
    ]);
  });

  it("matches a household's hours after its claim; the community's totals hold no household's hours", async () => {
    const claim = {
      quantityWh: 200,
      beneficiary: 'Bakery Nord',
      purpose: 'scope 2 market-based',
      consumptionPeriodStart: hourStart,
      consumptionPeriodEnd: hourEnd,
      location: 'Potsdam',
    };
    await ok(api('community', consumer.apiKey, 'POST', `/certificates/${issuanceId}-601/claim`, claim));
    const to = formatInstant(Date.parse(nextHour) / 1000 + 3600);
    const period = `from=${encodeURIComponent(hourStart)}&to=${encodeURIComponent(to)}`;
    const path = `/participants/${consumer.participantId}/matching?${period}`;
    const mine = await ok(api('community', consumer.apiKey, 'GET', path));
    expect(mine.hours).toEqual([
      { hourStart, consumptionWh: 1000, claimedWh: 200, bundledWh: 0, matchedWh: 200, matchedPpm: 200_000 },
      { hourStart: nextHour, consumptionWh: 0, claimedWh: 0, bundledWh: 0, matchedWh: 0, matchedPpm: null },
    ]);
    expect(mine).toMatchObject({ consumptionWh: 1000, matchedWh: 200, scorePpm: 200_000 });

    const byOther = await api('community', other.apiKey, 'GET', path);
    expect([byOther.status, byOther.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
    expect((await api('regulator', regulatorKey(), 'GET', path)).status).toBe(403);

    const totalsPath = `/communities/${p.communityId}/matching?${period}`;
    const totals = await ok(api('community', operatorKey(), 'GET', totalsPath));
    // The consumer's 1,000 Wh and the battery's 500 Wh of import; the producer consumed nothing.
    expect(totals).toEqual({
      communityId: p.communityId,
      periodStart: hourStart,
      periodEnd: to,
      participants: 3,
      consumptionWh: 1500,
      matchedWh: 200,
      scorePpm: 133_333,
    });
    expect((await api('regulator', regulatorKey(), 'GET', totalsPath)).status).toBe(403);

    // The regulator reads the days the operator recorded: the same totals, no household's hours.
    const midnight = (hour: string) => Math.floor(Date.parse(hour) / 86_400_000) * 86_400;
    const days = [...new Set([midnight(hourStart), midnight(nextHour)])];
    for (const day of days)
      await ok(api('community', operatorKey(), 'POST', `/communities/${p.communityId}/matching/days`, { dayStart: formatInstant(day) }));
    const span = `from=${encodeURIComponent(formatInstant(days[0]))}&to=${encodeURIComponent(formatInstant(days.at(-1)! + 86_400))}`;
    const recorded = await readOnceCommitted(
      'regulator',
      regulatorKey(),
      `/communities/${p.communityId}/matching/days?${span}`,
      (b) => b.days.length === days.length,
    );
    expect(recorded).toMatchObject({ daysInPeriod: days.length, consumptionWh: 1500, matchedWh: 200, scorePpm: 133_333 });
    expect(recorded.days.map((d: JsonAnswer) => Object.keys(d).sort())).toEqual(
      days.map(() => ['consumptionWh', 'dayStart', 'matchedWh', 'participants', 'recordedAt', 'scorePpm']),
    );
    const byRegulator = await api('regulator', regulatorKey(), 'POST', `/communities/${p.communityId}/matching/days`, {
      dayStart: formatInstant(days[0]),
    });
    expect(byRegulator.status).toBe(403);

    const tokens = await ok(api('community', p.apiKey, 'GET', `/participants/${p.participantId}/tokens`));
    expect(tokens.lots.map((l: JsonAnswer) => [l.assetId, l.green])).toContainEqual([p.assetId, true]);
  });
});
