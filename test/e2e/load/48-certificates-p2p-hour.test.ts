/**
 * The point of the certificates (issue 21) on the real network: energy sold peer to peer is not
 * also certified. A verified solar producer exports every minute of an hour; in one minute of it
 * a buyer takes part of that export through the market (orders, clearing, delivery, settlement);
 * once the hour has ended and its windows are closed, the hour's certificates are its verified
 * export less the Wh sold, the hour's account holds (bundled + certificates = verified export),
 * `npm run audit -- certificates` agrees, and the hour is not issued twice. Then a dispute takes the
 * traded minute's export away: the hour's verified export falls below the Wh sold, every certificate
 * is withdrawn and the buyer's bundled claim is cut to what still stands; the audit agrees again.
 *
 * It waits for the hour to end (up to an hour and a few minutes): a market interval needs orders
 * before its gate closes, so the traded hour is the present one. That is why it is here, in the
 * load tests that `npm run bench` runs (test/bench/load.js), and not in `npm test`.
 *
 * @metering-interval 60
 */
import { formatInstant } from '@gridledger/core/core';
import { marketParams, Trader, trader } from '../market-support';
import { auditCertificates, ok, producer, Producer, regulatorKey, utilityKey } from '../certificate-support';
import { api, closeWindow, operatorKey, signReading, sleep, uid } from '../support';

const LEN = 60;
const HOUR = 3600;
const SOLD_WH = 30;
const C = uid('certp2p');
const params = marketParams(LEN);
/** The rest of the hour exports 2 Wh every tenth minute, less than the Wh sold: a lowered traded minute must cut the buyer's claim. */
const REST_WH = 2;
const TRADED_WH = 40;

const waitUntil = async (epochSeconds: number) => {
  while (Date.now() / 1000 < epochSeconds) await sleep(Math.min(30_000, epochSeconds * 1000 - Date.now() + 10));
};

jest.setTimeout(80 * 60_000);

it('an hour sold partly peer to peer: its certificates are the verified export less the Wh sold, and the audit agrees', async () => {
  expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
  const seller: Producer = await producer(true, C);
  const buyer: Trader = await trader('certp2pbuyer', C);
  const deposit = await api('utility', utilityKey(), 'POST', '/credits/deposits', {
    participantId: buyer.participantId,
    amountMicros: 100_000,
    reference: `dep-${buyer.participantId}`,
  });
  expect(deposit.status).toBe(201);

  // The traded minute: the first at least 45 s ahead; the hour holding it is the one certified.
  const T = Math.ceil((Date.now() / 1000 + 45) / LEN) * LEN;
  const H = Math.floor(T / HOUR) * HOUR;
  const minutes = Array.from({ length: HOUR / LEN }, (_, k) => H + k * LEN);
  const TS = formatInstant(T);
  const HS = formatInstant(H);
  /** The producer's export in the hour's minute k: 40 Wh in the traded minute, 2 Wh every tenth other minute. */
  const exportOf = (k: number) => (H + k * LEN === T ? TRADED_WH : k % 10 === 0 ? REST_WH : 0);
  process.stdout.write(`48-p2p: trading ${TS}, certifying the hour ${HS}, which ends in ${Math.round(H + HOUR - Date.now() / 1000)} s\n`);
  const order = (t: Trader, side: 'buy' | 'sell', priceMicrosPerKwh: number) =>
    api('community', t.apiKey, 'POST', '/orders', {
      clientOrderId: 'p2p',
      communityId: C,
      intervalStart: TS,
      side,
      energyWh: SOLD_WH,
      priceMicrosPerKwh,
    });
  expect((await order(seller, 'sell', 100_000)).status).toBe(201);
  expect((await order(buyer, 'buy', 200_000)).status).toBe(201);

  const step = (s: string) => api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${TS}/${s}`);
  await waitUntil(T - params.gateClosureSeconds);
  expect((await step('close')).status).toBe(200);
  const cleared = await step('clear');
  expect(cleared.body).toMatchObject({ volumeWh: SOLD_WH, tradeCount: 1 });

  // Readings of both meters, minute by minute in sequence, for the minutes that have ended; windows closed as they go.
  let next = 0;
  const registers = { seller: 0, buyer: 0 };
  const readUpTo = async (endSeconds: number) => {
    const readings = [];
    for (; next < minutes.length && minutes[next] + LEN <= endSeconds; next++) {
      const intervalStart = formatInstant(minutes[next]);
      const bought = minutes[next] === T ? SOLD_WH : 0;
      registers.seller += exportOf(next);
      registers.buyer += bought;
      const s = { exportWh: exportOf(next), exportRegisterWh: registers.seller, importWh: 0, importRegisterWh: 0 };
      const b = { exportWh: 0, exportRegisterWh: 0, importWh: bought, importRegisterWh: registers.buyer };
      readings.push(signReading({ meterId: seller.meterId, intervalStart, seq: next + 1, ...s }, seller.privateKeyPem));
      readings.push(signReading({ meterId: buyer.meterId, intervalStart, seq: next + 1, ...b }, buyer.privateKeyPem));
    }
    for (let k = 0; k < readings.length; k += 100) {
      const submitted = await ok(api('community', operatorKey(), 'POST', '/readings', { readings: readings.slice(k, k + 100) }));
      expect(submitted.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
    }
  };
  let closed = 0;
  const closeRead = async () => {
    for (; closed < next; closed++) await ok(closeWindow(formatInstant(minutes[closed]), C));
  };
  // Issuance needs every market interval of the hour settled, those without orders too (as the market scheduler does):
  // each closed minute closed, cleared and settled in turn; a step done before (the traded minute's) is refused and skipped.
  let marketDone = 0;
  const settleClosed = async () => {
    for (; marketDone < closed; marketDone++) {
      for (const s of ['close', 'clear', 'settle']) {
        const res = await api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${formatInstant(minutes[marketDone])}/${s}`);
        if (res.status !== 200 && res.body.error?.code !== 'INTERVAL_STATE_CONFLICT')
          throw new Error(`${s} ${formatInstant(minutes[marketDone])}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
  };

  await waitUntil(T + LEN + 1);
  await readUpTo(T + LEN);
  await closeRead();
  const settled = await step('settle');
  expect(settled.status).toBe(200);
  await settleClosed();
  const early = await api('regulator', regulatorKey(), 'POST', '/certificates/issuances', { assetId: seller.assetId, hourStart: HS });
  expect([early.status, early.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_OPEN']);

  // The rest of the hour, five minutes at a time.
  while (next < minutes.length) {
    await waitUntil(Math.min(H + HOUR, Date.now() / 1000 + 300) + 1);
    await readUpTo(Date.now() / 1000);
    await closeRead();
    await settleClosed();
  }
  const exportWh = minutes.reduce((s, _, k) => s + exportOf(k), 0);
  // The Regulator's peer may be a block behind the Community gateway's close of the last window.
  let issued = await api('regulator', regulatorKey(), 'POST', '/certificates/issuances', { assetId: seller.assetId, hourStart: HS });
  for (let k = 0; k < 20 && issued.body.error?.code === 'CERTIFICATE_HOUR_OPEN'; k++) {
    await sleep(500);
    issued = await api('regulator', regulatorKey(), 'POST', '/certificates/issuances', { assetId: seller.assetId, hourStart: HS });
  }
  expect([issued.status, issued.body.error]).toEqual([201, undefined]);
  expect(issued.body.record).toMatchObject({
    hourStart: HS,
    verifiedExportWh: exportWh,
    bundledWh: SOLD_WH,
    issuedWh: exportWh - SOLD_WH,
  });
  expect(issued.body.bundle).toMatchObject({ quantityWh: exportWh - SOLD_WH, owner: seller.participantId });

  const account = await ok(api('community', seller.apiKey, 'GET', `/assets/${seller.assetId}/hours/${HS}/certificate-account`));
  expect(account).toMatchObject({
    verifiedExportWh: exportWh,
    bundledWh: SOLD_WH,
    certificateWh: exportWh - SOLD_WH,
    excessWh: 0,
    holds: true,
  });
  const twice = await api('regulator', regulatorKey(), 'POST', '/certificates/issuances', { assetId: seller.assetId, hourStart: HS });
  expect([twice.status, twice.body.error?.code]).toEqual([409, 'CERTIFICATE_HOUR_ISSUED']);
  const audit = () => auditCertificates('--community', C, '--from', HS, '--to', formatInstant(H + HOUR));
  const { code, out, stderr } = await audit();
  expect([code, out.findings, stderr]).toEqual([0, [], '']);
  expect(out).toMatchObject({ assets: 1, hoursChecked: 1, holds: true });

  // The traded minute's export is disputed and corrected to 0: the hour's verified export falls below the Wh sold. The
  // withdrawal takes every certificate, then cuts the buyer's bundled claim by the rest (docs/certificates.md).
  const lowerWh = exportWh - TRADED_WH;
  expect(
    (await api('community', seller.apiKey, 'POST', '/disputes', { meterId: seller.meterId, intervalStart: TS, reason: 'ran fast' })).status,
  ).toBe(201);
  const resolution = { meterId: seller.meterId, intervalStart: TS, importWh: 0, exportWh: 0, note: 'inverter log' };
  let resolved = await api('community', operatorKey(), 'POST', '/disputes/resolutions', resolution);
  for (let k = 0; k < 20 && resolved.body.error?.code === 'DISPUTE_INVALID'; k++) {
    await sleep(500);
    resolved = await api('community', operatorKey(), 'POST', '/disputes/resolutions', resolution);
  }
  expect([resolved.status, resolved.body.certificates?.error]).toEqual([200, undefined]);
  const [hour] = resolved.body.certificates.hours;
  expect(hour).toMatchObject({ previousExportWh: exportWh, verifiedExportWh: lowerWh });
  expect(hour.withdrawn.map((b: { quantityWh: number }) => b.quantityWh)).toEqual([exportWh - SOLD_WH]);
  const cutWh = SOLD_WH - lowerWh;
  expect(hour.bundledWithdrawn).toEqual([
    { intervalStart: TS, buyerId: buyer.participantId, settlement: expect.any(String), energyWh: cutWh },
  ]);
  expect(hour.account).toEqual({ verifiedExportWh: lowerWh, bundledWh: lowerWh, certificateWh: 0, excessWh: 0, holds: true });
  const after = await ok(api('community', seller.apiKey, 'GET', `/assets/${seller.assetId}/hours/${HS}/certificate-account`));
  expect(after).toMatchObject({ verifiedExportWh: lowerWh, bundledWh: lowerWh, certificateWh: 0, holds: true });
  // The buyer's green energy of the hour is what still stands.
  const matching = await ok(
    api('community', buyer.apiKey, 'GET', `/participants/${buyer.participantId}/matching?from=${HS}&to=${formatInstant(H + HOUR)}`),
  );
  expect(matching.hours[0]).toMatchObject({ hourStart: HS, bundledWh: lowerWh });
  const again = await audit();
  expect([again.code, again.out.findings, again.stderr]).toEqual([0, [], '']);
});
