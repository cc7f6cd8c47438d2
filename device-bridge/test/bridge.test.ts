import { readingSignedBytes, type SignedReading } from '@gridledger/core';
import type { MqttClient } from 'mqtt';
import { Bridge, type BridgeOptions } from '../src/bridge';
import { startMosquitto, type MosquittoBroker } from '../src/broker';
import { silentLogger } from '@gridledger/network';
import type { Receipt } from '../src/receipts';
import { allReceiptsFilter, readingsTopic } from '../src/topics';
import {
  bridgeMqtt,
  FakeLedger,
  freePort,
  headEnd,
  meterDay,
  meterKey,
  mqttClient,
  publishAll,
  readingKey,
  signReading,
  sleep,
  tempDir,
  waitFor,
} from './support/helpers';

jest.setTimeout(60_000);

const COMMUNITY = 'test-community';
const topicOf = (r: { meterId: string }) => readingsTopic(COMMUNITY, r.meterId);

let broker: MosquittoBroker;
let brokerDir: string;
let port: number;
let watcher: MqttClient;
let receipts: Receipt[];

beforeAll(async () => {
  port = await freePort();
  brokerDir = tempDir('mosquitto');
  broker = await startMosquitto({ port, dataDir: brokerDir });
});

afterAll(async () => {
  await broker?.stop();
});

beforeEach(async () => {
  receipts = [];
  watcher = await mqttClient(broker, headEnd(COMMUNITY, `watcher-${Math.random()}`));
  watcher.on('message', (_topic, payload) => receipts.push(JSON.parse(payload.toString()) as Receipt));
  await watcher.subscribeAsync(allReceiptsFilter(COMMUNITY), { qos: 1 });
});

afterEach(async () => {
  await watcher.endAsync(true);
});

async function options(stateDir: string, ledger: FakeLedger, version: 4 | 5, extra: Partial<BridgeOptions> = {}): Promise<BridgeOptions> {
  return {
    ...(await bridgeMqtt(broker, COMMUNITY, `bridge-${stateDir.slice(-6)}`)),
    communityId: COMMUNITY,
    stateDir,
    submitter: ledger,
    protocolVersion: version,
    maxBatch: 10,
    lingerMs: 20,
    retryBaseMs: 20,
    retryMaxMs: 200,
    logger: silentLogger,
    ...extra,
  };
}

/** Every published reading is on the fake ledger with exactly its signed bytes, and nothing else is. */
function expectExactlyOnLedger(ledger: FakeLedger, published: SignedReading[]) {
  expect(new Set(ledger.stored.keys())).toEqual(new Set(published.map(readingKey)));
  for (const r of published) expect(ledger.stored.get(readingKey(r))).toBe(readingSignedBytes(r).toString('utf8'));
  // Whatever was submitted more than once was the very same reading (a retry the ledger absorbs).
  const submitted = ledger.calls.flat();
  for (const r of submitted) expect(readingSignedBytes(r).toString('utf8')).toBe(ledger.stored.get(readingKey(r)));
}

function expectReceiptsFor(published: SignedReading[], ledger: FakeLedger) {
  for (const r of published) {
    const mine = receipts.filter((x) => x.meterId === r.meterId && x.intervalStart === r.intervalStart);
    expect(mine.length).toBeGreaterThan(0);
    for (const x of mine) {
      expect(['accepted', 'duplicate']).toContain(x.status);
      expect(ledger.txIds).toContain(x.txId);
      expect(x.seq).toBe(r.seq);
    }
  }
}

describe.each([5, 4] as const)('bridge over Mosquitto, MQTT protocol %i', (version) => {
  it('loses nothing when the bridge dies mid-stream and starts again', async () => {
    const stateDir = tempDir('bridge');
    const ledger = new FakeLedger();
    ledger.delayMs = 15;
    const published = ['home-01.main', 'home-02.main', 'home-03.main'].flatMap((m) => meterDay(m, 60, meterKey().privateKey));
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, `pub-${version}-${Date.now()}`));

    const first = await Bridge.start(await options(stateDir, ledger, version));
    await waitFor(() => first.status().connected, 10_000, 'bridge connected');
    await publishAll(publisher, topicOf, published.slice(0, 90));
    await waitFor(() => ledger.stored.size >= 20, 20_000, 'first readings on the ledger');
    await first.kill(); // mid-stream: transactions in flight are abandoned, acks unsent
    const storedAtCrash = ledger.stored.size;
    expect(storedAtCrash).toBeLessThan(published.length);

    await publishAll(publisher, topicOf, published.slice(90)); // the broker queues them for the bridge's session
    const second = await Bridge.start(await options(stateDir, ledger, version));
    await waitFor(() => ledger.stored.size === published.length && second.status().pending === 0, 30_000, 'every reading on the ledger');
    await second.stop();
    await publisher.endAsync();

    expectExactlyOnLedger(ledger, published);
    await waitFor(
      () => published.every((r) => receipts.some((x) => x.meterId === r.meterId && x.intervalStart === r.intervalStart)),
      10_000,
      'receipts',
    );
    expectReceiptsFor(published, ledger);
    // Per meter, readings reached the ledger in order the first time each was submitted.
    const firstSeen = new Map<string, number[]>();
    const seenKeys = new Set<string>();
    for (const r of ledger.calls.flat()) {
      if (seenKeys.has(readingKey(r))) continue;
      seenKeys.add(readingKey(r));
      firstSeen.set(r.meterId, [...(firstSeen.get(r.meterId) ?? []), r.seq]);
    }
    for (const seqs of firstSeen.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('retries through a ledger outage and publishes receipts with the txId', async () => {
    const stateDir = tempDir('bridge');
    const ledger = new FakeLedger();
    ledger.failNext = 4;
    const published = meterDay('home-04.main', 25, meterKey().privateKey);
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, `pub-outage-${version}`));
    const bridge = await Bridge.start(await options(stateDir, ledger, version));
    await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
    await publishAll(publisher, topicOf, published);
    await waitFor(() => ledger.stored.size === published.length && bridge.status().pending === 0, 20_000, 'ledger back');
    await waitFor(() => receipts.length >= published.length, 10_000, 'receipts');
    await bridge.stop();
    await publisher.endAsync();
    expect(ledger.failNext).toBe(0);
    expectExactlyOnLedger(ledger, published);
    expectReceiptsFor(published, ledger);
    expect(receipts.every((r) => r.status === 'accepted')).toBe(true);
  });
});

describe('bridge pipeline', () => {
  /** A bridge with one transaction slot whose receipts wait until `release` is called. */
  async function bridgeWithHeldReceipts(ledger: FakeLedger, clientId: string) {
    const stateDir = tempDir('bridge');
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, clientId));
    const bridge = await Bridge.start(await options(stateDir, ledger, 5, { maxConcurrent: 1, lingerMs: 200 }));
    await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const internals = bridge as unknown as { publishReceipt: (r: Receipt) => Promise<void> };
    const publish = internals.publishReceipt.bind(bridge);
    internals.publishReceipt = async (r) => {
      await held;
      return publish(r);
    };
    return { bridge, publisher, release };
  }

  it(
    "frees a transaction's slot and meters at commit: the meter's " + 'next batch goes while the receipts of its last one are still out',
    async () => {
      const ledger = new FakeLedger();
      const published = meterDay('home-05.main', 20, meterKey().privateKey);
      const { bridge, publisher, release } = await bridgeWithHeldReceipts(ledger, 'pub-pipeline');
      const events: string[] = [];
      const submit = ledger.submitReadings.bind(ledger);
      ledger.submitReadings = async (readings) => {
        events.push(`submit ${readings.map((r) => r.seq).join(',')}`);
        return submit(readings);
      };
      await publishAll(publisher, topicOf, published);
      // One slot, batches of 10 of one meter: the second batch is submitted with no receipt of the first out.
      await waitFor(() => ledger.calls.length >= 2, 10_000, "second batch submitted while the first one's receipts are held");
      expect(receipts).toHaveLength(0);
      expect(bridge.status().pending).toBe(published.length); // nothing is done before its receipt
      release();
      await waitFor(() => bridge.status().pending === 0 && receipts.length >= published.length, 10_000, 'receipts and done marks');
      await bridge.stop();
      await publisher.endAsync();
      expectExactlyOnLedger(ledger, published);
      expectReceiptsFor(published, ledger);
      expect(ledger.calls.flat().map((r) => r.seq)).toEqual(published.map((r) => r.seq)); // in order, each once
      expect(events.length).toBe(ledger.calls.length);
    },
  );

  it(
    'sends a reading the answer said nothing about again before the ' + 'later readings of its meter, receipts of the rest still held',
    async () => {
      const ledger = new FakeLedger();
      const published = meterDay('home-06.main', 20, meterKey().privateKey);
      const { bridge, publisher, release } = await bridgeWithHeldReceipts(ledger, 'pub-unanswered');
      // The first answer leaves out the batch's third reading (it is stored all the same).
      const submit = ledger.submitReadings.bind(ledger);
      ledger.submitReadings = async (readings) => {
        const outcome = await submit(readings);
        return ledger.calls.length === 1 ? { ...outcome, results: outcome.results.filter((r) => r.index !== 2) } : outcome;
      };
      await publishAll(publisher, topicOf, published);
      await waitFor(() => ledger.calls.length >= 2, 10_000, 'second batch');
      const left = ledger.calls[0][2];
      expect(ledger.calls[1][0]).toEqual(left); // first in the meter's next batch, before seq 11 and on
      release();
      await waitFor(() => bridge.status().pending === 0 && receipts.some((x) => x.seq === left.seq), 10_000, 'every reading done');
      await bridge.stop();
      await publisher.endAsync();
      expectExactlyOnLedger(ledger, published);
      // The duplicate's receipt names the transaction that recorded the reading, not the one that resubmitted it.
      expect(receipts.find((x) => x.seq === left.seq)).toMatchObject({ status: 'duplicate', txId: ledger.txIds[0] });
    },
  );
});

describe('bridge over Mosquitto, broker restart', () => {
  it('readings queued for the stopped bridge survive a Mosquitto restart', async () => {
    const stateDir = tempDir('bridge');
    const ledger = new FakeLedger();
    const published = meterDay('home-05.main', 40, meterKey().privateKey);
    // First start: the broker learns the bridge's persistent session and subscription.
    const bridge1 = await Bridge.start(await options(stateDir, ledger, 5));
    await waitFor(() => bridge1.status().connected, 10_000, 'bridge connected');
    await sleep(200);
    await bridge1.stop();

    const publisher = await mqttClient(broker, headEnd(COMMUNITY, 'pub-restart'));
    await publishAll(publisher, topicOf, published); // PUBACKed by the broker, queued for the bridge
    await publisher.endAsync();
    await watcher.endAsync(true);

    await broker.stop();
    broker = await startMosquitto({ port, dataDir: brokerDir });

    const bridge2 = await Bridge.start(await options(stateDir, ledger, 5));
    await waitFor(() => ledger.stored.size === published.length && bridge2.status().pending === 0, 20_000, 'all readings after restart');
    await bridge2.stop();
    expectExactlyOnLedger(ledger, published);
    watcher = await mqttClient(broker, headEnd(COMMUNITY, `watcher-after-${Date.now()}`));
  });
});

describe('bridge refusals', () => {
  it('answers a malformed payload with a rejected receipt carrying the stable code, and submits nothing', async () => {
    const stateDir = tempDir('bridge');
    const ledger = new FakeLedger();
    const bridge = await Bridge.start(await options(stateDir, ledger, 5));
    await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
    const [good] = meterDay('home-06.main', 1, meterKey().privateKey);
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, 'pub-bad'));
    await publisher.publishAsync(readingsTopic(COMMUNITY, 'home-06.main'), 'not json', { qos: 1 });
    await publisher.publishAsync(readingsTopic(COMMUNITY, 'home-06.main'), JSON.stringify({ ...good, extra: 1 }), { qos: 1 });
    await publisher.publishAsync(readingsTopic(COMMUNITY, 'home-07.main'), JSON.stringify(good), { qos: 1 });
    await publisher.publishAsync(
      readingsTopic(COMMUNITY, 'home-06.main'),
      JSON.stringify({ ...good, intervalStart: '2026-11-21T00:05:00Z' }),
      { qos: 1 },
    );
    await waitFor(() => receipts.length >= 4, 10_000, 'four receipts');
    await sleep(300);
    await bridge.stop();
    await publisher.endAsync();

    expect(receipts.map((r) => [r.meterId, r.status, r.code])).toEqual([
      ['home-06.main', 'rejected', 'READING_MALFORMED'],
      ['home-06.main', 'rejected', 'READING_MALFORMED'],
      ['home-07.main', 'rejected', 'READING_MALFORMED'],
      ['home-06.main', 'rejected', 'READING_INTERVAL_MISALIGNED'],
    ]);
    expect(receipts[1]).toMatchObject({ intervalStart: good.intervalStart, seq: good.seq });
    expect(receipts.every((r) => r.txId === undefined)).toBe(true);
    expect(ledger.calls).toHaveLength(0);
    expect(bridge.status().pending).toBe(0);
  });
});

describe("bridge: the metering interval is the ledger's", () => {
  /** A reading of `meterId` at `intervalStart` (any grid), signed by a key of its own. */
  const readingAt = (meterId: string, intervalStart: string, seq = 1): SignedReading =>
    signReading(
      { meterId, intervalStart, seq, importWh: 10 * seq, exportWh: 0, importRegisterWh: 10 * seq, exportRegisterWh: 0 },
      meterKey().privateKey,
    );

  async function started(ledger: FakeLedger, clientId: string, extra: Partial<BridgeOptions> = {}) {
    const bridge = await Bridge.start(await options(tempDir('bridge'), ledger, 5, extra));
    await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, clientId));
    const publish = (r: SignedReading) => publisher.publishAsync(topicOf(r), JSON.stringify(r), { qos: 1 });
    return { bridge, publisher, publish };
  }

  it('reads the interval at start: with the ledger at 60 s a reading on the minute goes through', async () => {
    const ledger = new FakeLedger();
    ledger.intervalSeconds = 60;
    const { bridge, publisher, publish } = await started(ledger, 'pub-interval-60');
    expect(bridge.status().intervalSeconds).toBe(60);
    const r = readingAt('home-08.main', '2026-11-21T00:01:00Z');
    await publish(r);
    await waitFor(() => receipts.length >= 1, 10_000, 'receipt');
    await bridge.stop();
    await publisher.endAsync();
    expect(receipts).toEqual([{ meterId: r.meterId, intervalStart: r.intervalStart, seq: 1, status: 'accepted', txId: ledger.txIds[0] }]);
    expectExactlyOnLedger(ledger, [r]);
  });

  it('reads the interval again before refusing a reading as misaligned: a change on the ledger counts for the next reading', async () => {
    const ledger = new FakeLedger();
    // Every read counts as stale at once: the change is seen by the very next reading.
    const { bridge, publisher, publish } = await started(ledger, 'pub-interval-change', { paramsMaxAgeMs: 0 });
    expect(bridge.status().intervalSeconds).toBe(900);
    const readsAtStart = ledger.paramsReads;
    const onQuarter = readingAt('home-09.main', '2026-11-21T00:15:00Z', 1);
    await publish(onQuarter); // aligned: no read of the parameters
    await waitFor(() => receipts.length >= 1, 10_000, 'first receipt');
    expect(ledger.paramsReads).toBe(readsAtStart);

    ledger.intervalSeconds = 60; // an operator's metering:setParams
    const onMinute = readingAt('home-09.main', '2026-11-21T00:16:00Z', 2);
    await publish(onMinute);
    await waitFor(() => receipts.length >= 2, 10_000, 'second receipt');
    expect(bridge.status().intervalSeconds).toBe(60);

    ledger.intervalSeconds = 900; // and back
    const offGrid = readingAt('home-09.main', '2026-11-21T00:17:00Z', 3);
    const offGridAgain = readingAt('home-09.main', '2026-11-21T00:18:00Z', 4);
    await publish(offGrid); // the bridge still has 60 s: the chaincode refuses it, and the bridge reads the interval again
    await waitFor(
      () => receipts.length >= 3 && bridge.status().intervalSeconds === 900,
      10_000,
      'third receipt and the interval read again',
    );
    await publish(offGridAgain); // the bridge refuses it itself now, after its own read
    await waitFor(() => receipts.length >= 4, 10_000, 'fourth receipt');
    await bridge.stop();
    await publisher.endAsync();

    expect(receipts.map((x) => [x.seq, x.status, x.code])).toEqual([
      [1, 'accepted', undefined],
      [2, 'accepted', undefined],
      [3, 'rejected', 'READING_INTERVAL_MISALIGNED'],
      [4, 'rejected', 'READING_INTERVAL_MISALIGNED'],
    ]);
    expect(receipts[2].txId).toBe(ledger.txIds[2]);
    expect(receipts[3].txId).toBeUndefined();
    expect(bridge.status().intervalSeconds).toBe(900);
    expect(ledger.calls.flat().map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('reads the parameters at most once per paramsMaxAgeMs however many misaligned readings arrive', async () => {
    const ledger = new FakeLedger();
    const { bridge, publisher, publish } = await started(ledger, 'pub-interval-flood', { paramsMaxAgeMs: 60_000 });
    const readsAtStart = ledger.paramsReads;
    // Minutes off the 15-minute grid.
    const minutes = Array.from({ length: 59 }, (_, i) => i + 1)
      .filter((m) => m % 15 !== 0)
      .slice(0, 30);
    const offGrid = minutes.map((m, i) => readingAt('home-11.main', `2026-11-21T00:${String(m).padStart(2, '0')}:00Z`, i + 1));
    await Promise.all(offGrid.map(publish));
    await waitFor(() => receipts.length >= offGrid.length, 10_000, 'every receipt');
    await bridge.stop();
    await publisher.endAsync();
    expect(receipts.map((x) => [x.meterId, x.intervalStart, x.status, x.code])).toEqual(
      offGrid.map((r) => [r.meterId, r.intervalStart, 'rejected', 'READING_INTERVAL_MISALIGNED']),
    );
    expect(ledger.calls).toEqual([]);
    // The read at start is fresh for a minute: no read for any of the 30.
    expect(ledger.paramsReads).toBe(readsAtStart);
  });

  it(
    'while the ledger cannot be read at start, refuses no reading ' + 'for its alignment and reads the interval once the ledger is back',
    async () => {
      const ledger = new FakeLedger();
      ledger.intervalSeconds = 60;
      ledger.paramsUnavailable = true;
      const { bridge, publisher, publish } = await started(ledger, 'pub-interval-unknown');
      expect(bridge.status().intervalSeconds).toBeUndefined();
      const onMinute = readingAt('home-10.main', '2026-11-21T00:01:00Z', 1);
      const offGrid = readingAt('home-10.main', '2026-11-21T00:02:30Z', 2);
      await publish(onMinute);
      await publish(offGrid);
      await waitFor(() => receipts.length >= 2, 10_000, 'two receipts');
      ledger.paramsUnavailable = false;
      await waitFor(() => bridge.status().intervalSeconds === 60, 10_000, 'interval read after the outage');
      await bridge.stop();
      await publisher.endAsync();
      // Both went to the ledger, which judged them: nothing was refused by the bridge on a guess.
      expect(receipts.map((x) => [x.seq, x.status, x.code, x.txId !== undefined])).toEqual([
        [1, 'accepted', undefined, true],
        [2, 'rejected', 'READING_INTERVAL_MISALIGNED', true],
      ]);
      expect(ledger.paramsReads).toBeGreaterThan(1);
    },
  );
});
