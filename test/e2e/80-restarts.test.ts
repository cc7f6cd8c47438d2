/**
 * Nothing accepted is lost and nothing is counted twice when the bridge or the broker restarts in
 * the middle of a stream of readings.
 *
 * @e2e-alone
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { startBridge, startBroker } from '@gridledger/network/dist/platform';
import { stopProcess } from '@gridledger/network';
import {
  eventually,
  mqttOptions,
  newProsumerWithMeter,
  profile,
  readingSeries,
  readingsTopic,
  sleep,
  stateDir,
  storedReadings,
} from './support';

const pidFile = (name: string) => join(stateDir(), 'pids', `${name}.pid`);

async function streamWithRestart(restart: () => Promise<void>, count: number): Promise<void> {
  const meter = await newProsumerWithMeter();
  const series = readingSeries(meter, count);
  // A publisher that reconnects by itself (as a meter gateway would) and retries unacknowledged messages.
  const client = await mqtt.connectAsync(profile().mqtt.url, mqttOptions(meter.mqtt, { clean: false, reconnectPeriod: 250 }));
  try {
    const half = Math.floor(count / 2);
    await Promise.all(series.slice(0, half).map((r) => client.publishAsync(readingsTopic(meter.meterId), JSON.stringify(r), { qos: 1 })));
    await restart();
    await Promise.all(series.slice(half).map((r) => client.publishAsync(readingsTopic(meter.meterId), JSON.stringify(r), { qos: 1 })));
  } finally {
    await client.endAsync();
  }
  const stored = await eventually(
    async () => {
      const got = await storedReadings(meter);
      return got.length >= count ? got : undefined;
    },
    120_000,
    1000,
  );
  // Exactly once: every seq, each one time, with the interval it was signed for.
  expect(stored.map((r) => r.seq)).toEqual(series.map((r) => r.seq));
  expect(stored.map((r) => r.intervalStart)).toEqual(series.map((r) => r.intervalStart));
}

it('the bridge stopped in the middle of a stream and started again: every reading is on the ledger exactly once', async () => {
  await streamWithRestart(async () => {
    expect(await stopProcess(pidFile('bridge'))).toBe(true);
    await sleep(1000); // readings arrive at the broker while the bridge is down
    await startBridge(profile());
  }, 40);
});

it('the broker restarted in the middle of a stream: every reading is on the ledger exactly once', async () => {
  await streamWithRestart(async () => {
    expect(await stopProcess(pidFile('broker'))).toBe(true);
    await sleep(1000);
    await startBroker(stateDir(), Number(process.env.GRIDLEDGER_TEST_OFFSET));
  }, 40);
});
