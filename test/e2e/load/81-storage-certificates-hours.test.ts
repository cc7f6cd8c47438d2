/**
 * The whole charge and discharge of a storage contract on the real network (docs/storage.md,
 * "Certificates"), in the certificate scheduler's community:
 * - a storage contract confirmed in the present hour P, on a battery linked to its storage asset;
 * - once P has ended: the buyer's solar export and the battery's import of P read and P's windows
 *   closed; the scheduler issues the buyer's certificates of P; the buyer charges them into the
 *   contract's battery, up to the contract's share of the metered import (one Wh more refused);
 *   the audit, with the operator's key, recomputes that share and holds;
 * - once the next hour D has ended: the battery's export of D read and D's windows closed; the
 *   scheduler alone issues D's storage discharge, FIFO from the contract's record, to the buyer,
 *   who then holds the discharge certificates (the losses left out); the audit holds again.
 *
 * It waits for two hours to end (one to two hours of real time): a contract's window may not start
 * before the metering interval in progress, and the certificate hour is fixed at an hour. That is
 * why it is a load test (GRIDLEDGER_LOAD_TESTS=1, `npm run bench`), not part of `npm test`.
 */
import { formatInstant } from '@gridledger/core/core';
import { useMeteringInterval } from '../market-support';
import {
  auditCertificates,
  closeHour,
  deliver,
  INTERVAL,
  issuanceTag,
  ok,
  producer,
  type Producer,
  regulatorKey,
  utilityKey,
} from '../certificate-support';
import { battery, confirmContract, provider, storageAsset } from '../storage-support';
import { api, eventually, type JsonAnswer, operatorKey, profile, signReading, sleep, uid } from '../support';

useMeteringInterval(INTERVAL);
jest.setTimeout(150 * 60_000);

const HOUR = 3600;
/** The battery meter's lifetime registers before the test: 10,000 Wh in, 9,000 Wh out (it has discharged before). */
const REGISTERS = { importWh: 10_000, exportWh: 9_000 };
const log = (line: string) => process.stdout.write(`81-storage: ${new Date().toISOString()} ${line}\n`);

const waitUntil = async (epochSeconds: number) => {
  while (Date.now() / 1000 < epochSeconds) await sleep(Math.min(30_000, epochSeconds * 1000 - Date.now() + 10));
};

it("a contract's certificates charged in one hour return to its buyer as discharge certificates an hour later", async () => {
  const C = (process.env.GRIDLEDGER_CERTIFICATE_COMMUNITIES ?? '').split(',')[0];
  expect(C).not.toBe('');
  const buyer = await producer(true, C);
  const p = await provider(C);
  const deposit = { participantId: buyer.participantId, amountMicros: 1_000_000, reference: uid('dep') };
  await ok(api('utility', utilityKey(), 'POST', '/credits/deposits', deposit), 201);
  const assetId = await storageAsset(p, 'c4'.repeat(32));
  await eventually(async () => (await api('regulator', regulatorKey(), 'POST', `/assets/${assetId}/verification`)).status === 200, 10_000);
  const b = uid('bat');
  await ok(api('community', p.apiKey, 'POST', '/batteries', battery(p, C, b)), 201);
  await ok(api('community', p.apiKey, 'PUT', `/batteries/${b}/storage-asset`, { assetId }));

  // The contract: from the metering interval in progress to the end of the next hour.
  const now = Math.floor(Date.now() / 1000);
  const P = Math.floor(now / HOUR) * HOUR;
  const D = P + HOUR;
  const first = Math.floor((now - P) / INTERVAL);
  const contractId = await confirmContract(buyer, b, 2_000, { from: formatInstant(P + first * INTERVAL), to: formatInstant(D + HOUR) });
  log(`contract ${contractId} from interval ${first} of ${formatInstant(P)}; P ends in ${P + HOUR - now} s, D in ${D + HOUR - now} s`);

  // The battery meter's readings of an hour, [import, export] per interval, its registers carried on.
  let seq = 0;
  const registers = { ...REGISTERS };
  const batteryHour = async (hourStart: number, rows: [number, number][]) => {
    const readings = rows.map(([importWh, exportWh], k) => {
      registers.importWh += importWh;
      registers.exportWh += exportWh;
      seq += 1;
      const reading = {
        meterId: p.meterId,
        intervalStart: formatInstant(hourStart + k * INTERVAL),
        seq,
        importWh,
        exportWh,
        importRegisterWh: registers.importWh,
        exportRegisterWh: registers.exportWh,
      };
      return signReading(reading, p.privateKeyPem);
    });
    const submitted = await ok(api('community', operatorKey(), 'POST', '/readings', { readings }));
    expect(submitted.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
  };
  const batteryAsProducer = { ...p, communityId: C, assetId } as unknown as Producer;

  // P: the buyer exports 300 Wh an interval; the battery takes 200 Wh in each interval of the contract's window.
  await waitUntil(P + HOUR + 5);
  const charged: [number, number][] = [0, 1, 2, 3].map((k) => [k >= first ? 200 : 0, 0]);
  const shareWh = charged.reduce((s, [i]) => s + i, 0);
  await deliver(buyer, formatInstant(P), [300, 300, 300, 300]);
  await batteryHour(P, charged);
  await closeHour(buyer, formatInstant(P));
  log(`P read and closed: the battery took ${shareWh} Wh under the contract`);

  // Nobody issues by hand: the scheduler issues the buyer's certificates of P (and the battery's empty discharge of P).
  const bundleId = `${buyer.assetId}@${issuanceTag(formatInstant(P))}-1`;
  const certificate = await eventually(async () => {
    const res = await api('community', buyer.apiKey, 'GET', `/certificates/${bundleId}`);
    return res.status === 200 ? res.body : undefined;
  }, 120_000);
  expect(certificate).toMatchObject({ owner: buyer.participantId, quantityWh: 1_200 });
  const recordsOf = async (hourStart: number) =>
    (
      (await ok(api('community', operatorKey(), 'GET', `/assets/${assetId}/certificate-records?records=issuances`))).items as JsonAnswer[]
    ).find((i) => i.record.hourStart === formatInstant(hourStart));
  await eventually(() => recordsOf(P), 120_000);
  log(`the scheduler issued ${bundleId} and the battery's hour P`);

  // The buyer charges its certificates into the contract's battery: one Wh beyond the contract's share refused.
  const charge = (quantityWh: number) =>
    api('community', buyer.apiKey, 'POST', `/certificates/${bundleId}/storage-charge`, { storageContractId: contractId, quantityWh });
  const beyond = await charge(shareWh + 1);
  expect([beyond.status, beyond.body.error?.code, beyond.body.error?.details?.meteredWh]).toEqual([
    422,
    'STORAGE_CHARGE_EXCEEDS_METERED',
    shareWh,
  ]);
  const record = (await ok(charge(shareWh))).record;
  // Efficiency at P's last reading: lifetime out / in, rounded down.
  const efficiencyPpm = Math.floor((REGISTERS.exportWh * 1_000_000) / (REGISTERS.importWh + shareWh));
  const dischargeableWh = Math.floor((shareWh * efficiencyPpm) / 1_000_000);
  expect(record).toMatchObject({
    contractId,
    ownerId: buyer.participantId,
    shareWh,
    chargingEnergyWh: shareWh,
    efficiencyPpm,
    dischargeableWh,
  });
  const operatorAudit = () => auditCertificates('--community', C, '--url', profile().orgs.community.gateway.url, '--key', operatorKey());
  const afterCharge = await operatorAudit();
  expect([afterCharge.code, afterCharge.out.findings, afterCharge.out.sharesSkipped]).toEqual([0, [], 0]);
  expect(afterCharge.out.sharesChecked).toBeGreaterThanOrEqual(1);
  log(`charged ${shareWh} Wh (${dischargeableWh} Wh dischargeable); the audit recomputed the share and holds`);

  // D: the battery gives 250 Wh an interval, all inside the contract's window; D read and closed once it has ended.
  await waitUntil(D + HOUR + 5);
  await batteryHour(D, [
    [0, 250],
    [0, 250],
    [0, 250],
    [0, 250],
  ]);
  await closeHour(batteryAsProducer, formatInstant(D));
  log('D read and closed');

  // The scheduler issues D's discharge by itself: the contract's record releases what it may, to the buyer.
  const discharge = await eventually(async () => {
    const found = await recordsOf(D);
    return found?.record.issuedWh > 0 ? found : undefined;
  }, 120_000);
  expect(discharge.record).toMatchObject({ verifiedExportWh: 1_000, issuedWh: dischargeableWh });
  const dischargeId = `${assetId}@${issuanceTag(formatInstant(D))}-1`;
  const held = await ok(api('community', buyer.apiKey, 'GET', `/certificates/${dischargeId}`));
  expect(held).toMatchObject({ owner: buyer.participantId, issuedFrom: 'storage', energySource: 'solar', quantityWh: dischargeableWh });
  const holdings = await ok(api('community', buyer.apiKey, 'GET', `/participants/${buyer.participantId}/certificates`));
  expect(holdings.items.map((x: JsonAnswer) => x.bundleId)).toContain(dischargeId);
  const charges = await ok(api('community', p.apiKey, 'GET', `/assets/${assetId}/storage-charges`));
  expect(charges.items.map((r: JsonAnswer) => [r.chargeRecordId, r.allocatedWh])).toEqual([[record.chargeRecordId, dischargeableWh]]);
  const atEnd = await operatorAudit();
  expect([atEnd.code, atEnd.out.findings]).toEqual([0, []]);
  log(`the buyer holds ${dischargeableWh} Wh of discharge certificates ${dischargeId}; the audit holds`);
});
