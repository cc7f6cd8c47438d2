import { ErrorCodes, GridLedgerError, type SignedReading } from '@gridledger/core';
import { Bridge } from '../src/bridge';
import { startMosquitto, type MosquittoBroker } from '../src/broker';
import type { SubmitOutcome } from '../src/ledger';
import { silentLogger } from '@gridledger/network';
import type { Registry } from 'prom-client';
import { BridgeMetrics, startHealthServer } from '../src/metrics';
import { readingsTopic } from '../src/topics';
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

const COMMUNITY = 'metrics-community';

/** A sample's value (`_bucket`, `_count`, `_sum` of a histogram too) whose labels include `labels`, as the registry holds it. */
async function value(registry: Registry, sample: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(sample.replace(/_(bucket|count|sum)$/, ''))?.get();
  const matches = (v: { labels: object; metricName?: string }) =>
    (v.metricName ?? sample) === sample && Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x);
  return metric?.values.find(matches)?.value;
}

/** The fake ledger with the timings the Fabric submitter reports, and one MVCC conflict (retried) on the first transaction. */
class TimedLedger extends FakeLedger {
  conflicts = 1;
  override async submitReadings(readings: SignedReading[]): Promise<SubmitOutcome> {
    if (this.conflicts > 0) {
      this.conflicts -= 1;
      throw new GridLedgerError(ErrorCodes.TRANSACTION_CONFLICT, 'committed as invalid (fake MVCC conflict)');
    }
    return { ...(await super.submitReadings(readings)), timings: { endorseMs: 40, commitMs: 700 } };
  }
}

let broker: MosquittoBroker;
beforeAll(async () => {
  broker = await startMosquitto({ port: await freePort(), dataDir: tempDir('mosquitto-metrics') });
});
afterAll(async () => {
  await broker?.stop();
});

it(
  'counts readings received, committed, duplicate, refused by code ' + 'and parked; serves them and the Fabric metrics with live and ready',
  async () => {
    const ledger = new TimedLedger();
    const key = meterKey();
    const readings = meterDay('m-metrics-1', 6, key.privateKey);
    const poison = readings[5];
    ledger.poison = (r) =>
      readingKey(r) === readingKey(poison) ? new GridLedgerError(ErrorCodes.READING_EXPORT_IMPLAUSIBLE, 'too much') : undefined;
    const metrics = new BridgeMetrics(false);
    const stateDir = tempDir('bridge-metrics');
    const bridge = await Bridge.start({
      ...(await bridgeMqtt(broker, COMMUNITY, `bridge-metrics-${Date.now()}`)),
      communityId: COMMUNITY,
      stateDir,
      submitter: ledger,
      maxBatch: 10,
      lingerMs: 20,
      retryBaseMs: 20,
      retryMaxMs: 100,
      logger: silentLogger,
      metrics,
    });
    const server = await startHealthServer({
      metrics,
      port: 0,
      ready: async () => (bridge.status().connected ? { ok: true } : { ok: false, reason: 'not connected' }),
    });
    const get = (path: string) => fetch(`${server.url}${path}`);
    const scrape = async () => (await get('/metrics')).text();
    try {
      await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
      expect(await value(metrics.registry, 'gridledger_bridge_mqtt_connected')).toBe(1);
      expect((await get('/health/ready')).status).toBe(200);
      expect(await (await get('/health/live')).json()).toEqual({ status: 'ok' });

      const publisher = await mqttClient(broker, headEnd(COMMUNITY, `pub-metrics-${Date.now()}`));
      const topic = (r: { meterId: string }) => readingsTopic(COMMUNITY, r.meterId);
      await publishAll(publisher, topic, readings);
      await publisher.publishAsync(readingsTopic(COMMUNITY, 'm-metrics-1'), 'not json', { qos: 1 });
      await waitFor(() => bridge.status().pending === 0 && bridge.status().parked === 1, 20_000, 'all done');
      await publishAll(publisher, topic, [readings[0]]); // again: a duplicate on the ledger
      await waitFor(
        () => ledger.calls.length > 0 && ledger.calls.at(-1)!.length === 1 && bridge.status().pending === 0,
        20_000,
        'duplicate done',
      );
      await publisher.endAsync();

      await sleep(200); // the last batch's counters move just after its done mark
      const text = await scrape();
      expect(await value(metrics.registry, 'gridledger_bridge_readings_received_total')).toBe(8);
      expect(await value(metrics.registry, 'gridledger_bridge_readings_committed_total')).toBe(5);
      expect(await value(metrics.registry, 'gridledger_bridge_readings_duplicate_total')).toBe(1);
      expect(await value(metrics.registry, 'gridledger_bridge_readings_refused_total', { code: ErrorCodes.READING_MALFORMED })).toBe(1);
      expect(
        await value(metrics.registry, 'gridledger_bridge_readings_parked_total', { code: ErrorCodes.READING_EXPORT_IMPLAUSIBLE }),
      ).toBe(1);
      // The Fabric client edge records submission, commit and MVCC retries on the bridge's registry (fabric-client/test/submit.test.ts).
      for (const name of [
        'gridledger_fabric_submit_duration_seconds',
        'gridledger_fabric_commit_duration_seconds',
        'gridledger_fabric_mvcc_retries_total',
      ]) {
        expect(text).toContain(`# TYPE ${name} `);
      }
      expect(await value(metrics.registry, 'gridledger_bridge_journal_pending')).toBe(0);
      expect(text).toMatch(/^gridledger_bridge_readings_received_total 8$/m);
      expect(text).not.toContain('m-metrics-1');
      await bridge.stop();
      expect(await value(metrics.registry, 'gridledger_bridge_mqtt_connected')).toBe(0);
      const ready = await get('/health/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'unavailable', reason: 'not connected' });
    } finally {
      await bridge.stop();
      await server.close();
    }
  },
);

it('counts the journal depth while the ledger is away', async () => {
  const ledger = new FakeLedger();
  ledger.unavailableFor.add('m-metrics-2');
  const metrics = new BridgeMetrics(false);
  const bridge = await Bridge.start({
    ...(await bridgeMqtt(broker, COMMUNITY, `bridge-metrics-depth-${Date.now()}`)),
    communityId: COMMUNITY,
    stateDir: tempDir('bridge-metrics-depth'),
    submitter: ledger,
    lingerMs: 10,
    retryBaseMs: 1_000,
    logger: silentLogger,
    metrics,
  });
  try {
    await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
    const publisher = await mqttClient(broker, headEnd(COMMUNITY, `pub-metrics-depth-${Date.now()}`));
    await publishAll(publisher, (r) => readingsTopic(COMMUNITY, r.meterId), meterDay('m-metrics-2', 3, meterKey().privateKey));
    await publisher.endAsync();
    await waitFor(() => bridge.status().pending === 3, 10_000, 'three pending');
    expect(await value(metrics.registry, 'gridledger_bridge_journal_pending')).toBe(3);
  } finally {
    await bridge.stop(100);
  }
});
