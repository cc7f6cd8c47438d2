/**
 * A trading agent acting on its home's plans over MQTT (docs/agents.md, "Plans over MQTT";
 * docs/security.md, "MQTT"): the household publishes its meter's plan (retained) on the meter's plan
 * topic; the agent process, with the broker credential its agent key obtained (`agent:<participantId>`),
 * takes it, ignores a malformed and a stale plan with their reasons, gets a new credential when
 * its session is ended, and offers the planned surplus on the ledger within the owner's mandate.
 * The agent key is refused the household's and the meter's credentials; another household can
 * neither read nor write the plan topic.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import mqtt from 'mqtt';
import { formatInstant, UNLIMITED_MANDATE } from '@gridledger/core';
import type { MqttCredential } from '@gridledger/network';
import { QUARTER_HOUR_MARKET, trader } from './market-support';
import { api, householdCredential, mqttOptions, profile, readingsTopic, sleep, uid, operatorKey } from './support';

const C = uid('agentmqtt');
const LEN = QUARTER_HOUR_MARKET.intervalSeconds;
const ROOT = join(__dirname, '..', '..');
const planTopic = (meterId: string) => `gridledger/v1/${C}/meters/${meterId}/plan`;
const codeOf = (r: { status: number; body: { error?: { code: string } } }) => [r.status, r.body.error?.code];

interface Event {
  event: string;
  [field: string]: unknown;
}

/** Connected over MQTT 5 (which reports refusals), no reconnection. */
const connect = (c: MqttCredential) =>
  mqtt.connectAsync(profile().mqtt.url, { ...mqttOptions(c, { protocolVersion: 5 }), reconnectPeriod: 0 });

/** The QoS the broker grants a subscription (135: not authorized). */
async function granted(c: MqttCredential, filters: string[]): Promise<number[]> {
  const client = await connect(c);
  try {
    // mqtt.js rejects a subscription with a refused filter; the answer's grants are in the error.
    return await client.subscribeAsync(filters, { qos: 1 }).then(
      (grants) => grants.map((g) => g.qos),
      (e: { packet?: { granted?: number[] } }) => e.packet?.granted ?? [],
    );
  } finally {
    await client.endAsync(true);
  }
}

/** Publishes once with QoS 1: 'accepted', or 'refused' when the broker answers "not authorized" or closes the connection. */
async function publishAs(c: MqttCredential, topic: string, payload: string, retain = false): Promise<'accepted' | 'refused'> {
  const client = await connect(c);
  const closed = new Promise<'refused'>((resolve) => client.once('close', () => resolve('refused')));
  const outcome = await Promise.race([
    client.publishAsync(topic, payload, { qos: 1, retain }).then(
      () => 'accepted' as const,
      () => 'refused' as const,
    ),
    closed,
  ]);
  client.end(true);
  return outcome;
}

let child: ChildProcessWithoutNullStreams | undefined;
afterAll(async () => {
  if (child !== undefined && child.exitCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
});

it(
  "the agent process takes its home's plan over MQTT and offers within the mandate; the agent key gets only its own broker " +
    'principal; another household neither reads nor writes the plan',
  async () => {
    expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, QUARTER_HOUR_MARKET)).status).toBe(200);
    const [s, o] = await Promise.all(['s', 'o'].map((n) => trader(n, C)));
    const keygen = spawnSync(process.execPath, [join(ROOT, 'agents/dist/process/cli.js'), 'keygen']);
    expect(keygen.status).toBe(0);
    const { agentKeyPem, agentId } = JSON.parse(keygen.stdout.toString()) as { agentKeyPem: string; agentId: string };
    const mandate = { ...UNLIMITED_MANDATE, minSellPriceMicrosPerKwh: 120_000, maxEnergyWhPerInterval: 1000, agentId };
    expect((await api('community', s.apiKey, 'PUT', `/p2p/mandates/${s.participantId}`, mandate)).status).toBe(200);
    const agentKey = String((await api('community', s.apiKey, 'POST', `/participants/${s.participantId}/agent-keys`, {})).body.apiKey);

    // The household publishes its meter's plan, retained: a surplus of 1,500 Wh in interval I, the agent's cycle for it in 25 s.
    const household = await householdCredential(s);
    const I = Math.ceil((Date.now() / 1000 + 150) / LEN) * LEN;
    const plan = (issuedAt: number, netWh: number) =>
      JSON.stringify({ meterId: s.meterId, issuedAt: formatInstant(issuedAt), intervals: [{ intervalStart: formatInstant(I), netWh }] });
    const now = () => Math.floor(Date.now() / 1000);
    expect(await publishAs(household, planTopic(s.meterId), plan(now(), 1500), true)).toBe('accepted');

    const dir = mkdtempSync(join(tmpdir(), 'gl-agent-mqtt-'));
    const config = {
      communityId: C,
      gatewayUrl: profile().orgs.community.gateway.url,
      leadSeconds: I - (now() + 25),
      buyerDelaySeconds: 5,
      bidMarginSeconds: 5,
      dhtTimeoutSeconds: 3,
      homes: [{ participantId: s.participantId, meterIds: [s.meterId], apiKey: agentKey, agentKeyPem }],
    };
    writeFileSync(join(dir, 'agents.json'), JSON.stringify(config));
    const events: Event[] = [];
    const stderr: string[] = [];
    child = spawn(process.execPath, [join(ROOT, 'agents/dist/process/cli.js'), '--config', join(dir, 'agents.json')]);
    child.stderr.on('data', (d) => stderr.push(String(d)));
    createInterface({ input: child.stdout }).on('line', (line) => events.push(JSON.parse(line)));
    const waitFor = async (pred: (e: Event) => boolean, what: string, timeoutMs = 60_000): Promise<Event> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > deadline || child!.exitCode !== null)
          throw new Error(`no ${what}: ${stderr.join('')} ${events.map((e) => JSON.stringify(e)).join('\n')}`);
        await sleep(200);
      }
    };
    const ignored = (reason: string) => (e: Event) => e.event === 'plan-ignored' && e.reason === reason;
    await waitFor((e) => e.event === 'ready', 'ready');
    expect(await waitFor((e) => e.event === 'plan', 'the retained plan')).toMatchObject({ meterId: s.meterId, intervals: 1 });

    // Another household cannot read the plan topic or write a plan into it (a deficit the agent would act on).
    const other = await householdCredential(o);
    expect(await granted(other, [planTopic(s.meterId)])).toEqual([135]);
    expect(await publishAs(other, planTopic(s.meterId), plan(now(), -5000))).toBe('refused');
    // A malformed plan and one made two hours ago are ignored, each with its reason.
    expect(await publishAs(household, planTopic(s.meterId), '{"meterId":')).toBe('accepted');
    expect(await publishAs(household, planTopic(s.meterId), plan(now() - 7200, -800))).toBe('accepted');
    expect(await waitFor(ignored('malformed'), 'a malformed plan ignored')).toMatchObject({ meterId: s.meterId });
    expect(await waitFor(ignored('stale'), 'a stale plan ignored')).toMatchObject({ meterId: s.meterId });

    // The agent key: refused the household's and the meter's credentials, given its own principal, which reads the plans only.
    const refusedHousehold = await api('community', agentKey, 'POST', `/participants/${s.participantId}/mqtt-credential`);
    expect(codeOf(refusedHousehold)).toEqual([403, 'OWNER_KEY_REQUIRED']);
    expect(codeOf(await api('community', agentKey, 'POST', `/meters/${s.meterId}/mqtt-credential`))).toEqual([403, 'OWNER_KEY_REQUIRED']);
    const issued = await api('community', agentKey, 'POST', `/participants/${s.participantId}/agent-mqtt-credential`);
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ username: `agent:${s.participantId}`, clientId: `agent:${s.participantId}` });
    const positions = `gridledger/v1/${C}/participants/${s.participantId}/positions`;
    const topics = [planTopic(s.meterId), planTopic(o.meterId), readingsTopic(s.meterId), positions];
    expect(await granted(issued.body as MqttCredential, topics)).toEqual([1, 135, 135, 135]);
    // That new credential ended the process's session: it gets a new one, and the retained plan again (not newer: ignored).
    await waitFor(
      (e) => e.event === 'plan-feed-connected' && events.filter((x) => x.event === 'plan-feed-connected').length >= 2,
      'reconnect',
    );
    await waitFor(ignored('not-newer'), 'the retained plan again');
    expect(events.filter((e) => e.event === 'plan').length).toBe(1);

    // The cycle for I: the surplus offered within the mandate (1,000 Wh of the 1,500 planned, at its minimum price, above the SDR price).
    const offered = await waitFor((e) => e.event === 'offered' && e.intervalStart === formatInstant(I), 'the offer', 90_000);
    const offer = await api('community', s.apiKey, 'GET', `/p2p/offers/${String(offered.offerId)}`);
    expect(offer.body).toMatchObject({
      sellerId: s.participantId,
      meterId: s.meterId,
      communityId: C,
      intervalStart: formatInstant(I),
      energyWh: 1000,
      priceMicrosPerKwh: 120_000,
    });
    expect((await api('community', s.apiKey, 'DELETE', `/p2p/offers/${String(offered.offerId)}`)).status).toBe(200);
  },
  180_000,
);
