import { createPublicKey } from 'node:crypto';
import { parseInstant, parseSignedReading, verifyReadingSignature } from '@gridledger/core';
import { ensureMeterKeys, loadMeterKey } from '../src/simulator/keys';
import { mqttMeterLink, simulatedMeter } from '../src/simulator/meter';
import { flowsOf, initialMeterState, nextReading, simulatedHomes } from '../src/simulator/model';
import { readingsTopic } from '../src/topics';
import { tempDir } from './support/helpers';

const home = simulatedHomes(3, 7)[1];
const noon = parseInstant('2026-06-21T10:00:00Z')!;

describe('the meter interface', () => {
  const dir = tempDir('sim-meter');
  ensureMeterKeys(dir, [home.meterId]);
  const key = loadMeterKey(dir, home.meterId);

  it('a simulated meter signs what the model measures, registers and seq advancing as nextReading says', () => {
    const start = initialMeterState(home, 7);
    const meter = simulatedMeter(home.meterId, key, (t) => flowsOf(home, t, 7), start);
    const first = meter.read(noon);
    const second = meter.read(noon + 900);
    const expected1 = nextReading(home, start, noon, 7);
    const expected2 = nextReading(home, expected1.state, noon + 900, 7);
    expect({ ...first, sig: undefined }).toEqual({ ...expected1.reading, sig: undefined });
    expect({ ...second, sig: undefined }).toEqual({ ...expected2.reading, sig: undefined });
    expect(meter.state()).toEqual(expected2.state);
    // The ledger's own check of the signature passes with the meter's public key, and fails for a changed reading.
    expect(() => verifyReadingSignature(first, createPublicKey(key))).not.toThrow();
    expect(() => verifyReadingSignature({ ...first, importWh: first.importWh + 1 }, createPublicKey(key))).toThrow();
  });

  it("the MQTT link publishes as a real meter does: the meter's readings topic, QoS 1, JSON the bridge parses", async () => {
    const sent: { topic: string; payload: string; qos: unknown }[] = [];
    const client = {
      publishAsync: async (topic: string, payload: string | Buffer, opts?: { qos?: number }) => {
        sent.push({ topic, payload: String(payload), qos: opts?.qos });
        return undefined;
      },
    };
    const meter = simulatedMeter(home.meterId, key, () => ({ importWh: 120, exportWh: 0 }), initialMeterState(home, 7));
    const reading = meter.read(noon);
    await mqttMeterLink(client as never, 'community-9').publish(reading);
    expect(sent).toEqual([{ topic: readingsTopic('community-9', home.meterId), payload: JSON.stringify(reading), qos: 1 }]);
    expect(parseSignedReading(JSON.parse(sent[0].payload), 900)).toEqual(reading);
  });
});
