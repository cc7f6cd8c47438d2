/**
 * A day of a community on the real network: 200 meters (20 households with 10 meters each)
 * publish 96 fifteen-minute readings each over MQTT in shuffled order; every window is closed;
 * positions, surplus/deficit events and energy tokens are checked against a computation of our
 * own from the raw readings. Intervals 171 to 76 back: none of another test file's.
 */
import { generateKeyPairSync } from 'node:crypto';
import mqtt from 'mqtt';
import { prng } from '@gridledger/device-bridge';
import { formatInstant, parseInstant, Reading, SignedReading } from '@gridledger/core/core';
import {
  type JsonAnswer,
  api,
  closeWindow,
  headEndCredential,
  mqttOptions,
  operatorKey,
  pastInterval,
  profile,
  signReading,
  uid,
} from './support';

/**
 * Intervals counted back from the last one that had ended when this file was loaded: a test that
 * runs across a quarter-hour boundary still names the same intervals throughout.
 */
const LAST_ENDED = parseInstant(pastInterval(0))!;
const past = (back: number): string => formatInstant(LAST_ENDED - back * 900);

jest.setTimeout(40 * 60_000);

const HOUSEHOLDS = 20;
const METERS_PER_HOUSEHOLD = 10;
const INTERVALS = 96;
const FIRST_BACK = 171;

async function ok<T = JsonAnswer>(p: Promise<{ status: number; body: T }>, status = 200): Promise<T> {
  const res = await p;
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Runs `f` over `items` with at most `n` at a time. */
async function pool<T, R>(items: T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const k = next++;
        out[k] = await f(items[k]);
      }
    }),
  );
  return out;
}

beforeAll(async () => {
  for (const org of ['community'] as const) {
    for (let i = 0; i < 4; i++)
      await fetch(`${profile().orgs[org].gateway.url}/api/v1/health`)
        .then((r) => r.text())
        .catch(() => undefined);
  }
});

it(
  '200 meters, a day of shuffled readings over MQTT: nothing lost or counted twice, every interval complete, the positions announced ' +
    'at close and the tokens equal to our own computation',
  async () => {
    const random = prng('metering-day'); // seeded: a failure can be replayed
    const run = uid('day');
    const households = Array.from({ length: HOUSEHOLDS }, (_, h) => `${run}-h${String(h).padStart(2, '0')}`);
    await pool(households, 4, (participantId) =>
      ok(api('community', operatorKey(), 'POST', '/participants', { participantId, role: 'prosumer' }), 201),
    );
    const meters = households.flatMap((participantId) =>
      Array.from({ length: METERS_PER_HOUSEHOLD }, (_, k) => {
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        return {
          participantId,
          meterId: `${participantId}.m${k}`,
          privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
          publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        };
      }),
    );
    await pool(meters, 8, (m) =>
      ok(
        api('community', operatorKey(), 'POST', '/meters', {
          meterId: m.meterId,
          participantId: m.participantId,
          kind: 'bidirectional',
          publicKeyPem: m.publicKeyPem,
          exportCapacityW: 6000,
          communityId: profile().mqtt.communityId,
        }),
        201,
      ),
    );

    // The raw data: per meter 96 readings with consistent registers.
    const readings: SignedReading[] = [];
    const raw = new Map<string, { importWh: number; exportWh: number }[]>();
    for (const m of meters) {
      let importRegisterWh = Math.floor(random() * 1e6);
      let exportRegisterWh = Math.floor(random() * 1e6);
      const values: { importWh: number; exportWh: number }[] = [];
      for (let k = 0; k < INTERVALS; k++) {
        const importWh = Math.floor(random() * 400);
        const exportWh = random() < 0.5 ? 0 : Math.floor(random() * 1000);
        importRegisterWh += importWh;
        exportRegisterWh += exportWh;
        values.push({ importWh, exportWh });
        const r: Reading = {
          meterId: m.meterId,
          intervalStart: past(FIRST_BACK - k),
          seq: k + 1,
          importWh,
          exportWh,
          importRegisterWh,
          exportRegisterWh,
        };
        readings.push(signReading(r, m.privateKeyPem));
      }
      raw.set(m.meterId, values);
    }
    for (let i = readings.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [readings[i], readings[j]] = [readings[j], readings[i]];
    }

    // Our own computation: net per household and interval, tokens = positive net.
    const expectedNet = new Map<string, number[]>();
    for (const h of households) {
      expectedNet.set(
        h,
        Array.from({ length: INTERVALS }, (_, k) =>
          meters
            .filter((m) => m.participantId === h)
            .reduce((s, m) => s + raw.get(m.meterId)![k].exportWh - raw.get(m.meterId)![k].importWh, 0),
        ),
      );
    }

    // One head-end relays every meter's signed readings and reads their receipts, as an AMI head-end would.
    const client = await mqtt.connectAsync(profile().mqtt.url, mqttOptions(headEndCredential()));
    const receipts = new Map<string, string>();
    const mine = new Set(meters.map((m) => m.meterId));
    client.on('message', (_t, payload) => {
      const r = JSON.parse(payload.toString()) as { meterId: string; intervalStart: string; status: string };
      if (mine.has(r.meterId)) receipts.set(`${r.meterId} ${r.intervalStart}`, r.status);
    });
    await client.subscribeAsync(`gridledger/v1/${profile().mqtt.communityId}/meters/+/receipts`, { qos: 1 });
    const started = Date.now();
    for (const r of readings)
      await client.publishAsync(`gridledger/v1/${profile().mqtt.communityId}/meters/${r.meterId}/readings`, JSON.stringify(r), { qos: 1 });
    const deadline = Date.now() + 20 * 60_000;
    while (receipts.size < readings.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    const seconds = (Date.now() - started) / 1000;
    await client.endAsync();
    process.stdout.write(
      `\n${readings.length} readings committed in ${seconds.toFixed(1)} s over MQTT (${(readings.length / seconds).toFixed(0)}/s)\n`,
    );
    expect(receipts.size).toBe(readings.length);
    expect([...receipts.values()].every((s) => s === 'accepted')).toBe(true);

    // Every window closed, by the operator, four at a time: closes of different intervals write
    // different keys (positions, tokens and zone totals are per interval), so none conflicts.
    const closeStarted = Date.now();
    await pool(
      Array.from({ length: INTERVALS }, (_, k) => k),
      4,
      async (k) => {
        const closed = await ok(closeWindow(past(FIRST_BACK - k)));
        // The announcement (in the block) carries no net position: balance, estimated and tokens only.
        const positions = (closed.positions as { participantId: string; balance: string; estimated: boolean; tokensWh: number }[]).filter(
          (p) => expectedNet.has(p.participantId),
        );
        expect(positions).toHaveLength(HOUSEHOLDS);
        for (const p of positions) {
          const net = expectedNet.get(p.participantId)![k];
          expect([p.estimated, p.balance, p.tokensWh]).toEqual([
            false,
            net > 0 ? 'surplus' : net < 0 ? 'deficit' : 'balanced',
            Math.max(net, 0),
          ]);
          expect(p).not.toHaveProperty('netWh');
        }
      },
    );
    process.stdout.write(`${INTERVALS} windows closed in ${((Date.now() - closeStarted) / 1000).toFixed(1)} s\n`);

    // The net positions, private to Community and Utility, as the operator reads them: the independent computation.
    await pool(households, 4, async (h) => {
      const page = await ok(
        api(
          'community',
          operatorKey(),
          'GET',
          `/participants/${h}/positions?from=${encodeURIComponent(past(FIRST_BACK))}` +
            `&to=${encodeURIComponent(past(FIRST_BACK - INTERVALS + 1))}&pageSize=${INTERVALS}`,
        ),
      );
      expect((page.items as { netWh: number }[]).map((p) => p.netWh)).toEqual(expectedNet.get(h));
    });

    // Tokens minted equal verified surplus exactly; every reading is on the ledger once.
    await pool(households, 4, async (h) => {
      const balance = await ok(api('community', operatorKey(), 'GET', `/participants/${h}/tokens`));
      expect(balance.balanceWh).toBe(expectedNet.get(h)!.reduce((s, n) => s + Math.max(n, 0), 0));
    });
    await pool(meters, 8, async (m) => {
      const stored = await ok<JsonAnswer[]>(
        api(
          'community',
          operatorKey(),
          'GET',
          `/meters/${m.meterId}/readings?from=${encodeURIComponent(past(FIRST_BACK))}` +
            `&to=${encodeURIComponent(past(FIRST_BACK - INTERVALS + 1))}`,
        ),
      );
      expect(stored.map((r) => r.seq)).toEqual(Array.from({ length: INTERVALS }, (_, k) => k + 1));
    });
  },
);
