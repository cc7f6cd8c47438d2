/**
 * The dispatch service (docs/dispatch.md): runs in the device bridge beside the telemetry service.
 * It reads the open dispatches from the ledger every poll, publishes each new setpoint on its
 * device's commands topic, records the device's answer from its acks topic on the ledger, marks a
 * device that did not answer by the deadline non-responsive and dispatches the next resource of
 * the zone in its place, and once a setpoint has ended settles it with the delivery its meter's
 * telemetry shows, which the chaincode caps by the meter's readings: while they are missing before
 * the dispatch's readingsBy the settlement is refused (DISPATCH_READINGS_PENDING) and tried again.
 * A dispatch settled from telemetry alone stays open: it is re-settled once its readings arrive,
 * tried at growing gaps (from readingsRetryMs to RESETTLE_RETRY_MAX_MS) until the late window closes.
 * On a FEEDER_OVERLOAD alert it dispatches the zone's resources itself.
 */
import { createHash } from 'node:crypto';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  commandOf,
  DEFAULT_ACK_TIMEOUT_SECONDS,
  DEFAULT_READINGS_WAIT_SECONDS,
  ErrorCodes,
  formatInstant,
  parseAck,
  secondsOf,
  selectResources,
  type Candidate,
  type DispatchRecord,
  type Need,
} from '@gridledger/core';
import { batterySocTopic, deviceTopic, type Logger } from '@gridledger/network';
import type { DispatchLedger } from './ledger';

/** A meter's samples in [from, to) (epoch seconds), as the telemetry store keeps them. */
export type SampleSource = (meterId: string, from: number, to: number) => { powerW: number }[];

export interface DispatchServiceOptions {
  communityId: string;
  /** The broker; '' connects to none (tests call onAck themselves). */
  mqttUrl: string;
  mqttOptions: IClientOptions;
  ledger: DispatchLedger;
  samples: SampleSource;
  pollMs: number;
  /** How long after a settlement refused for missing readings it is tried again (ms). */
  readingsRetryMs?: number;
  /** The price per kWh of the automatic rule's dispatches. */
  autoPriceMicrosPerKwh: number;
  logger: Logger;
  now?: () => number;
}

/** How long after a setpoint's end its delivery is measured: the telemetry store writes samples in batches. */
const SETTLE_AFTER_SECONDS = 2;
/** A settlement refused for missing readings is tried again after this long, unless the options name another time. */
const READINGS_RETRY_MS = 30_000;
/** A re-settlement waiting for late readings is tried again after twice the previous gap, at most this long. */
const RESETTLE_RETRY_MAX_MS = 600_000;
/** The baseline is the meter's mean power over at most this long before the setpoint. */
const BASELINE_SECONDS = 300;
/** The automatic rule brings a feeder back to this share of its limit, for this long. */
const AUTO_TARGET_PPM = 800_000;
const AUTO_SECONDS = 900;

/** The id of the dispatch that replaces `dispatchId` (ids are at most 64 characters). */
export const replacementIdOf = (dispatchId: string): string =>
  dispatchId.length <= 62 ? `${dispatchId}-r` : `r-${createHash('sha256').update(dispatchId).digest('hex').slice(0, 40)}`;

const mean = (xs: { powerW: number }[]): number => (xs.length === 0 ? 0 : Math.round(xs.reduce((a, x) => a + x.powerW, 0) / xs.length));

export class DispatchService {
  private client?: MqttClient;
  private timer?: NodeJS.Timeout;
  /** Dispatches whose command this process published (a restart publishes open ones again: devices take a command once per id). */
  private readonly published = new Set<string>();
  private readonly open = new Map<string, DispatchRecord>();
  /** Steps in flight, by dispatch id, so that one poll does not start a step another has not finished. */
  private readonly busy = new Set<string>();
  /** Telemetry's figures of a dispatch whose settlement waits for readings: measured once, while the raw samples are kept. */
  private readonly measured = new Map<string, { baselineW: number; duringW: number; samples: number }>();
  /** When a settlement refused for missing readings is tried next (epoch ms). */
  private readonly retryAt = new Map<string, number>();
  /** The gap before a waiting re-settlement's next try (ms), by dispatch id. */
  private readonly resettleGap = new Map<string, number>();
  private polling = false;
  private stopped = false;
  private readonly log: Logger;

  private constructor(private readonly o: DispatchServiceOptions) {
    this.log = o.logger;
  }

  static async start(o: DispatchServiceOptions): Promise<DispatchService> {
    const s = new DispatchService(o);
    if (o.mqttUrl !== '') {
      s.client = await mqtt.connectAsync(o.mqttUrl, { ...o.mqttOptions, clean: true, reconnectPeriod: 1000, connectTimeout: 10_000 });
      s.client.on(
        'message',
        (topic, payload) => void (topic.endsWith('/soc') ? s.onStateOfCharge(topic, payload) : s.onAck(topic, payload)),
      );
      s.client.on('error', (error) => s.log.warn({ error: error.message }, 'dispatch mqtt error'));
      await s.client.subscribeAsync([deviceTopic(o.communityId, '+', 'acks'), batterySocTopic(o.communityId, '+')], { qos: 1 });
    }
    s.timer = setInterval(() => void s.poll(), o.pollMs).unref();
    s.log.info({ communityId: o.communityId }, 'dispatch service started');
    return s;
  }

  private nowSeconds(): number {
    return Math.floor((this.o.now?.() ?? Date.now()) / 1000);
  }

  /** One round: read the open dispatches, publish the new, mark the silent, settle the ended. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const open = await this.o.ledger.openDispatches(this.o.communityId);
      this.open.clear();
      for (const d of open) this.open.set(d.dispatchId, d);
      const now = this.nowSeconds();
      for (const d of open) {
        if (this.busy.has(d.dispatchId)) continue;
        if (d.status === 'requested' && !this.published.has(d.dispatchId)) await this.publish(d);
        else if (d.status === 'requested' && now > secondsOf(d.ackBy)) this.step(d, () => this.replace(d));
        else if (d.status === 'accepted' && now >= secondsOf(d.startAt) + d.durationSeconds + SETTLE_AFTER_SECONDS && this.due(d))
          this.step(d, () => this.settle(d));
        else if (d.status === 'settled' && this.retryDue(d)) this.step(d, () => this.resettle(d));
      }
    } catch (e) {
      this.log.warn({ error: (e as Error).message }, 'open dispatches not read');
    } finally {
      this.polling = false;
    }
  }

  /** A settlement is due unless it waits for readings: then again after the retry time, and at once when readingsBy has passed. */
  private due(d: DispatchRecord): boolean {
    return this.retryDue(d) || (d.readingsBy !== undefined && (this.o.now?.() ?? Date.now()) >= secondsOf(d.readingsBy) * 1000);
  }

  private retryDue(d: DispatchRecord): boolean {
    const at = this.retryAt.get(d.dispatchId);
    return at === undefined || (this.o.now?.() ?? Date.now()) >= at;
  }

  private step(d: DispatchRecord, work: () => Promise<void>): void {
    this.busy.add(d.dispatchId);
    void work()
      .catch((e: Error) => this.log.warn({ dispatchId: d.dispatchId, error: e.message }, 'dispatch step failed; retried next poll'))
      .finally(() => this.busy.delete(d.dispatchId));
  }

  private async publish(d: DispatchRecord): Promise<void> {
    await this.client?.publishAsync(deviceTopic(this.o.communityId, d.resourceId, 'commands'), JSON.stringify(commandOf(d)), { qos: 1 });
    this.published.add(d.dispatchId);
    this.log.info({ dispatchId: d.dispatchId, resourceId: d.resourceId, powerW: d.powerW }, 'setpoint published');
  }

  /**
   * A storage battery's state of charge on `…/batteries/{batteryId}/soc` (`{"socWh": n}`), recorded on the ledger as the
   * bridge (only the battery's own credential may publish there: the broker's ACL). A malformed one is dropped; the ledger
   * refuses a value beyond the battery's capacity.
   */
  async onStateOfCharge(topic: string, payload: Buffer): Promise<void> {
    const prefix = `gridledger/v1/${this.o.communityId}/batteries/`;
    const batteryId = topic.startsWith(prefix) ? topic.slice(prefix.length, -'/soc'.length) : '';
    let socWh: unknown;
    try {
      socWh = (JSON.parse(payload.toString('utf8')) as { socWh?: unknown }).socWh;
    } catch {
      socWh = undefined;
    }
    if (batteryId === '' || batteryId.includes('/') || !Number.isSafeInteger(socWh) || (socWh as number) < 0) {
      this.log.warn({ topic }, 'state of charge not of the form {"socWh": <integer>}: dropped');
      return;
    }
    try {
      await this.o.ledger.reportStateOfCharge(batteryId, socWh as number);
      this.log.info({ batteryId, socWh }, 'state of charge recorded');
    } catch (e) {
      this.log.warn({ batteryId, socWh, error: (e as Error).message }, 'state of charge not recorded');
    }
  }

  /** A device's answer on `…/devices/{deviceId}/acks`: recorded when it names an open dispatch of that device. */
  async onAck(topic: string, payload: Buffer): Promise<void> {
    const prefix = `gridledger/v1/${this.o.communityId}/devices/`;
    const deviceId = topic.startsWith(prefix) && topic.endsWith('/acks') ? topic.slice(prefix.length, -'/acks'.length) : undefined;
    try {
      const { dispatchId, ...ack } = parseAck(JSON.parse(payload.toString('utf8')));
      let d = this.open.get(dispatchId);
      if (d === undefined) {
        await this.poll();
        d = this.open.get(dispatchId);
      }
      if (d === undefined || d.resourceId !== deviceId) {
        this.log.warn({ deviceId, dispatchId }, 'acknowledgement of no open dispatch of that device: dropped');
        return;
      }
      const recorded = await this.o.ledger.recordAck(this.o.communityId, dispatchId, ack);
      this.open.set(dispatchId, recorded);
      this.log.info({ dispatchId, status: ack.status }, 'acknowledgement recorded');
    } catch (e) {
      this.log.warn({ deviceId, error: (e as Error).message }, 'acknowledgement not recorded');
    }
  }

  /** Marks a silent device's dispatch and sends the rest of its setpoint to the next resource of the zone that can take it. */
  private async replace(d: DispatchRecord): Promise<void> {
    await this.o.ledger.markNonResponsive(this.o.communityId, d.dispatchId);
    this.log.warn({ dispatchId: d.dispatchId, resourceId: d.resourceId }, 'device did not acknowledge: non-responsive');
    const now = this.nowSeconds();
    const start = Math.max(now + 1, secondsOf(d.startAt));
    const end = secondsOf(d.startAt) + d.durationSeconds;
    if (end - start < 1) return;
    const need: Need = { zone: d.zone, powerW: d.powerW, startAt: formatInstant(start), durationSeconds: end - start };
    const [next] = selectResources(await this.candidates(), need, [d.resourceId]);
    if (next === undefined) {
      this.log.warn({ dispatchId: d.dispatchId, zone: d.zone }, 'no other resource of the zone can take the setpoint');
      return;
    }
    const replacement = await this.o.ledger.request({
      dispatchId: replacementIdOf(d.dispatchId),
      communityId: d.communityId,
      resourceId: next.resourceId,
      powerW: next.powerW,
      startAt: need.startAt,
      durationSeconds: need.durationSeconds,
      priceMicrosPerKwh: d.priceMicrosPerKwh,
      ackTimeoutSeconds: d.ackTimeoutSeconds,
      readingsWaitSeconds: d.readingsWaitSeconds ?? DEFAULT_READINGS_WAIT_SECONDS,
      replaces: d.dispatchId,
      alertId: d.alertId,
    });
    await this.publish(replacement);
  }

  private async candidates(): Promise<Candidate[]> {
    return (await this.o.ledger.resources(this.o.communityId)).filter((r) => r.communityId === this.o.communityId);
  }

  /**
   * The delivery its meter's telemetry shows (mean power during the setpoint against the mean before it), measured once; the
   * chaincode caps it by the meter's readings, or refuses while they are missing before readingsBy: then tried again later.
   */
  private async settle(d: DispatchRecord): Promise<void> {
    let figures = this.measured.get(d.dispatchId);
    if (figures === undefined) {
      const start = secondsOf(d.startAt);
      const before = this.o.samples(d.meterId, start - Math.min(d.durationSeconds, BASELINE_SECONDS), start);
      const during = this.o.samples(d.meterId, start, start + d.durationSeconds);
      figures = { baselineW: mean(before), duringW: mean(during), samples: before.length === 0 ? 0 : during.length };
      this.measured.set(d.dispatchId, figures);
    }
    try {
      const settled = await this.o.ledger.settle(this.o.communityId, d.dispatchId, figures);
      this.measured.delete(d.dispatchId);
      this.retryAt.delete(d.dispatchId);
      this.log.info({ dispatchId: d.dispatchId, delivery: settled.delivery }, 'dispatch settled');
    } catch (e) {
      if ((e as { code?: unknown }).code !== ErrorCodes.DISPATCH_READINGS_PENDING) throw e;
      this.retryAt.set(d.dispatchId, (this.o.now?.() ?? Date.now()) + (this.o.readingsRetryMs ?? READINGS_RETRY_MS));
      this.log.info({ dispatchId: d.dispatchId, readingsBy: d.readingsBy }, "settlement waits for the meter's readings");
    }
  }

  /** A dispatch settled from telemetry alone: capped by its readings once they are on the ledger; while missing, tried later. */
  private async resettle(d: DispatchRecord): Promise<void> {
    try {
      const done = await this.o.ledger.resettle(this.o.communityId, d.dispatchId);
      this.retryAt.delete(d.dispatchId);
      this.resettleGap.delete(d.dispatchId);
      this.log.info({ dispatchId: d.dispatchId, resettlement: done.delivery?.resettlement }, 'dispatch re-settled');
    } catch (e) {
      if ((e as { code?: unknown }).code !== ErrorCodes.DISPATCH_READINGS_PENDING) throw e;
      const gap = Math.min(this.resettleGap.get(d.dispatchId) ?? this.o.readingsRetryMs ?? READINGS_RETRY_MS, RESETTLE_RETRY_MAX_MS);
      this.resettleGap.set(d.dispatchId, gap * 2);
      this.retryAt.set(d.dispatchId, (this.o.now?.() ?? Date.now()) + gap);
    }
  }

  /**
   * The automatic rule: a FEEDER_OVERLOAD alert of a zone dispatches its resources for what brings the feeder back to 80 % of its
   * limit (more export when it imports too much, more import when it exports too much), for 15 minutes.
   */
  async onOverload(alertId: string, zone: string, feederFlowW: number, limitW: number): Promise<DispatchRecord[]> {
    const excess = Math.abs(feederFlowW) - Math.floor((limitW * AUTO_TARGET_PPM) / 1_000_000);
    if (excess <= 0) return [];
    const start = this.nowSeconds() + 1;
    const need: Need = { zone, powerW: feederFlowW < 0 ? excess : -excess, startAt: formatInstant(start), durationSeconds: AUTO_SECONDS };
    const out: DispatchRecord[] = [];
    for (const s of selectResources(await this.candidates(), need)) {
      const d = await this.o.ledger.request({
        dispatchId: `auto-${alertId.slice(0, 40)}-${createHash('sha256').update(s.resourceId).digest('hex').slice(0, 12)}`,
        communityId: this.o.communityId,
        resourceId: s.resourceId,
        powerW: s.powerW,
        startAt: need.startAt,
        durationSeconds: need.durationSeconds,
        priceMicrosPerKwh: this.o.autoPriceMicrosPerKwh,
        ackTimeoutSeconds: DEFAULT_ACK_TIMEOUT_SECONDS,
        readingsWaitSeconds: DEFAULT_READINGS_WAIT_SECONDS,
        replaces: null,
        alertId,
      });
      out.push(d);
      await this.publish(d);
    }
    this.log.info({ alertId, zone, excess, dispatched: out.length }, 'feeder overload: resources dispatched');
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.client?.endAsync();
  }
}
