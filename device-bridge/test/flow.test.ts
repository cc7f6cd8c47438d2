import { getEventListeners } from 'node:events';
import { parseMeterPublicKey, parseInstant, verifyReadingSignature } from '@gridledger/core';
import type { IClientOptions } from 'mqtt';
import { silentLogger, mqttClientOptions } from '@gridledger/network';
import { Bridge } from '../src/bridge';
import { startMosquitto, type MosquittoBroker } from '../src/broker';
import { ensureMeterKeys } from '../src/simulator/keys';
import { simulatedHomes } from '../src/simulator/model';
import { runSimulator } from '../src/simulator/run';
import { loadState } from '../src/simulator/state';
import { bridgeMqtt, FakeLedger, freePort, tempDir, waitFor } from './support/helpers';

jest.setTimeout(60_000);

let broker: MosquittoBroker;

beforeAll(async () => {
  const port = await freePort();
  broker = await startMosquitto({ port, dataDir: tempDir('mosquitto-flow') });
});
afterAll(() => broker?.stop());

it('simulator -> Mosquitto -> bridge -> ledger: signed readings flow, and a restarted simulator continues seq and registers', async () => {
  const stateDir = tempDir('flow');
  const ledger = new FakeLedger();
  const bridge = await Bridge.start({
    ...(await bridgeMqtt(broker, 'flow', 'bridge:flow')),
    communityId: 'flow',
    stateDir,
    submitter: ledger,
    maxBatch: 100,
    lingerMs: 50,
    logger: silentLogger,
    // The ledger's interval changes within a second below: a misaligned-looking reading always reads it again.
    paramsMaxAgeMs: 0,
  });
  // Each simulated meter connects with its own credential, as registration hands them out.
  const meterOptions = new Map<string, IClientOptions>();
  for (const home of simulatedHomes(3)) {
    meterOptions.set(
      home.meterId,
      mqttClientOptions(broker.endpoint, await broker.admin.grant({ kind: 'meter', communityId: 'flow', meterId: home.meterId })),
    );
  }
  await waitFor(() => bridge.status().connected, 10_000, 'bridge connected');
  const from = parseInstant('2026-06-21T08:00:00Z')!;
  const common = {
    stateDir,
    mqttUrl: broker.endpoint.url,
    meterMqttOptions: (meterId: string) => meterOptions.get(meterId)!,
    communityId: 'flow',
    homes: 3,
    speed: 100_000,
    from,
    logger: silentLogger,
  };

  await runSimulator({ ...common, until: from + 4 * 900 });
  expect(loadState(stateDir)?.nextIntervalStart).toBe(from + 4 * 900);
  await runSimulator({ ...common, from: from - 86_400, until: from + 8 * 900 }); // an earlier `from` matters only for a fresh state
  // A later `from` skips the meters' pause (11:00 on), here with minute readings (npm start's demo,
  // whose ledger has a 60 s metering interval: the bridge reads it when a reading is off its grid).
  ledger.intervalSeconds = 60;
  await runSimulator({ ...common, from: from + 12 * 900, until: from + 12 * 900 + 120, clock: { intervalSeconds: 60, shiftSeconds: 0 } });
  expect(loadState(stateDir)?.nextIntervalStart).toBe(from + 12 * 900 + 120);

  await waitFor(() => ledger.stored.size === 30 && bridge.status().pending === 0, 20_000, '30 readings on the ledger');
  await bridge.stop();

  const keys = ensureMeterKeys(
    stateDir,
    simulatedHomes(3).map((h) => h.meterId),
  );
  const submitted = ledger.calls.flat();
  for (const meterId of Object.keys(keys)) {
    const mine = submitted.filter((r) => r.meterId === meterId);
    expect(mine.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const times = ['08:00', '08:15', '08:30', '08:45', '09:00', '09:15', '09:30', '09:45', '11:00', '11:01'];
    expect(mine.map((r) => r.intervalStart.slice(11, 16))).toEqual(times);
    for (let i = 1; i < mine.length; i++) {
      expect(mine[i].importRegisterWh - mine[i - 1].importRegisterWh).toBe(mine[i].importWh);
      expect(mine[i].exportRegisterWh - mine[i - 1].exportRegisterWh).toBe(mine[i].exportWh);
    }
    for (const r of mine) expect(() => verifyReadingSignature(r, parseMeterPublicKey(keys[meterId]))).not.toThrow();
  }
  // A June morning in Potsdam: the PV shows up as export on at least one home.
  expect(submitted.some((r) => r.exportWh > 0)).toBe(true);
});

// The cause of the MaxListenersExceededWarning npm start showed (fixed in 734ec66): one abort listener per sleep, never removed.
it('a simulator waiting for the present leaves no abort listener behind', async () => {
  const home = simulatedHomes(1)[0];
  const credential = await broker.admin.grant({ kind: 'meter', communityId: 'wait', meterId: home.meterId });
  const options = mqttClientOptions(broker.endpoint, credential);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  const controller = new AbortController();
  const now = Math.floor(Date.now() / 1000);
  // The current minute ends in real time only: the simulator sleeps a second at a time until it is aborted.
  const running = runSimulator({
    stateDir: tempDir('wait'),
    mqttUrl: broker.endpoint.url,
    meterMqttOptions: () => options,
    communityId: 'wait',
    homes: 1,
    from: now - (now % 60) + 60,
    clock: { intervalSeconds: 60, shiftSeconds: 0 },
    logger: silentLogger,
    signal: controller.signal,
  });
  await new Promise((r) => setTimeout(r, 12_500));
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
  controller.abort();
  await running;
  process.off('warning', onWarning);
  expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  expect(warnings.map((w) => w.name)).toEqual([]);
});
