/**
 * Provenance of certificates on the real network (docs/certificates.md, "Provenance"): the
 * producer gets every reading behind its certificate with the signed payload and signature, each
 * verified again by the gateway, and every transaction with its block; the openssl recipe of the
 * doc checks the answer and fails on a tampered copy; the regulator, another holder and the
 * public get public parts only (no import, no signature); a neighbour gets nothing. The holder's
 * exports (EnergyTag bundle shape, whole MWh). Certificate
 * events reach the producer and the holders involved on GET /events, and no other household.
 */
import { createPublicKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trader, Trader, useMeteringInterval } from './market-support';
import { api, type JsonAnswer, openEvents, operatorKey, profile, SseEvent } from './support';
import { closeHour, deliver, hourBack, INTERVAL, issuanceTag, issue, ok, Producer, producer, regulatorKey } from './certificate-support';

useMeteringInterval(INTERVAL);

/** The recipe of docs/certificates.md, "Checking a proof with openssl", run verbatim on `answer` in a directory of its own. */
function opensslCheck(answer: unknown): { ok: boolean; out: string } {
  const doc = readFileSync(join(__dirname, '../../docs/certificates.md'), 'utf8');
  const recipe = /```sh\n([\s\S]*?)```/.exec(doc.slice(doc.indexOf('### Checking a proof with openssl')))![1];
  const dir = mkdtempSync(join(tmpdir(), 'gl-proof-e2e-'));
  try {
    writeFileSync(join(dir, 'provenance.json'), JSON.stringify(answer));
    return { ok: true, out: execFileSync('bash', ['-euo', 'pipefail', '-c', recipe], { cwd: dir, stdio: 'pipe' }).toString() };
  } catch (e) {
    return { ok: false, out: String((e as { stdout?: Buffer }).stdout ?? '') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('provenance of a certificate', () => {
  const hourStart = hourBack(4);
  const exports = [100, 200, 300, 400];
  const imports = [7, 11, 0, 5];
  let p: Producer;
  let neighbour: Trader;
  let certificateId: string;
  let provenance: JsonAnswer;

  beforeAll(async () => {
    p = await producer();
    neighbour = await trader('certnb', p.communityId);
    await deliver(p, hourStart, exports, 1, 0, imports);
    await closeHour(p, hourStart);
    await ok(issue(regulatorKey(), 'regulator', p.assetId, hourStart), 201);
    certificateId = `${p.assetId}@${issuanceTag(hourStart)}-1`;
    provenance = await ok(api('community', p.apiKey, 'GET', `/certificates/${certificateId}/provenance`));
  });

  it("gives the producer every reading of the hour, signed payload and signature, each verified again with the meter's key", () => {
    const { proof } = provenance;
    expect(provenance.certificate).toMatchObject({ owner: p.participantId, quantityWh: 1000, attributes: { deviceId: p.assetId } });
    expect(provenance.issuance).toMatchObject({ assetId: p.assetId, hourStart, issuedWh: 1000 });
    expect(proof.asset).toMatchObject({ assetId: p.assetId, meterId: p.meterId, verification: { txId: expect.any(String) } });
    const registered = createPublicKey(p.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
    expect(proof.meter).toEqual({ meterId: p.meterId, publicKeyPem: registered });
    expect(proof.readings.map((r: JsonAnswer) => [r.exportWh, JSON.parse(r.signedPayload).importWh, r.signatureVerified])).toEqual(
      exports.map((x, k) => [x, imports[k], true]),
    );
    expect(proof.signaturesVerified).toBe(true);
  });

  it('names every transaction with the block that holds it', () => {
    const { transactions, readings, asset } = provenance.proof;
    expect(new Set(transactions.map((t: JsonAnswer) => t.kind))).toEqual(new Set(['issuance', 'verification', 'reading']));
    expect(transactions.every((t: JsonAnswer) => Number.isInteger(t.blockNumber) && t.blockNumber > 0)).toBe(true);
    const block = (txId: string) => transactions.find((t: JsonAnswer) => t.txId === txId).blockNumber;
    // The asset was verified before its readings were recorded, and they before the issuance.
    const issuanceBlock = transactions.find((t: JsonAnswer) => t.kind === 'issuance').blockNumber;
    expect(block(asset.verification.txId)).toBeLessThan(block(readings[0].txId));
    expect(block(readings[0].txId)).toBeLessThan(issuanceBlock);
  });

  it('is checked by the openssl recipe of docs/certificates.md; a copy with a tampered reading fails it', () => {
    const good = opensslCheck(provenance);
    expect(good).toEqual({ ok: true, out: 'Verified OK\n'.repeat(4) });
    const tampered = structuredClone(provenance);
    tampered.proof.readings[2].signedPayload = tampered.proof.readings[2].signedPayload.replace('"exportWh":300', '"exportWh":3000');
    expect(tampered.proof.readings[2].signedPayload).toContain('"exportWh":3000');
    expect(opensslCheck(tampered)).toEqual({ ok: false, out: 'Verified OK\n'.repeat(2) + 'Verification failure\n' });
  });

  it('gives the regulator and the public the public parts only: export, import hash, transactions; no import, no signature', async () => {
    const regulator = await ok(api('regulator', regulatorKey(), 'GET', `/certificates/${certificateId}/provenance`));
    const url = `${profile().orgs.utility.gateway.url}/api/v1/public/certificates/${encodeURIComponent(certificateId)}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const publicAnswer = (await res.json()) as JsonAnswer;
    for (const proof of [regulator.proof, publicAnswer.proof]) {
      expect(proof.readings.map((r: JsonAnswer) => [r.exportWh, r.signedPayload, r.signature, r.signatureVerified])).toEqual(
        exports.map((x) => [x, null, null, null]),
      );
      expect(proof.readings.every((r: JsonAnswer) => /^[0-9a-f]{64}$/.test(r.importHash))).toBe(true);
      expect(proof.signaturesVerified).toBeNull();
      expect(proof.transactions.every((t: JsonAnswer) => t.blockNumber > 0)).toBe(true);
      expect(JSON.stringify(proof)).not.toMatch(/importWh|importRegisterWh|"sig"/);
    }
    expect(publicAnswer.proof.asset.participantId).toBeUndefined();
  });

  it("exports the holder's certificates in EnergyTag's bundle shape and in whole MWh per device and month", async () => {
    const tagged = await ok(api('community', p.apiKey, 'GET', `/participants/${p.participantId}/certificates/energytag`));
    expect(tagged.bookmark).toBe('');
    expect(tagged.items).toEqual([
      expect.objectContaining({
        issuance_id: `${p.assetId}@${issuanceTag(hourStart)}`,
        certificate_bundle_id_range_start: 1,
        certificate_bundle_id_range_end: 1000,
        bundle_quantity: 1000,
        certificate_bundle_status: 'Active',
        account_id: p.participantId,
        energy_source: 'Solar',
        device_id: p.assetId,
        device_capacity: 5000,
        production_starting_interval: hourStart,
        is_storage: false,
        issuing_body: 'RegulatorMSP',
      }),
    ]);
    const mwh = await ok(api('community', p.apiKey, 'GET', `/participants/${p.participantId}/certificates/mwh`));
    expect(mwh).toMatchObject({ participantId: p.participantId, complete: true });
    expect(mwh.periods).toEqual([
      { deviceId: p.assetId, period: hourStart.slice(0, 7), energyWh: 1000, carriedInWh: 0, mwh: 0, carriedOutWh: 1000 },
    ]);
    const refused = await api('community', neighbour.apiKey, 'GET', `/participants/${p.participantId}/certificates/energytag`);
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
  });

  it("refuses a neighbour the provenance of another's certificate", async () => {
    const refused = await api('community', neighbour.apiKey, 'GET', `/certificates/${certificateId}/provenance`);
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
  });
});

it('streams certificate events to the producer and the holders involved, not to a neighbour', async () => {
  const q = await producer();
  const [buyer, neighbour] = [await trader('certsse', q.communityId), await trader('certnb', q.communityId)];
  const hourStart = hourBack(5);
  const issuanceId = `${q.assetId}@${issuanceTag(hourStart)}`;
  const streams = {
    producer: await openEvents({}, '', q.apiKey),
    buyer: await openEvents({}, '', buyer.apiKey),
    neighbour: await openEvents({}, '', neighbour.apiKey),
    operator: await openEvents({}, '', operatorKey()),
  };
  const ours = (events: SseEvent[]) =>
    events.filter((e) => e.event.startsWith('Certificates') && e.data.payload.issuanceId === issuanceId).map((e) => e.event);
  try {
    await deliver(q, hourStart, [100, 100, 100, 100]);
    await closeHour(q, hourStart);
    await ok(issue(regulatorKey(), 'regulator', q.assetId, hourStart), 201);
    const moved = await ok(
      api('community', q.apiKey, 'POST', `/certificates/${issuanceId}-1/transfer`, { to: buyer.participantId, quantityWh: 150 }),
    );
    const period = { consumptionPeriodStart: hourStart, consumptionPeriodEnd: hourBack(4) };
    const claim = { quantityWh: 50, beneficiary: 'b', purpose: 'p', location: 'l', ...period };
    await ok(api('community', buyer.apiKey, 'POST', `/certificates/${moved.moved.bundleId}/claim`, claim));

    const all = ['CertificatesIssued', 'CertificatesTransferred', 'CertificatesClaimed'];
    await streams.operator.until((e) => ours(e).length === 3);
    await streams.producer.until((e) => ours(e).length === 3);
    await streams.buyer.until((e) => ours(e).length === 2);
    expect(ours(streams.operator.events)).toEqual(all);
    expect(ours(streams.producer.events)).toEqual(all);
    expect(ours(streams.buyer.events)).toEqual(['CertificatesTransferred', 'CertificatesClaimed']);
    const transferred = streams.buyer.events.find((e) => e.event === 'CertificatesTransferred')!;
    expect(transferred.data.payload).toMatchObject({
      producerId: q.participantId,
      from: q.participantId,
      to: buyer.participantId,
      quantityWh: 150,
    });
    // Events come in ledger order: once the neighbour sees its own later asset, it would have seen any certificate event before.
    const asset = {
      assetId: `${neighbour.participantId}.pv`,
      participantId: neighbour.participantId,
      meterId: neighbour.meterId,
      source: 'solar',
      capacityW: 1000,
      zone: 'z',
      feeder: 'f1',
      location: 'l',
      commissionedOn: '2024-05-01',
      certificationHash: 'c0'.repeat(32),
    };
    await ok(api('community', neighbour.apiKey, 'POST', '/assets', asset), 201);
    await streams.neighbour.until((e) => e.some((x) => x.event === 'AssetRegistered' && x.data.payload.assetId === asset.assetId));
    expect(streams.neighbour.events.filter((e) => e.event.startsWith('Certificates'))).toEqual([]);
  } finally {
    for (const s of Object.values(streams)) await s.close();
  }
});
