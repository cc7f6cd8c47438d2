/**
 * One home's plans from the broker (docs/agents.md, "Plans over MQTT"): the agent's own broker
 * principal (`agent:<participantId>`, asked of the gateway with the home's agent key) subscribes to
 * its meters' plan topics; each message is judged by readPlan, and a refused one is said with its
 * reason (`plan-ignored`). mqtt.js reconnects after a dropped connection and the feed subscribes
 * again (the household publishes retained, so the latest plan comes back); when the broker refuses
 * the password (a newer credential of the agent was made), the feed asks the gateway for a new one.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { formatInstant } from '@gridledger/core';
import type { HomeConfig, ProcessConfig } from './config.js';
import { Gateway } from './gateway.js';
import type { Emit } from './home-agent.js';
import { homePosition, planTopic, readPlan, type MeterPlan } from './plans.js';
import type { PlannedPosition } from './positions.js';

/** CONNACK reasons of a refused credential: MQTT 5 bad user name or password, not authorized; MQTT 3.1.1 the same. */
const CREDENTIAL_REFUSED = new Set([134, 135, 4, 5]);
const RENEW_AFTER_MS = 5000;
const nowSeconds = () => Math.floor(Date.now() / 1000);

export class PlanFeed {
  private readonly plans = new Map<string, MeterPlan>();
  private readonly topics: Map<string, string>;
  private client?: MqttClient;
  private stopped = false;

  private constructor(
    private readonly home: HomeConfig,
    private readonly config: ProcessConfig,
    private readonly emit: Emit,
  ) {
    this.topics = new Map(home.meterIds.map((m) => [planTopic(config.communityId, m), m]));
  }

  /** Connected and subscribed: a retained plan arrives right after. */
  static async start(home: HomeConfig, config: ProcessConfig, emit: Emit): Promise<PlanFeed> {
    const feed = new PlanFeed(home, config, emit);
    feed.client = await feed.connect();
    return feed;
  }

  private async connect(): Promise<MqttClient> {
    const participantId = this.home.participantId;
    const gateway = new Gateway(this.config.gatewayUrl, this.home.apiKey);
    const c = await gateway.ok('POST', `/participants/${encodeURIComponent(participantId)}/agent-mqtt-credential`);
    const client = await mqtt.connectAsync(String(c.url), {
      ca: String(c.caCertPem),
      rejectUnauthorized: true,
      username: String(c.username),
      password: String(c.password),
      clientId: String(c.clientId),
      protocolVersion: 5,
      clean: true,
      resubscribe: false,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
    });
    const subscribe = () =>
      client.subscribeAsync([...this.topics.keys()], { qos: 1 }).catch((e: Error) => this.say('plan-feed-error', e.message));
    await subscribe();
    client.on('connect', () => {
      this.say('plan-feed-connected');
      void subscribe();
    });
    client.on('offline', () => this.say('plan-feed-offline'));
    client.on('message', (topic, payload) => this.take(topic, payload.toString('utf8')));
    client.on('error', (e: Error & { code?: number }) => {
      this.say('plan-feed-error', e.message);
      if (e.code !== undefined && CREDENTIAL_REFUSED.has(e.code) && client === this.client) void this.renew(client);
    });
    this.say('plan-feed-connected');
    return client;
  }

  /** A new credential from the gateway and a new connection, again until it works or the feed stops. */
  private async renew(old: MqttClient): Promise<void> {
    this.client = undefined;
    await old.endAsync(true).catch(() => undefined);
    while (!this.stopped) {
      await new Promise((r) => setTimeout(r, RENEW_AFTER_MS));
      if (this.stopped) return;
      try {
        this.client = await this.connect();
        if (this.stopped) await this.client.endAsync(true);
        return;
      } catch (e) {
        this.say('plan-feed-error', e instanceof Error ? e.message : String(e));
      }
    }
  }

  private say(event: string, message?: string): void {
    this.emit(event, { participantId: this.home.participantId, ...(message === undefined ? {} : { message }) });
  }

  private take(topic: string, payload: string): void {
    const meterId = this.topics.get(topic);
    if (meterId === undefined) return;
    const verdict = readPlan(meterId, payload, nowSeconds(), this.plans.get(meterId), this.config.planMaxAgeSeconds);
    const at = { participantId: this.home.participantId, meterId };
    if (!verdict.ok) return this.emit('plan-ignored', { ...at, reason: verdict.reason, detail: verdict.detail });
    this.plans.set(meterId, verdict.plan);
    this.emit('plan', { ...at, issuedAt: formatInstant(verdict.plan.issuedAt), intervals: verdict.plan.positions.size });
  }

  /** The home's position for the interval from its meters' plans; a plan grown older than the age limit is dropped, and said. */
  position(intervalStart: string): PlannedPosition | undefined {
    for (const [meterId, plan] of this.plans)
      if (plan.issuedAt < nowSeconds() - this.config.planMaxAgeSeconds) {
        this.plans.delete(meterId);
        this.emit('plan-ignored', { participantId: this.home.participantId, meterId, reason: 'stale', detail: 'older than the age limit' });
      }
    return homePosition(this.plans.values(), intervalStart);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.endAsync(true).catch(() => undefined);
  }
}
