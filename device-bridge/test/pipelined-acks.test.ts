import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import { startMosquitto, type MosquittoBroker } from '../src/broker';
import { pipelineAcks, type Taken } from '../src/pipelined-acks';
import { readingsTopic } from '../src/topics';
import { bridgeMqtt, freePort, headEnd, mqttClient, tempDir, waitFor } from './support/helpers';

// On a real Mosquitto: the bridge's subscription (persistent session, QoS 1), a head-end publishing.
jest.setTimeout(60_000);

const COMMUNITY = 'acks-community';
let broker: MosquittoBroker;

beforeAll(async () => {
  broker = await startMosquitto({ port: await freePort(), dataDir: tempDir('acks') });
});

afterAll(async () => {
  await broker?.stop();
});

/** A manual gate: `durable` promises released by the test. */
function gate() {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const p = new Promise<void>((resolve, reject) => ((open = resolve), (fail = reject)));
  p.catch(() => undefined);
  return { p, open, fail };
}

async function subscriber(clientId: string, version: 4 | 5, take: (packet: IPublishPacket) => Promise<Taken>): Promise<MqttClient> {
  const { mqttUrl, mqttOptions } = await bridgeMqtt(broker, COMMUNITY, clientId);
  const client = connect(mqttUrl, {
    ...mqttOptions,
    clientId,
    clean: false,
    protocolVersion: version,
    reconnectPeriod: 0,
    // MQTT 5 ends a session at the disconnect unless told otherwise.
    ...(version === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}),
  });
  pipelineAcks(client, take);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(readingsTopic(COMMUNITY, '+'), { qos: 1 });
  return client;
}

describe.each([4, 5] as const)('pipelined acknowledgements over MQTT %i', (version) => {
  test('all taken while none is durable; the acknowledged ones are gone, the failed and unsettled ones come again', async () => {
    const clientId = `acks-${version}-${process.pid}`;
    const gates = new Map<string, ReturnType<typeof gate>>();
    const taken: string[] = [];
    let bridge = await subscriber(clientId, version, async (packet) => {
      const id = packet.payload.toString();
      taken.push(id);
      const g = gate();
      gates.set(id, g);
      return { durable: g.p };
    });
    const meter = await mqttClient(broker, headEnd(COMMUNITY, `acks-head-${version}`));
    const ids = Array.from({ length: 30 }, (_, i) => `m${i}`);
    // One topic per message's meter; the payload names the message.
    await Promise.all(ids.map((id) => meter.publishAsync(readingsTopic(COMMUNITY, id), id, { qos: 1 })));

    // In series (MQTT.js's own way) only the first would be taken until its PUBACK went out.
    await waitFor(() => taken.length === ids.length, 10_000, 'every message taken');
    expect(taken).toEqual(ids);

    // The first ten made durable, out of order; the next five fail; the rest stay unsettled.
    for (const id of ids.slice(0, 10).reverse()) gates.get(id)!.open();
    for (const id of ids.slice(10, 15)) gates.get(id)!.fail(new Error('journal write failed'));
    await new Promise((r) => setTimeout(r, 500)); // PUBACKs on the wire before the drop
    await new Promise<void>((resolve) => bridge.end(true, {}, () => resolve()));

    // The same session again: the broker sends what got no PUBACK, and only that.
    const again: string[] = [];
    bridge = await subscriber(clientId, version, async (packet) => {
      again.push(packet.payload.toString());
      return { durable: Promise.resolve() };
    });
    await waitFor(() => again.length >= 20, 10_000, 'redelivery');
    await new Promise((r) => setTimeout(r, 500)); // nothing more comes
    expect([...again].sort()).toEqual([...ids.slice(10)].sort());

    // Those were acknowledged this time: a third connection gets nothing.
    await new Promise((r) => setTimeout(r, 300));
    await new Promise<void>((resolve) => bridge.end(false, {}, () => resolve()));
    const third: string[] = [];
    bridge = await subscriber(clientId, version, async (packet) => {
      third.push(packet.payload.toString());
      return { durable: Promise.resolve() };
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(third).toEqual([]);
    await bridge.endAsync();
    await meter.endAsync();
  });
});
