import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export type { MqttClient };
import { newMqttPassword, type MqttCredential, type MqttEndpoint } from './broker';

/**
 * Who may do what on the broker. Every MQTT client is one principal with a username of the form
 * `<kind>:<id>`, a role of the same name holding exactly its topics, and a pinned client id (the
 * username), so nobody can take over another's session:
 *
 * | principal | publishes | reads |
 * |---|---|---|
 * | `meter:<meterId>` | its readings and telemetry | its receipts and commands |
 * | `household:<participantId>` | its meters' plans | its positions; its meters' readings, receipts and telemetry |
 * | `head-end:<name>` (relays signed readings of many meters, as an AMI head-end does) | any meter's readings and telemetry | any meter's
 *   receipts |
 * | `sensor:<sensorId>` (a feeder's head or the connection point, docs/telemetry.md) | its telemetry | nothing |
 * | `bridge:<communityId>` | receipts | every meter's readings (the only one) |
 * | `positions:<communityId>` (the bridge's position relay) | positions | nothing |
 * | `telemetry:<communityId>` (the bridge's telemetry service) | nothing | every meter's and sensor's telemetry (the only one) |
 * | `device:<deviceId>` (a battery or EV charger, docs/dispatch.md) | its acks | its commands |
 * | `dispatch:<communityId>` (the bridge's dispatch service) | every device's commands (the only one) | every device's acks and every
 *   storage battery's state of charge (ditto) |
 * | `battery:<batteryId>` (a storage battery, docs/storage.md) | its state of charge | nothing |
 * | `agent:<participantId>` (the household's trading agent, docs/agents.md) | nothing | its household's meters' plans (the only one) |
 * | `vtn:<org>` (an organization's OpenADR VTN relaying VEN reports, docs/openadr.md) | any meter's telemetry | nothing |
 *
 * Topics are those of the architecture: `gridledger/v1/{communityId}/meters/{meterId}/readings|receipts|commands|telemetry`,
 * `gridledger/v1/{communityId}/sensors/{sensorId}/telemetry`, `gridledger/v1/{communityId}/participants/{participantId}/positions`
 * `gridledger/v1/{communityId}/batteries/{batteryId}/soc` and `gridledger/v1/{communityId}/meters/{meterId}/plan`.
 */
export type Principal =
  | { kind: 'meter'; communityId: string; meterId: string }
  | { kind: 'household'; communityId: string; participantId: string; meterIds: string[] }
  | { kind: 'head-end'; communityId: string; name: string }
  | { kind: 'bridge'; communityId: string }
  | { kind: 'positions'; communityId: string }
  | { kind: 'sensor'; communityId: string; sensorId: string }
  | { kind: 'telemetry'; communityId: string }
  | { kind: 'device'; communityId: string; deviceId: string }
  | { kind: 'dispatch'; communityId: string }
  | { kind: 'battery'; communityId: string; batteryId: string }
  | { kind: 'agent'; communityId: string; participantId: string; meterIds: string[] }
  | { kind: 'vtn'; communityId: string; org: string };

export interface Acl {
  acltype: 'publishClientSend' | 'publishClientReceive' | 'subscribePattern';
  topic: string;
  allow: true;
}

const base = (communityId: string) => `gridledger/v1/${communityId}`;
const meterTopic = (communityId: string, meterId: string, kind: 'readings' | 'receipts' | 'commands' | 'telemetry' | 'plan') =>
  `${base(communityId)}/meters/${meterId}/${kind}`;
/** A meter's telemetry topic (docs/telemetry.md). */
export const meterTelemetryTopic = (communityId: string, meterId: string) => meterTopic(communityId, meterId, 'telemetry');
const sensorTopic = (communityId: string, sensorId: string) => `${base(communityId)}/sensors/${sensorId}/telemetry`;
/** A battery's or EV charger's topics (architecture: `…/devices/{deviceId}/commands` and `…/acks`). */
export const deviceTopic = (communityId: string, deviceId: string, kind: 'commands' | 'acks') =>
  `${base(communityId)}/devices/${deviceId}/${kind}`;

/** A storage battery's state of charge (docs/storage.md): `…/batteries/{batteryId}/soc`, `{ "socWh": <integer> }`. */
export const batterySocTopic = (communityId: string, batteryId: string) => `${base(communityId)}/batteries/${batteryId}/soc`;

export function usernameOf(p: Principal): string {
  switch (p.kind) {
    case 'meter':
      return `meter:${p.meterId}`;
    case 'household':
      return `household:${p.participantId}`;
    case 'head-end':
      return `head-end:${p.name}`;
    case 'sensor':
      return `sensor:${p.sensorId}`;
    case 'device':
      return `device:${p.deviceId}`;
    case 'battery':
      return `battery:${p.batteryId}`;
    case 'agent':
      return `agent:${p.participantId}`;
    case 'vtn':
      return `vtn:${p.org}`;
    default:
      return `${p.kind}:${p.communityId}`;
  }
}

const send = (topic: string): Acl[] => [{ acltype: 'publishClientSend', topic, allow: true }];
const read = (topic: string): Acl[] => [
  { acltype: 'subscribePattern', topic, allow: true },
  { acltype: 'publishClientReceive', topic, allow: true },
];

/** The ACLs of a principal's role: exactly what the table above allows, nothing by default. */
export function principalAcls(p: Principal): Acl[] {
  const c = p.communityId;
  switch (p.kind) {
    case 'meter':
      return [
        ...send(meterTopic(c, p.meterId, 'readings')),
        ...send(meterTopic(c, p.meterId, 'telemetry')),
        ...read(meterTopic(c, p.meterId, 'receipts')),
        ...read(meterTopic(c, p.meterId, 'commands')),
      ];
    case 'household':
      return [
        ...read(`${base(c)}/participants/${p.participantId}/positions`),
        ...[...p.meterIds]
          .sort()
          .flatMap((m) => [
            ...read(meterTopic(c, m, 'readings')),
            ...read(meterTopic(c, m, 'receipts')),
            ...read(meterTopic(c, m, 'telemetry')),
            ...send(meterTopic(c, m, 'plan')),
          ]),
      ];
    case 'head-end':
      return [...send(meterTopic(c, '+', 'readings')), ...send(meterTopic(c, '+', 'telemetry')), ...read(meterTopic(c, '+', 'receipts'))];
    case 'bridge':
      return [...read(meterTopic(c, '+', 'readings')), ...send(meterTopic(c, '+', 'receipts'))];
    case 'positions':
      return send(`${base(c)}/participants/+/positions`);
    case 'sensor':
      return send(sensorTopic(c, p.sensorId));
    case 'telemetry':
      return [...read(meterTopic(c, '+', 'telemetry')), ...read(sensorTopic(c, '+'))];
    case 'device':
      return [...read(deviceTopic(c, p.deviceId, 'commands')), ...send(deviceTopic(c, p.deviceId, 'acks'))];
    case 'dispatch':
      return [...send(deviceTopic(c, '+', 'commands')), ...read(deviceTopic(c, '+', 'acks')), ...read(batterySocTopic(c, '+'))];
    case 'battery':
      return send(batterySocTopic(c, p.batteryId));
    case 'agent':
      return [...p.meterIds].sort().flatMap((m) => read(meterTopic(c, m, 'plan')));
    case 'vtn':
      return send(meterTopic(c, '+', 'telemetry'));
  }
}

/** Connection options for a client of the broker: TLS against the broker's CA, the credential, its client id. */
export function mqttClientOptions(endpoint: MqttEndpoint, credential: MqttCredential, extra: IClientOptions = {}): IClientOptions {
  return {
    ca: readFileSync(endpoint.caCertPath),
    rejectUnauthorized: true,
    username: credential.username,
    password: credential.password,
    clientId: credential.clientId,
    ...extra,
  };
}

/** A client of the broker connected with a credential (it reconnects by itself after a drop). */
export function connectMqtt(endpoint: MqttEndpoint, credential: MqttCredential, extra: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(
    endpoint.url,
    mqttClientOptions(endpoint, credential, { reconnectPeriod: 1000, connectTimeout: 10_000, ...extra }),
  );
}

interface DynsecResponse {
  command: string;
  error?: string;
  correlationData?: string;
  data?: unknown;
}

const CONTROL = '$CONTROL/dynamic-security/v1';

/**
 * The broker's administration, through the dynamic-security plugin's control topic (the same API
 * `mosquitto_ctrl dynsec` uses): creates principals and gives them new passwords while the
 * broker runs. One command at a time; each answer is matched by its correlation data.
 */
export class BrokerAdmin {
  private next = 0;
  /**
   * The plugin answers on one topic that every admin connection reads: each admin's correlation
   * data starts with a random prefix of its own, so that it takes only its own answers.
   */
  private readonly prefix = randomBytes(8).toString('hex');
  private waiting = new Map<string, (r: DynsecResponse) => void>();

  private constructor(private readonly client: MqttClient) {
    client.on('message', (_topic, payload) => {
      const { responses } = JSON.parse(payload.toString('utf8')) as { responses: DynsecResponse[] };
      for (const r of responses) {
        const done = r.correlationData !== undefined ? this.waiting.get(r.correlationData) : undefined;
        if (done) {
          this.waiting.delete(r.correlationData!);
          done(r);
        }
      }
    });
  }

  static async connect(endpoint: MqttEndpoint, admin: MqttCredential, clientId: string): Promise<BrokerAdmin> {
    const client = await mqtt.connectAsync(
      endpoint.url,
      mqttClientOptions(endpoint, { ...admin, clientId }, { reconnectPeriod: 1000, connectTimeout: 10_000 }),
    );
    await client.subscribeAsync(`${CONTROL}/response`, { qos: 1 });
    return new BrokerAdmin(client);
  }

  /** Sends one plugin command and resolves with its answer. */
  private async call(command: Record<string, unknown>, timeoutMs = 10_000): Promise<DynsecResponse> {
    const correlationData = `${this.prefix}-${++this.next}`;
    const answer = new Promise<DynsecResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(correlationData);
        reject(new Error(`the broker did not answer ${String(command.command)} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(correlationData, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
    await this.client.publishAsync(CONTROL, JSON.stringify({ commands: [{ ...command, correlationData }] }), { qos: 1 });
    return answer;
  }

  /** Runs one plugin command; resolves with its error text (undefined when it succeeded). */
  async run(command: Record<string, unknown>): Promise<string | undefined> {
    return (await this.call(command)).error;
  }

  private async must(command: Record<string, unknown>, tolerated: RegExp[] = []): Promise<void> {
    const error = await this.run(command);
    if (error !== undefined && !tolerated.some((t) => t.test(error))) throw new Error(`broker ${String(command.command)}: ${error}`);
  }

  /**
   * Makes the principal's role hold exactly its ACLs and gives its client a new password (the old
   * one stops working at once, and a client connected with it is disconnected); creates both when missing.
   * The client id is pinned to the username unless given (tests keep several sessions of one principal apart). Returns the new credential.
   */
  async grant(p: Principal, clientId = usernameOf(p)): Promise<MqttCredential> {
    const username = usernameOf(p);
    const credential: MqttCredential = { username, password: newMqttPassword(), clientId };
    await this.setRole(username, principalAcls(p));
    // A client that exists is replaced: deleting it also disconnects whoever holds the old password.
    // Two grants of one principal at once (two gateways) interleave delete and create: the one whose
    // create finds the other's client deletes it and tries again, so the last one wins cleanly.
    for (let attempt = 1; ; attempt++) {
      await this.must({ command: 'deleteClient', username }, [/not found/i]);
      const created = await this.run({
        command: 'createClient',
        username,
        password: credential.password,
        clientid: clientId,
        roles: [{ rolename: username }],
      });
      if (created === undefined) break;
      if (!/exists/i.test(created) || attempt === 5) throw new Error(`broker createClient: ${created}`);
    }
    return credential;
  }

  /**
   * Ends a principal: its client (a connection with it is dropped) and its role. Nothing to do
   * when it has neither (a meter registered while the broker was down, or removed before).
   */
  async remove(p: Principal): Promise<void> {
    const username = usernameOf(p);
    await this.must({ command: 'deleteClient', username }, [/not found/i]);
    await this.must({ command: 'deleteRole', rolename: username }, [/not found/i]);
  }

  /** Adds ACLs to an existing principal's role (a household's new meter); false when it has none yet. */
  async extend(p: Principal): Promise<boolean> {
    const username = usernameOf(p);
    for (const acl of principalAcls(p)) {
      const error = await this.run({ command: 'addRoleACL', rolename: username, ...acl });
      if (error !== undefined && /not found/i.test(error)) return false;
      if (error !== undefined && !/already exists/i.test(error)) throw new Error(`broker addRoleACL: ${error}`);
    }
    return true;
  }

  private async setRole(rolename: string, acls: Acl[]): Promise<void> {
    const created = await this.run({ command: 'createRole', rolename, acls });
    if (created === undefined) return;
    if (!/exists/i.test(created)) throw new Error(`broker createRole: ${created}`);
    const role = await this.runData({ command: 'getRole', rolename });
    const have = ((role as { role?: { acls?: Acl[] } }).role?.acls ?? []).map((a) => ({ acltype: a.acltype, topic: a.topic }));
    const key = (a: { acltype: string; topic: string }) => `${a.acltype} ${a.topic}`;
    const want = new Set(acls.map(key));
    // Tolerant of a concurrent grant of the same principal doing the same (already gone, already there).
    for (const a of have)
      if (!want.has(key(a))) await this.must({ command: 'removeRoleACL', rolename, acltype: a.acltype, topic: a.topic }, [/not found/i]);
    const present = new Set(have.map(key));
    for (const a of acls) if (!present.has(key(a))) await this.must({ command: 'addRoleACL', rolename, ...a }, [/already exists/i]);
  }

  private async runData(command: Record<string, unknown>): Promise<unknown> {
    const r = await this.call(command);
    if (r.error !== undefined) throw new Error(`broker ${String(command.command)}: ${r.error}`);
    return r.data;
  }

  async close(): Promise<void> {
    await this.client.endAsync();
  }
}
