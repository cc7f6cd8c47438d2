/**
 * Metering on the real network: every rejection code from a crafted reading, assets and the
 * regulator's verification, a meter exchange in the middle of a day, window close with estimates,
 * corrections settled once, surplus/deficit events and energy tokens equal to verified surplus.
 *
 * Each test works on its own intervals, far enough back (about 45 h, inside the 48 h late
 * window) that no other test file submits readings for them: closing a window is for everyone.
 *
 * @e2e-alone
 */
import { generateKeyPairSync } from 'node:crypto';
import mqtt from 'mqtt';
import { formatInstant, parseInstant, Reading, SignedReading } from '@gridledger/core/core';
import { ledgerClient } from '@gridledger/network';
import {
  type JsonAnswer,
  api,
  chaincodeCodeOf,
  blockOfTransaction,
  credentials,
  eventually,
  householdCredential,
  mqttOptions,
  newProsumerWithMeter,
  operatorKey,
  pastInterval,
  profile,
  publish,
  readingsTopic,
  receiptsCollector,
  signReading,
  TestMeter,
  uid,
} from './support';

/**
 * Intervals counted back from the last one that had ended when this file was loaded: a test that
 * runs across a quarter-hour boundary still names the same intervals throughout.
 */
const LAST_ENDED = parseInstant(pastInterval(0))!;
const past = (back: number): string => formatInstant(LAST_ENDED - back * 900);

const regulatorKey = () => credentials().apiKeys.regulator.regulator;
const enc = encodeURIComponent;
/** The community of the test meters (support.ts registers them there). */
const community = () => profile().mqtt.communityId;

/** A meter's signed readings from `back` intervals ago on, registers consistent, seq from `firstSeq`. */
function series(
  meter: TestMeter,
  back: number,
  values: { importWh: number; exportWh: number }[],
  firstSeq = 1,
  registers = { importRegisterWh: 1_000_000, exportRegisterWh: 500_000 },
  key = meter.privateKeyPem,
): SignedReading[] {
  let { importRegisterWh, exportRegisterWh } = registers;
  return values.map((v, k) => {
    importRegisterWh += v.importWh;
    exportRegisterWh += v.exportWh;
    const r: Reading = {
      meterId: meter.meterId,
      intervalStart: past(back - k),
      seq: firstSeq + k,
      ...v,
      importRegisterWh,
      exportRegisterWh,
    };
    return signReading(r, key);
  });
}

async function submit(readings: unknown[]): Promise<{ status: string; code?: string }[]> {
  const res = await api('community', operatorKey(), 'POST', '/readings', { readings });
  if (res.status !== 200) throw new Error(`readings: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.results as { index: number; status: string; code?: string }[]).sort((a, b) => a.index - b.index);
}

const verdicts = (results: { status: string; code?: string }[]) => results.map((r) => r.code ?? r.status);

async function ok<T = JsonAnswer>(p: Promise<{ status: number; body: T }>, status = 200): Promise<T> {
  const res = await p;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A site with its connection capacity in a zone of this test run's own, with the meter attached. */
async function siteFor(meter: TestMeter, zone: string, connectionCapacityW = 5000): Promise<void> {
  const siteId = `${meter.participantId}.site`;
  await ok(
    api('community', meter.apiKey, 'POST', '/sites', { siteId, participantId: meter.participantId, connectionCapacityW, zone }),
    201,
  );
  await ok(api('community', meter.apiKey, 'PUT', `/meters/${meter.meterId}/site`, { siteId }));
}

function asset(meter: TestMeter, capacityW: number) {
  return {
    assetId: `${meter.participantId}.pv`,
    participantId: meter.participantId,
    meterId: meter.meterId,
    source: 'solar',
    capacityW,
    zone: 'z',
    feeder: 'f1',
    location: '52.40 N 13.10 E',
    commissionedOn: '2024-05-01',
    certificationHash: 'c0'.repeat(32),
  };
}

/** Server-sent events of the operator's gateway, collected in the background. */
async function sseCollector(): Promise<{ events: { name: string; txId: string; payload: JsonAnswer }[]; close(): void }> {
  const abort = new AbortController();
  const res = await fetch(`${profile().orgs.community.gateway.url}/api/v1/events`, {
    headers: { authorization: `Bearer ${operatorKey()}` },
    signal: abort.signal,
  });
  if (res.status !== 200) throw new Error(`events: ${res.status}`);
  const events: { name: string; txId: string; payload: JsonAnswer }[] = [];
  const reader = res.body!.getReader();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += Buffer.from(value).toString('utf8');
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)));
        }
      }
    } catch {
      // aborted
    }
  })();
  return { events, close: () => abort.abort() };
}

async function until<T>(probe: () => T | undefined, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  // The global setup ran in this process and left keep-alive sockets to the gateways that they
  // may have closed since: a few throw-away requests use them up before the tests' own.
  for (const org of ['community', 'utility', 'regulator'] as const) {
    for (let i = 0; i < 4; i++)
      await fetch(`${profile().orgs[org].gateway.url}/api/v1/health`)
        .then((r) => r.text())
        .catch(() => undefined);
  }
});

/** MQTT messages on the positions topics of the given households, each connected with its own credential (readable by it only). */
async function positionsCollector(households: TestMeter[]): Promise<{ messages: JsonAnswer[]; close(): Promise<void> }> {
  const messages: JsonAnswer[] = [];
  const clients: mqtt.MqttClient[] = [];
  for (const h of households) {
    const client = await mqtt.connectAsync(profile().mqtt.url, mqttOptions(await householdCredential(h)));
    client.on('message', (_topic, payload) => messages.push(JSON.parse(payload.toString())));
    await client.subscribeAsync(`gridledger/v1/${profile().mqtt.communityId}/participants/${h.participantId}/positions`, { qos: 1 });
    clients.push(client);
  }
  return { messages, close: async () => void (await Promise.all(clients.map((c) => c.endAsync()))) };
}

it(
  'every rejection code is produced by a crafted reading; accepted ' + 'readings carry their transaction id; a replay changes nothing',
  async () => {
    const meter = await newProsumerWithMeter();
    await siteFor(meter, uid('zone'));
    // A 4 kW asset: export at most 1,020 Wh per 15 minutes (2 % tolerance); the 5 kW connection: import at most 1,275 Wh.
    await ok(api('community', meter.apiKey, 'POST', '/assets', asset(meter, 4000)), 201);
    const B = 190;
    const [r1, r2] = series(meter, B, [
      { importWh: 100, exportWh: 200 },
      { importWh: 120, exportWh: 300 },
    ]);
    expect(verdicts(await submit([r1, r2]))).toEqual(['accepted', 'accepted']);
    const after = { importRegisterWh: r2.importRegisterWh, exportRegisterWh: r2.exportRegisterWh };
    const at = (k: number, seq: number, importWh: number, exportWh: number, regs = after) =>
      signReading(
        {
          meterId: meter.meterId,
          intervalStart: past(B - k),
          seq,
          importWh,
          exportWh,
          importRegisterWh: regs.importRegisterWh + importWh,
          exportRegisterWh: regs.exportRegisterWh + exportWh,
        },
        meter.privateKeyPem,
      );

    const retired = await newProsumerWithMeter();
    const [retiredReading] = series(retired, B, [{ importWh: 10, exportWh: 0 }]);
    expect(verdicts(await submit([retiredReading]))).toEqual(['accepted']);
    await ok(api('community', operatorKey(), 'POST', `/meters/${retired.meterId}/retirement`));

    const shifted = formatInstant(parseInstant(past(B - 2))! + 420);
    const misaligned = signReading({ ...(at(2, 3, 10, 10) as Reading), intervalStart: shifted }, meter.privateKeyPem);
    const inconsistent = signReading({ ...(at(2, 3, 10, 10) as Reading), importWh: 9 }, meter.privateKeyPem);
    const crafted: [string, unknown][] = [
      ['READING_INTERVAL_MISALIGNED', misaligned],
      ['READING_BAD_SIGNATURE', { ...at(2, 3, 10, 10), exportWh: 11 }],
      ['METER_NOT_REGISTERED', signReading({ ...(at(2, 3, 10, 10) as Reading), meterId: `${meter.meterId}-x` }, meter.privateKeyPem)],
      [
        'METER_INACTIVE',
        series(
          retired,
          B - 1,
          [{ importWh: 10, exportWh: 0 }],
          2,
          { importRegisterWh: retiredReading.importRegisterWh, exportRegisterWh: retiredReading.exportRegisterWh },
          retired.privateKeyPem,
        )[0],
      ],
      ['READING_CONFLICT', at(1, 2, 121, 300, { importRegisterWh: r1.importRegisterWh, exportRegisterWh: r1.exportRegisterWh })],
      ['READING_IN_FUTURE', signReading({ ...(at(2, 3, 10, 10) as Reading), intervalStart: pastInterval(-1) }, meter.privateKeyPem)],
      ['READING_TOO_LATE', signReading({ ...(at(2, 3, 10, 10) as Reading), intervalStart: past(400) }, meter.privateKeyPem)],
      ['READING_EXPORT_IMPLAUSIBLE', at(5, 6, 0, 2000)],
      ['READING_IMPORT_IMPLAUSIBLE', at(6, 7, 2000, 0)],
      ['READING_SEQ_NOT_INCREASING', at(3, 2, 10, 10)],
      // A register below its neighbour's (and below its own interval's growth): DECREASED.
      [
        'READING_REGISTER_DECREASED',
        at(4, 5, 10, 10, { importRegisterWh: after.importRegisterWh - 500, exportRegisterWh: after.exportRegisterWh }),
      ],
      ['READING_REGISTER_INCONSISTENT', inconsistent],
    ];
    const results = await submit([...crafted.map(([, r]) => r), retiredReading, r2]);
    expect(verdicts(results)).toEqual([...crafted.map(([code]) => code), 'duplicate', 'duplicate']);

    // Badly shaped and misaligned: the shape comes first. The gateway's schema would refuse it before the ledger, so over MQTT.
    const receipts = await receiptsCollector(meter, meter.meterId);
    try {
      await publish([{ topic: readingsTopic(meter.meterId), payload: JSON.stringify({ ...misaligned, seq: -1 }) }]);
      expect((await receipts.waitFor(1)).map((r) => [r.status, r.code])).toEqual([['rejected', 'READING_MALFORMED']]);
    } finally {
      await receipts.close();
    }

    // The accepted ones are on the ledger once, with the transaction that recorded them.
    const stored = await ok(
      api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/readings?from=${enc(past(B))}&to=${enc(past(B - 10))}`),
    );
    expect((stored as unknown as { seq: number; txId: string }[]).map((r) => r.seq)).toEqual([1, 2]);
    expect((stored as unknown as { txId: string }[]).every((r) => /^[0-9a-f]{64}$/.test(r.txId))).toBe(true);
  },
);

it(
  'a producer registers an asset, the regulator (and only the ' + 'regulator) verifies it, maintenance is recorded and the history kept',
  async () => {
    const meter = await newProsumerWithMeter();
    const pv = asset(meter, 5000);
    const registered = await ok(api('community', meter.apiKey, 'POST', '/assets', pv), 201);
    expect(registered).toMatchObject({ ...pv, verification: null, txId: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const other = await newProsumerWithMeter();
    expect((await api('community', other.apiKey, 'POST', '/assets', { ...pv, assetId: uid('a') })).status).toBe(403);

    expect((await api('community', operatorKey(), 'POST', `/assets/${pv.assetId}/verification`)).body.error.code).toBe('ACCESS_DENIED');
    const verified = await ok(api('regulator', regulatorKey(), 'POST', `/assets/${pv.assetId}/verification`));
    expect(verified.verification).toMatchObject({ verifiedBy: 'regulator' });
    await ok(
      api('community', meter.apiKey, 'POST', `/assets/${pv.assetId}/records`, {
        kind: 'maintenance',
        performedOn: '2026-11-01',
        note: 'panels cleaned',
      }),
      201,
    );

    // Read at the Regulator's peer, which may be a block behind the Community's that committed the record.
    const history = await eventually(async () => {
      const h = await ok<JsonAnswer[]>(api('regulator', regulatorKey(), 'GET', `/assets/${pv.assetId}/history`));
      return h.length === 3 && h;
    }, 10_000);
    expect(history.map((h) => [h.value.verification !== null, h.value.lastRecord?.note ?? null])).toEqual([
      [false, null],
      [true, null],
      [true, 'panels cleaned'],
    ]);
    expect((await ok(api('utility', credentials().apiKeys.utility.utility, 'GET', `/assets/${pv.assetId}`))).records).toHaveLength(1);
    await ok(
      api('community', meter.apiKey, 'PUT', `/participants/${meter.participantId}/preferences`, {
        sources: ['wind', 'solar'],
        locality: 'zone',
      }),
    );
    expect(await ok(api('community', meter.apiKey, 'GET', `/participants/${meter.participantId}/preferences`))).toMatchObject({
      sources: ['solar', 'wind'],
      locality: 'zone',
    });
  },
);

it('a meter exchanged in the middle of a day goes on reporting over MQTT with its new key and counters', async () => {
  const meter = await newProsumerWithMeter();
  const C = 183;
  const before = series(meter, C, [
    { importWh: 100, exportWh: 0 },
    { importWh: 110, exportWh: 0 },
    { importWh: 120, exportWh: 5 },
  ]);
  expect(verdicts(await submit(before))).toEqual(['accepted', 'accepted', 'accepted']);

  const fresh = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const freshPem = fresh.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const exchange = {
    effectiveFrom: past(C - 3),
    publicKeyPem: fresh.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    firstSeq: 1,
    importRegisterWh: 0,
    exportRegisterWh: 0,
  };
  expect((await api('community', meter.apiKey, 'POST', `/meters/${meter.meterId}/exchanges`, exchange)).status).toBe(403);
  await ok(api('community', operatorKey(), 'POST', `/meters/${meter.meterId}/exchanges`, exchange), 201);

  const afterExchange = series(
    meter,
    C - 3,
    [
      { importWh: 90, exportWh: 0 },
      { importWh: 95, exportWh: 0 },
      { importWh: 80, exportWh: 10 },
      { importWh: 70, exportWh: 20 },
    ],
    1,
    { importRegisterWh: 0, exportRegisterWh: 0 },
    freshPem,
  );
  // The old device's next reading would now be forged.
  const oldDevice = series(meter, C - 3, [{ importWh: 90, exportWh: 0 }], 4, {
    importRegisterWh: before[2].importRegisterWh,
    exportRegisterWh: before[2].exportRegisterWh,
  })[0];
  const receipts = await receiptsCollector(meter, meter.meterId);
  try {
    await publish([...afterExchange].reverse().map((r) => ({ topic: readingsTopic(meter.meterId), payload: JSON.stringify(r) })));
    const got = await receipts.waitFor(4);
    expect(got.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted', 'accepted']);
  } finally {
    await receipts.close();
  }
  expect(verdicts(await submit([oldDevice]))).toEqual(['READING_BAD_SIGNATURE']);
  const stored = await ok<JsonAnswer[]>(
    api('community', meter.apiKey, 'GET', `/meters/${meter.meterId}/readings?from=${enc(past(C))}&to=${enc(past(C - 6))}`),
  );
  expect(stored.map((r) => r.seq)).toEqual([1, 2, 3, 1, 2, 3, 4]);
});

it(
  'window close estimates what is missing, announces surplus and deficit, mints tokens equal to verified surplus once, and a late ' +
    'verified reading corrects the estimate once',
  async () => {
    const zone = uid('zone');
    const a = await newProsumerWithMeter();
    const b = await newProsumerWithMeter();
    const c = await newProsumerWithMeter();
    for (const m of [a, b, c]) await siteFor(m, zone);
    await ok(api('community', a.apiKey, 'POST', '/assets', asset(a, 5000)), 201);
    const W = 175;
    const truth: Record<string, { importWh: number; exportWh: number }[]> = {
      [a.meterId]: [
        { importWh: 100, exportWh: 800 },
        { importWh: 50, exportWh: 1000 },
      ],
      [b.meterId]: [
        { importWh: 300, exportWh: 0 },
        { importWh: 100, exportWh: 500 },
      ],
      [c.meterId]: [
        { importWh: 200, exportWh: 250 },
        { importWh: 400, exportWh: 0 },
      ],
    };
    const signed = Object.fromEntries([a, b, c].map((m) => [m.meterId, series(m, W, truth[m.meterId])]));
    // b's second reading is lost for now.
    expect(verdicts(await submit([...signed[a.meterId], signed[b.meterId][0], ...signed[c.meterId]]))).toEqual(Array(5).fill('accepted'));
    // An import spike beyond b's 5 kW connection is refused.
    const spike = signReading(
      {
        meterId: b.meterId,
        intervalStart: past(W - 2),
        seq: 3,
        importWh: 3000,
        exportWh: 0,
        importRegisterWh: signed[b.meterId][0].importRegisterWh + 100 + 3000,
        exportRegisterWh: signed[b.meterId][0].exportRegisterWh + 500,
      },
      b.privateKeyPem,
    );
    expect(verdicts(await submit([spike]))).toEqual(['READING_IMPORT_IMPLAUSIBLE']);

    const sse = await sseCollector();
    const onMqtt = await positionsCollector([a, b, c]);
    // Close in pages of one meter (one participant per transaction): the route runs the pages.
    const operatorClient = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
    await operatorClient.submit('metering:setParams', JSON.stringify({ closePageMeters: 1 }));
    try {
      for (const k of [0, 1]) {
        const closed = await ok(api('community', operatorKey(), 'POST', `/communities/${community()}/windows/${enc(past(W - k))}/close`));
        expect(closed.window).toMatchObject({ intervalStart: past(W - k) });
        expect(closed.window.pages).toBeGreaterThanOrEqual(3);
        expect(closed.window.participants).toBe(closed.positions.length);
      }
      // Closing again is harmless.
      expect(
        (await ok(api('community', operatorKey(), 'POST', `/communities/${community()}/windows/${enc(past(W))}/close`))).alreadyClosed,
      ).toBe(true);

      // Independent computation from the raw data: net per participant and interval; b's second interval is estimated.
      const expected = (m: TestMeter, k: number) => {
        const v = truth[m.meterId][k];
        const estimated = m === b && k === 1;
        const netWh = estimated ? 0 : v.exportWh - v.importWh;
        return {
          participantId: m.participantId,
          netWh,
          estimated,
          balance: netWh > 0 ? 'surplus' : netWh < 0 ? 'deficit' : 'balanced',
          tokensWh: estimated ? 0 : Math.max(netWh, 0),
        };
      };
      // What the events announce: no net position (it is private; a member reads it from the position).
      const announced = (m: TestMeter, k: number) => {
        const { netWh: _n, ...rest } = expected(m, k);
        return rest;
      };
      const events = await until(() => {
        // A close takes one transaction per page of participants, each with its event; the last one says so.
        const closes = sse.events.filter((e) => e.name === 'WindowClosed' && [past(W), past(W - 1)].includes(e.payload.intervalStart));
        return closes.filter((e) => e.payload.last).length === 2 ? closes : undefined;
      });
      for (const k of [0, 1]) {
        const positions = events.filter((e) => e.payload.intervalStart === past(W - k)).flatMap((e) => e.payload.positions);
        const mine = positions.filter((p: { participantId: string }) => [a, b, c].some((m) => m.participantId === p.participantId));
        expect(
          mine
            .map((p: { participantId: string; estimated: boolean; balance: unknown; tokensWh: unknown }) => ({
              participantId: p.participantId,
              estimated: p.estimated,
              balance: p.balance,
              tokensWh: p.tokensWh,
            }))
            .sort((x, y) => x.participantId.localeCompare(y.participantId)),
        ).toEqual([a, b, c].map((m) => announced(m, k)).sort((x, y) => x.participantId.localeCompare(y.participantId)));
        expect(JSON.stringify(mine)).not.toMatch(/netWh|consumptionWh|importWh/);
        // Each household reads its own net position (the private part, on its organization's peer).
        for (const m of [a, b, c]) {
          const own = await ok(api('community', m.apiKey, 'GET', `/participants/${m.participantId}/positions/${enc(past(W - k))}`));
          expect({
            participantId: own.participantId,
            netWh: own.netWh,
            estimated: own.estimated,
            balance: own.balance,
            tokensWh: own.tokens.reduce((t: number, x: { energyWh: number }) => t + x.energyWh, 0),
          }).toEqual(expected(m, k));
        }
      }
      // The same announcements on MQTT, one topic per participant.
      const relayed = await until(() =>
        onMqtt.messages.filter((m) => m.reason === 'window-close').length >= 6 ? onMqtt.messages : undefined,
      );
      for (const m of [a, b, c]) {
        for (const k of [0, 1]) {
          const got = relayed.find((x) => x.participantId === m.participantId && x.intervalStart === past(W - k));
          expect({ participantId: got?.participantId, estimated: got?.estimated, balance: got?.balance, tokensWh: got?.tokensWh }).toEqual(
            announced(m, k),
          );
          expect(got).not.toHaveProperty('netWh');
        }
      }
      const estimate = await ok(api('community', operatorKey(), 'GET', `/meters/${b.meterId}/estimates/${enc(past(W - 1))}`));
      expect(estimate).toMatchObject({ importWh: 0, exportWh: 0, rule: 'zero' });
      const estimatedPosition = await ok(
        api('community', b.apiKey, 'GET', `/participants/${b.participantId}/positions/${enc(past(W - 1))}`),
      );
      expect(estimatedPosition).toMatchObject({ estimated: true, tokens: [] });

      // Tokens equal verified surplus exactly.
      for (const m of [a, c]) {
        const balance = await ok(api('community', m.apiKey, 'GET', `/participants/${m.participantId}/tokens`));
        expect(balance.balanceWh).toBe(expected(m, 0).tokensWh + expected(m, 1).tokensWh);
      }
      expect((await ok(api('community', b.apiKey, 'GET', `/participants/${b.participantId}/tokens`))).balanceWh).toBe(
        Math.max(truth[b.meterId][0].exportWh - truth[b.meterId][0].importWh, 0),
      );

      // A new reading for a closed window is too late; b's lost reading corrects its estimate, once.
      const stranger = await newProsumerWithMeter();
      expect(verdicts(await submit(series(stranger, W, [{ importWh: 1, exportWh: 0 }])))).toEqual(['READING_TOO_LATE']);
      expect(verdicts(await submit([signed[b.meterId][1]]))).toEqual(['accepted']);
      expect(verdicts(await submit([signed[b.meterId][1]]))).toEqual(['duplicate']);
      const corrected = await ok(api('community', b.apiKey, 'GET', `/participants/${b.participantId}/positions/${enc(past(W - 1))}`));
      expect(corrected).toMatchObject({ estimated: false, netWh: 400, balance: 'surplus' });
      expect(corrected.corrections).toHaveLength(1);
      const bTokens = await ok(api('community', b.apiKey, 'GET', `/participants/${b.participantId}/tokens`));
      expect(bTokens.balanceWh).toBe(400);
      const correctionEvent = await until(() =>
        sse.events.find(
          (e) =>
            e.name === 'ReadingsRecorded' &&
            e.payload.corrections?.some((p: { participantId: string }) => p.participantId === b.participantId),
        ),
      );
      expect(correctionEvent.payload.corrections[0]).toMatchObject({
        communityId: community(),
        balance: 'surplus',
        estimated: false,
        tokensWh: 400,
      });
      // The bridge relays the correction on b's topic: the announcement names its community, so it is this bridge's to publish.
      const relayedCorrection = await until(() =>
        onMqtt.messages.find((x) => x.reason === 'correction' && x.participantId === b.participantId),
      );
      expect(relayedCorrection).toMatchObject({
        communityId: community(),
        intervalStart: past(W - 1),
        balance: 'surplus',
        estimated: false,
        tokensWh: 400,
        txId: correctionEvent.txId,
      });

      // The community view of the zone is the sum of the three homes; the regulator sees it, not the homes.
      const view = await ok(
        api('regulator', regulatorKey(), 'GET', `/communities/${profile().mqtt.communityId}/intervals/${enc(past(W - 1))}`),
      );
      expect(view.communityId).toBe(profile().mqtt.communityId);
      const z = view.zones.find((x: { zone: string }) => x.zone === zone);
      const sum = (f: 'importWh' | 'exportWh') => [a, b, c].reduce((s, m) => s + truth[m.meterId][1][f], 0);
      expect(z).toMatchObject({ productionWh: sum('exportWh'), consumptionWh: sum('importWh'), meters: 3, estimatedMeters: 0 });
      expect(
        (await api('regulator', regulatorKey(), 'GET', `/participants/${b.participantId}/positions/${enc(past(W - 1))}`)).body.error.code,
      ).toBe('ACCESS_DENIED');

      // Household consumption exists only in the private collection of Community and Utility; its salted hash is on the channel.
      const I1 = enc(past(W - 1));
      const disclosed = await ok(api('community', b.apiKey, 'GET', `/participants/${b.participantId}/consumption/${I1}`));
      expect(disclosed.value).toMatchObject({ participantId: b.participantId, consumptionWh: truth[b.meterId][1].importWh });
      expect(
        (await ok(api('utility', credentials().apiKeys.utility.utility, 'GET', `/participants/${b.participantId}/consumption/${I1}`)))
          .value,
      ).toEqual(disclosed.value);
      expect((await api('regulator', regulatorKey(), 'GET', `/participants/${b.participantId}/consumption/${I1}`)).body.error.code).toBe(
        'ACCESS_DENIED',
      );
      const check = (value: unknown) =>
        ok(api('regulator', regulatorKey(), 'POST', `/participants/${b.participantId}/consumption/${I1}/verification`, { value }));
      expect(await check(disclosed.value)).toMatchObject({ matches: true, onChainSha256: disclosed.sha256 });
      expect(await check({ ...disclosed.value, consumptionWh: disclosed.value.consumptionWh + 1 })).toMatchObject({ matches: false });
      expect(await check({ ...disclosed.value, salt: '00'.repeat(32) })).toMatchObject({ matches: false });

      // The reading on the channel: export and the import's hash; a member sees it whole.
      const asRegulator = await ok(api('regulator', regulatorKey(), 'GET', `/meters/${b.meterId}/readings/${I1}`));
      expect(asRegulator).toMatchObject({ exportWh: truth[b.meterId][1].exportWh, importHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      for (const f of ['importWh', 'importRegisterWh', 'sig']) expect(asRegulator).not.toHaveProperty(f);
      const asOwner = await ok(api('community', b.apiKey, 'GET', `/meters/${b.meterId}/readings/${I1}`));
      expect(asOwner).toMatchObject({
        importWh: truth[b.meterId][1].importWh,
        importRegisterWh: signed[b.meterId][1].importRegisterWh,
        sig: signed[b.meterId][1].sig,
      });
      // The committed blocks hold no import: not in the proposal (the readings travel as transient data), not in the writes, answer or
      // event.
      const readingBlock = await blockOfTransaction(asOwner.txId);
      expect(readingBlock.includes(asOwner.txId)).toBe(true);
      expect(readingBlock.includes(b.meterId)).toBe(true);
      for (const leak of ['importWh', 'importRegisterWh', signed[b.meterId][1].sig]) expect(readingBlock.includes(leak)).toBe(false);
      const closeBlock = await blockOfTransaction(
        events.find(
          (e) =>
            e.payload.intervalStart === past(W - 1) &&
            e.payload.positions.some((p: { participantId: string }) => p.participantId === b.participantId),
        )!.payload.txId,
      );
      expect(closeBlock.includes(b.participantId)).toBe(true);
      expect(closeBlock.includes('importWh')).toBe(false);
      // The regulator's peer does not hold the values: even a Utility identity evaluating there finds nothing.
      const viaRegulatorPeer = ledgerClient(profile(), 'regulator', profile().orgs.utility.users.utility);
      try {
        const refused = await viaRegulatorPeer.evaluate('energy:getConsumption', b.participantId, past(W - 1)).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(chaincodeCodeOf(refused)).toBe('PRIVATE_DATA_UNAVAILABLE');
      } finally {
        viaRegulatorPeer.close();
      }

      // A dispute: a's PV reading of the first interval was 200 Wh too high; tokens follow.
      await ok(
        api('community', a.apiKey, 'POST', '/disputes', {
          meterId: a.meterId,
          intervalStart: past(W),
          reason: 'inverter log shows 600 Wh',
        }),
        201,
      );
      const resolved = await ok(
        api('community', operatorKey(), 'POST', '/disputes/resolutions', {
          meterId: a.meterId,
          intervalStart: past(W),
          importWh: 100,
          exportWh: 600,
          note: 'per inverter log',
        }),
      );
      expect(resolved).toMatchObject({ status: 'resolved', original: { kind: 'reading', exportWh: 800 }, correction: { exportWh: 600 } });
      expect((await ok(api('community', a.apiKey, 'GET', `/participants/${a.participantId}/tokens`))).balanceWh).toBe(
        expected(a, 0).tokensWh - 200 + expected(a, 1).tokensWh,
      );
      const csv = await (
        await fetch(
          `${profile().orgs.community.gateway.url}/api/v1/participants/${a.participantId}/positions.csv` +
            `?from=${enc(past(W))}&to=${enc(past(W - 1))}`,
          { headers: { authorization: `Bearer ${a.apiKey}` } },
        )
      ).text();
      expect(csv.trim().split('\r\n')).toEqual([
        'intervalStart,productionWh,consumptionWh,netWh,balance,estimated,tokensWh,corrections',
        `${past(W)},600,100,500,surplus,false,500,1`,
        `${past(W - 1)},1000,50,950,surplus,false,950,0`,
      ]);
      expect(
        await until(() => onMqtt.messages.find((x) => x.reason === 'correction' && x.participantId === b.participantId)),
      ).toMatchObject({
        balance: 'surplus',
        tokensWh: 400,
      });
    } finally {
      await operatorClient.submit('metering:setParams', JSON.stringify({ closePageMeters: 100 })).catch(() => undefined);
      operatorClient.close();
      sse.close();
      await onMqtt.close();
    }
  },
);

it(
  'a window is its start and its length: a 60 s window closed at a quarter-hour instant is not the 900 s window there once the grid is ' +
    'back to 900 s',
  async () => {
    const S = past(60);
    const operatorClient = ledgerClient(profile(), 'community', profile().orgs.community.users['community-operator']);
    try {
      const before = await operatorClient.evaluate('metering:getParams');
      await operatorClient.submit('metering:setParams', JSON.stringify({ intervalSeconds: 60 }));
      try {
        const closed = await ok(api('community', operatorKey(), 'POST', `/communities/${community()}/windows/${enc(S)}/close`));
        expect(closed.window).toMatchObject({ intervalStart: S });
        expect(await ok(api('community', operatorKey(), 'GET', `/communities/${community()}/windows/${enc(S)}`))).toMatchObject({
          intervalStart: S,
          txId: closed.window.txId,
        });
      } finally {
        await operatorClient.submit('metering:setParams', before);
      }
    } finally {
      operatorClient.close();
    }
    expect(await ok(api('community', operatorKey(), 'GET', `/communities/${community()}/windows/${enc(S)}`))).toEqual({
      communityId: community(),
      intervalStart: S,
      closed: false,
    });
    const meter = await newProsumerWithMeter();
    const reading = signReading(
      { meterId: meter.meterId, intervalStart: S, seq: 1, importWh: 120, exportWh: 0, importRegisterWh: 120, exportRegisterWh: 0 },
      meter.privateKeyPem,
    );
    expect(verdicts(await submit([reading]))).toEqual(['accepted']);
  },
);
