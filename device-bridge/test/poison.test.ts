import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, GridLedgerError, readingSignedBytes, type SignedReading } from '@gridledger/core';
import type { MqttClient } from 'mqtt';
import { Bridge, type BridgeOptions } from '../src/bridge';
import { startMosquitto, type MosquittoBroker } from '../src/broker';
import { DeadLetters, readDeadLetters } from '../src/dead-letter';
import { Journal, replayJournal } from '../src/journal';
import { ChaincodeError, failureAction } from '../src/ledger';
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
  sleep,
  tempDir,
  waitFor,
} from './support/helpers';

jest.setTimeout(60_000);

const COMMUNITY = 'poison-community';
const topicOf = (r: { meterId: string }) => readingsTopic(COMMUNITY, r.meterId);

describe('failureAction: which whole-batch failures blame a reading', () => {
  const chaincode = (code: keyof typeof ErrorCodes) => ChaincodeError.of(new GridLedgerError(ErrorCodes[code], 'x'));

  it('isolates a chaincode error with a stable code that no retry changes', () => {
    expect(failureAction(chaincode('INTERNAL'))).toBe('isolate');
    expect(failureAction(chaincode('AMOUNT_OUT_OF_RANGE'))).toBe('isolate');
  });

  it('retries transient, MVCC and identity failures, and errors that are not the chaincode’s', () => {
    for (const code of [
      'LEDGER_UNAVAILABLE',
      'TRANSACTION_CONFLICT',
      'PRIVATE_DATA_UNAVAILABLE',
      'ACCESS_DENIED',
      'UNAUTHENTICATED',
    ] as const) {
      expect(failureAction(chaincode(code))).toBe('retry');
    }
    // INTERNAL made by the bridge of an unknown failure (no envelope), and anything not ours.
    expect(failureAction(new GridLedgerError(ErrorCodes.INTERNAL, 'grpc said no'))).toBe('retry');
    expect(failureAction(new Error('socket hang up'))).toBe('retry');
  });

  it('splits a batch the contract finds too large', () => {
    expect(failureAction(chaincode('READING_BATCH_INVALID'))).toBe('split');
  });
});

describe('bridge over Mosquitto: poison readings and per-meter retries', () => {
  let broker: MosquittoBroker;
  let watcher: MqttClient;
  let receipts: Receipt[];

  beforeAll(async () => {
    const port = await freePort();
    broker = await startMosquitto({ port, dataDir: tempDir('mosquitto-poison') });
  });
  afterAll(() => broker?.stop());

  beforeEach(async () => {
    receipts = [];
    watcher = await mqttClient(broker, headEnd(COMMUNITY, `watcher-${Math.random()}`));
    watcher.on('message', (_topic, payload) => receipts.push(JSON.parse(payload.toString()) as Receipt));
    await watcher.subscribeAsync(allReceiptsFilter(COMMUNITY), { qos: 1 });
  });
  afterEach(() => watcher.endAsync(true));

  async function options(stateDir: string, ledger: FakeLedger, extra: Partial<BridgeOptions> = {}): Promise<BridgeOptions> {
    return {
      ...(await bridgeMqtt(broker, COMMUNITY, `bridge-${stateDir.slice(-6)}`)),
      communityId: COMMUNITY,
      stateDir,
      submitter: ledger,
      maxBatch: 16,
      lingerMs: 50,
      retryBaseMs: 50,
      retryMaxMs: 200,
      logger: silentLogger,
      ...extra,
    };
  }

  it(
    'halves a refused batch down to the poison readings, parks them ' + 'with their code, submits the rest, and never resubmits them',
    async () => {
      const stateDir = tempDir('bridge-poison');
      const ledger = new FakeLedger();
      const published = ['home-p1.main', 'home-p2.main', 'home-p3.main'].flatMap((m) => meterDay(m, 12, meterKey().privateKey));
      const poisoned = new Set([readingKey(published[5]), readingKey(published[30])]);
      ledger.poison = (r) =>
        poisoned.has(readingKey(r)) ? new GridLedgerError(ErrorCodes.INTERNAL, 'submitReadings failed unexpectedly') : undefined;
      const bridge = await Bridge.start(await options(stateDir, ledger));
      await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
      const publisher = await mqttClient(broker, headEnd(COMMUNITY, `pub-poison-${Date.now()}`));
      await publishAll(publisher, topicOf, published);
      await publisher.endAsync();
      const good = published.filter((r) => !poisoned.has(readingKey(r)));
      await waitFor(() => ledger.stored.size === good.length && bridge.status().pending === 0, 30_000, 'the good readings on the ledger');
      await waitFor(() => receipts.length >= published.length, 10_000, 'a receipt for every reading');
      expect(bridge.status().parked).toBe(2);
      await bridge.stop();

      // Every good reading is on the ledger with its bytes; the poison ones are not.
      expect(new Set(ledger.stored.keys())).toEqual(new Set(good.map(readingKey)));
      for (const r of good) expect(ledger.stored.get(readingKey(r))).toBe(readingSignedBytes(r).toString('utf8'));
      // The poison readings are in the dead-letter file with their code, exactly as signed.
      const parked = [...readDeadLetters(readFileSync(DeadLetters.file(join(stateDir, 'bridge')))).values()];
      expect(parked.map((p) => readingKey(p.reading)).sort()).toEqual([...poisoned].sort());
      for (const p of parked) {
        expect(p.code).toBe(ErrorCodes.INTERNAL);
        const original = published.find((r) => readingKey(r) === readingKey(p.reading)) as SignedReading;
        expect(readingSignedBytes(p.reading).equals(readingSignedBytes(original))).toBe(true);
        expect(p.reading.sig).toBe(original.sig);
      }
      // Their meters got a rejection receipt with the code; every other reading an accepted one.
      for (const r of published) {
        const mine = receipts.filter((x) => x.meterId === r.meterId && x.intervalStart === r.intervalStart);
        if (poisoned.has(readingKey(r))) {
          expect(mine).toEqual([
            {
              meterId: r.meterId,
              intervalStart: r.intervalStart,
              seq: r.seq,
              status: 'rejected',
              code: ErrorCodes.INTERNAL,
              message: 'submitReadings failed unexpectedly',
              parked: true,
            },
          ]);
        } else {
          expect(mine.map((x) => x.status)).toEqual(['accepted']);
        }
      }
      // Halving, not one reading at a time: far fewer transactions than readings were tried.
      expect(ledger.calls.length).toBeLessThan(published.length);
      // The journal holds nothing: a restart submits nothing again.
      expect(replayJournal(readFileSync(Journal.file(join(stateDir, 'bridge')))).pending).toEqual([]);
      const calls = ledger.calls.length;
      const again = await Bridge.start(await options(stateDir, ledger));
      await sleep(300);
      await again.stop();
      expect(ledger.calls.length).toBe(calls);
    },
  );

  it('keeps a reading in the journal until it is committed or parked: the poison one stays pending while the ledger is away', async () => {
    const stateDir = tempDir('bridge-poison-outage');
    const ledger = new FakeLedger();
    const published = meterDay('home-p4.main', 6, meterKey().privateKey);
    ledger.poison = (r) => (r.seq === 3 ? new GridLedgerError(ErrorCodes.AMOUNT_OUT_OF_RANGE, 'beyond the exact range') : undefined);
    ledger.unavailableFor.add('home-p4.main');
    const bridge = await Bridge.start(await options(stateDir, ledger));
    await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, `pub-poison-outage-${Date.now()}`));
    await publishAll(publisher, topicOf, published);
    await publisher.endAsync();
    await waitFor(() => ledger.calls.length >= 3, 10_000, 'a few failed attempts');
    // An outage blames no reading: all six wait, nothing parked.
    expect(bridge.status()).toMatchObject({ pending: 6, parked: 0 });
    expect(replayJournal(readFileSync(Journal.file(join(stateDir, 'bridge')))).pending).toHaveLength(6);
    ledger.unavailableFor.clear();
    await waitFor(() => bridge.status().pending === 0, 20_000, 'the meter drained');
    await bridge.stop();
    expect([...ledger.stored.keys()].sort()).toEqual(
      published
        .filter((r) => r.seq !== 3)
        .map(readingKey)
        .sort(),
    );
    expect(
      [...readDeadLetters(readFileSync(DeadLetters.file(join(stateDir, 'bridge')))).values()].map((p) => [p.reading.seq, p.code]),
    ).toEqual([[3, ErrorCodes.AMOUNT_OUT_OF_RANGE]]);
  });

  it('backs off per meter: while one meter’s transactions fail, the other meters keep flowing', async () => {
    const stateDir = tempDir('bridge-backoff');
    const ledger = new FakeLedger();
    const stuck = meterDay('home-stuck.main', 10, meterKey().privateKey);
    const others = ['home-ok1.main', 'home-ok2.main'].flatMap((m) => meterDay(m, 10, meterKey().privateKey));
    ledger.unavailableFor.add('home-stuck.main');
    const bridge = await Bridge.start(await options(stateDir, ledger, { maxBatch: 8, retryBaseMs: 100, retryMaxMs: 400 }));
    await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, `pub-backoff-${Date.now()}`));
    // The stuck meter's readings come first, so that they are in the first batches.
    await publishAll(publisher, topicOf, stuck);
    await sleep(100);
    await publishAll(publisher, topicOf, others);
    await waitFor(
      () => others.every((r) => ledger.stored.has(readingKey(r))) && bridge.status().pending === stuck.length,
      20_000,
      'the other meters done',
    );
    expect(stuck.some((r) => ledger.stored.has(readingKey(r)))).toBe(false);
    expect(bridge.status()).toMatchObject({ pending: stuck.length, parked: 0, metersInBackoff: 1 });
    // The stuck meter was retried meanwhile, alone once the others were out of its way.
    expect(ledger.calls.filter((c) => c.every((r) => r.meterId === 'home-stuck.main')).length).toBeGreaterThan(0);
    ledger.unavailableFor.clear();
    await waitFor(() => bridge.status().pending === 0, 20_000, 'the stuck meter drained');
    await bridge.stop();
    await publisher.endAsync();
    expect(stuck.every((r) => ledger.stored.has(readingKey(r)))).toBe(true);
    // Its readings were first tried in seq order.
    const attempts = ledger.calls.flat().filter((r) => r.meterId === 'home-stuck.main');
    const order: number[] = [];
    for (const r of attempts) if (!order.includes(r.seq)) order.push(r.seq);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
});
