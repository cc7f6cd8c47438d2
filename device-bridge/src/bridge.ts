/**
 * The MQTT-to-ledger bridge's session loop. Over 400 lines (issue 29 names it for a split): one
 * class holds the QoS 1 session, the fsync'd journal hand-off, batching, receipts and retries,
 * because acknowledging a message depends on all of them; batching, journal, receipts, metrics and
 * the Fabric edge are already modules of their own. Splitting the session state is left to the
 * million-meter issue (27), which changes it.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { describeFabricError } from '@gridledger/fabric-client';
import {
  ErrorCodes,
  GridLedgerError,
  MAX_READINGS_PER_BATCH,
  parseSignedReading,
  readingSignedBytes,
  type SignedReading,
} from '@gridledger/core';
import { backoffMs, flushDelay, selectBatch } from './batching';
import { DeadLetters } from './dead-letter';
import { Journal, type JournalEntry } from './journal';
import { failureAction, type LedgerSubmitter, type SubmitOutcome } from './ledger';
import { createLogger, type Logger } from '@gridledger/network';
import { BridgeMetrics } from './metrics';
import { pipelineAcks, type Taken } from './pipelined-acks';
import { parkedReceipt, receiptsForOutcome, rejectedReceipt, type OutcomeReceipts, type Receipt } from './receipts';
import { allReadingsFilter, meterIdOfTopic, receiptsTopic } from './topics';

export interface BridgeOptions {
  /** mqtts://127.0.0.1:1883 */
  mqttUrl: string;
  /** TLS trust and the bridge's credential (mqtt-access.ts: `bridge:<communityId>`, whose client id is pinned). */
  mqttOptions?: IClientOptions;
  communityId: string;
  /** The state directory; the journal lives in `<stateDir>/bridge/`. */
  stateDir: string;
  submitter: LedgerSubmitter;
  /** Fixed, so that the broker finds the bridge's session again after a restart (default: mqttOptions' clientId). */
  clientId?: string;
  /**
   * 5 (default): a session that expires only after `sessionExpirySeconds`. 4 (MQTT 3.1.1): a
   * session that never expires. Acknowledgements work the same in both (pipelined-acks.ts).
   */
  protocolVersion?: 4 | 5;
  sessionExpirySeconds?: number;
  /** Readings per transaction (default MAX_READINGS_PER_BATCH, the most the contract takes: less fixed cost per reading). */
  maxBatch?: number;
  /** How long a reading waits for its batch to fill (default 200 ms). */
  lingerMs?: number;
  /** Transactions in flight at once (default 8); a meter is in at most one of them. */
  maxConcurrent?: number;
  /** Compact the journal after this many done records (default 1000). */
  compactAfterDoneRecords?: number;
  logger?: Logger;
  /** Backoff base and cap after ledger failures (per meter: other meters keep flowing; also between reads of the metering parameters while
   * they cannot be read). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /**
   * How long a read of the metering parameters counts as fresh (default 1000 ms): a reading that
   * looks misaligned reads them again only when the last read is older, and concurrent reads are
   * one. A change of the interval on the ledger thus counts after at most this long, and a flood
   * of misaligned readings costs at most one query per period.
   */
  paramsMaxAgeMs?: number;
  /** Counters and gauges for GET /metrics (none given: the bridge keeps its own). */
  metrics?: BridgeMetrics;
}

export interface BridgeStatus {
  connected: boolean;
  pending: number;
  inFlightTransactions: number;
  consecutiveFailures: number;
  committedTransactions: number;
  /** Readings parked in the dead-letter file since the start. */
  parked: number;
  /** Meters whose readings wait for a retry after a transient failure. */
  metersInBackoff: number;
  /** The ledger's metering interval as last read (metering:getParams); undefined while it could not be read yet. */
  intervalSeconds: number | undefined;
}

/** MQTT 5 session expiry the broker keeps our subscription and queued messages for (about 136 years: never). */
const NEVER_EXPIRES = 0xffffffff;

/**
 * The device bridge. Readings come in on `gridledger/v1/{communityId}/meters/+/readings` (QoS 1,
 * persistent session); each is checked with the pure core (on the ledger's metering interval, see
 * parseReading), then appended to the journal, and
 * only then acknowledged to the broker. A submitter loop takes pending readings in batches to
 * `metering:submitReadings`, publishes a receipt per reading and marks them done. A reading is
 * thus lost neither when the bridge dies (the broker redelivers what was not acknowledged, the
 * journal replays what was not done) nor when the ledger is away (retry with backoff);
 * resubmitting is a no-op on the ledger, so at-least-once here is exactly once there.
 * A batch the chaincode refuses for good is halved until the reading(s) that fail alone are found:
 * those are parked in the dead-letter file with the code, the rest go on (see failureAction).
 */
export class Bridge {
  private client!: MqttClient;
  private journal!: Journal;
  private readonly log: Logger;
  readonly metrics: BridgeMetrics;
  private readonly inFlightIds = new Set<number>();
  private readonly busyMeters = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * Committed batches whose receipts and done mark are still being written. They hold their
   * readings (in inFlightIds, so no batch takes them again) but neither a transaction slot nor
   * their meters: a meter's next batch may go while the receipts of its last one are published.
   */
  private readonly finishing = new Set<Promise<void>>();
  private readonly finishingIds = new Set<number>();
  /** When each pending id became waiting (ms), for the linger rule. */
  private readonly waitingSince = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Per meter after a transient failure: consecutive failures, and when it may be tried again (ms). */
  private readonly meterFailures = new Map<string, number>();
  private readonly meterRetryAt = new Map<string, number>();
  private deadLetters!: DeadLetters;
  private parked = 0;
  private maxBatch: number;
  private stopped = false;
  private draining = false;
  /** Pending entries by meter and interval, to spot a broker's redelivery of a journaled reading. */
  private readonly pendingKeys = new Map<string, JournalEntry[]>();
  private committed = 0;
  /** The ledger's metering interval as last read; undefined until the first read succeeds. */
  private intervalSeconds: number | undefined;
  /** Retries the first read of the metering interval while the ledger cannot be read. */
  private intervalTimer: NodeJS.Timeout | undefined;
  private intervalReadFailures = 0;
  /** When the metering parameters were last read (successfully or not), and the read in flight. */
  private intervalReadAt = -Infinity;
  private intervalRead: Promise<number | undefined> | undefined;

  private constructor(private readonly opts: BridgeOptions) {
    this.log = opts.logger ?? createLogger('device-bridge');
    this.maxBatch = opts.maxBatch ?? MAX_READINGS_PER_BATCH;
    this.metrics = opts.metrics ?? new BridgeMetrics(false);
  }

  static async start(opts: BridgeOptions): Promise<Bridge> {
    const bridge = new Bridge(opts);
    await bridge.init();
    return bridge;
  }

  status(): BridgeStatus {
    return {
      connected: this.client?.connected ?? false,
      pending: this.journal.pendingCount,
      inFlightTransactions: this.inFlight.size,
      consecutiveFailures: this.failures,
      committedTransactions: this.committed,
      parked: this.parked,
      metersInBackoff: this.meterRetryAt.size,
      intervalSeconds: this.intervalSeconds,
    };
  }

  private async init(): Promise<void> {
    this.journal = await Journal.open(join(this.opts.stateDir, 'bridge'), {
      compactAfterDoneRecords: this.opts.compactAfterDoneRecords,
    });
    this.deadLetters = await DeadLetters.open(join(this.opts.stateDir, 'bridge'));
    this.metrics.watch(() => ({ pending: this.journal.pendingCount, connected: this.client?.connected ?? false }));
    const replayed = this.journal.pending();
    const now = Date.now();
    for (const e of replayed) {
      this.waitingSince.set(e.id, now);
      this.index(e);
    }
    this.log.info({ pending: replayed.length }, 'journal replayed');
    if ((await this.readInterval()) === undefined) this.retryIntervalRead();

    const version = this.opts.protocolVersion ?? 5;
    const options: IClientOptions = {
      ...this.opts.mqttOptions,
      clientId: this.opts.clientId ?? this.opts.mqttOptions?.clientId ?? `gridledger-bridge-${this.opts.communityId}`,
      clean: false,
      protocolVersion: version,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    };
    if (version === 5) options.properties = { sessionExpiryInterval: this.opts.sessionExpirySeconds ?? NEVER_EXPIRES };
    this.client = connect(this.opts.mqttUrl, options);
    // The PUBACK goes out once the reading is journaled (or refused), without holding up the messages behind it.
    pipelineAcks(this.client, (packet) =>
      this.take(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)),
    );
    this.client.on('connect', (connack) => {
      this.log.info({ sessionPresent: connack.sessionPresent, url: this.opts.mqttUrl }, 'mqtt connected');
      this.client.subscribe(allReadingsFilter(this.opts.communityId), { qos: 1 }, (error) => {
        if (error) this.log.error({ error: error.message }, 'mqtt subscribe failed');
      });
    });
    this.client.on('error', (error) => this.log.warn({ error: error.message }, 'mqtt error'));
    this.client.on('offline', () => this.log.warn('mqtt offline'));
    this.schedule();
  }

  /**
   * Checks one message and begins its journal write (messages are taken one after another, so the
   * journal keeps their order); `durable` settles when it may be acknowledged.
   */
  private async take(topic: string, payload: Buffer): Promise<Taken> {
    if (this.stopped) throw new Error('bridge is stopping');
    const now: Taken = { durable: Promise.resolve() };
    const topicMeterId = meterIdOfTopic(topic, this.opts.communityId, 'readings');
    if (topicMeterId === undefined) {
      this.log.warn({ topic }, 'message on an unexpected topic dropped');
      return now;
    }
    this.metrics.received.inc();
    let parsed: unknown;
    let reading: SignedReading;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
      reading = await this.parseReading(parsed);
      if (reading.meterId !== topicMeterId) {
        throw new GridLedgerError(
          ErrorCodes.READING_MALFORMED,
          `reading.meterId ${reading.meterId} is not the topic's meter ${topicMeterId}`,
          {
            field: 'meterId',
          },
        );
      }
    } catch (error) {
      // Nothing to retry: refuse it with its code and acknowledge it.
      const receipt = rejectedReceipt(topicMeterId, parsed, error);
      this.metrics.refused.inc({ code: receipt.code ?? ErrorCodes.INTERNAL });
      this.log.warn({ meterId: topicMeterId, code: receipt.code, message: receipt.message }, 'reading refused');
      void this.publishReceipt(receipt).catch(() => {});
      return now;
    }
    if (this.isPendingCopy(reading)) {
      this.log.info({ meterId: reading.meterId, intervalStart: reading.intervalStart }, 'redelivered reading already journaled');
      return now;
    }
    const { entry, written } = this.journal.begin(reading);
    // Indexed at once, so that a copy arriving while this one is written is recognised.
    this.index(entry);
    const durable = written.then(
      () => {
        this.waitingSince.set(entry.id, Date.now());
        this.schedule();
      },
      (error: unknown) => {
        this.unindex(entry);
        throw error;
      },
    );
    return { durable };
  }

  /**
   * The reading checked with the ledger's metering interval. One that looks misaligned is refused
   * only once a fresh read of the interval agrees (fresh: at most paramsMaxAgeMs old, see
   * refreshInterval): an operator may have changed it since the last read (the other way round, a
   * reading the chaincode finds misaligned makes the bridge read the interval again). While the interval could not be
   * read at all, the bridge checks everything but the alignment and the chaincode judges that
   * (a misaligned reading gets READING_INTERVAL_MISALIGNED on its receipt all the same).
   */
  private async parseReading(parsed: unknown): Promise<SignedReading> {
    if (this.intervalSeconds !== undefined) {
      try {
        return parseSignedReading(parsed, this.intervalSeconds);
      } catch (error) {
        if (!(error instanceof GridLedgerError) || error.code !== ErrorCodes.READING_INTERVAL_MISALIGNED) throw error;
      }
      const fresh = await this.refreshInterval();
      if (fresh !== undefined) return parseSignedReading(parsed, fresh);
    }
    // Every instant is a whole number of seconds: a 1 s grid checks nothing but the shape.
    return parseSignedReading(parsed, 1);
  }

  /** The interval as last read if that read is fresh, else a new read, shared by everyone who asks while it runs. */
  private refreshInterval(): Promise<number | undefined> {
    if (performance.now() - this.intervalReadAt < (this.opts.paramsMaxAgeMs ?? 1_000)) return Promise.resolve(this.intervalSeconds);
    return (this.intervalRead ??= this.readInterval().finally(() => (this.intervalRead = undefined)));
  }

  /** Reads the metering interval from the ledger (metering:getParams); undefined, with the last value kept, when it cannot. */
  private async readInterval(): Promise<number | undefined> {
    this.intervalReadAt = performance.now();
    try {
      const { intervalSeconds } = await this.opts.submitter.getMeteringParams();
      if (intervalSeconds !== this.intervalSeconds) {
        this.log.info({ intervalSeconds, before: this.intervalSeconds }, 'metering interval read from the ledger');
      }
      this.intervalSeconds = intervalSeconds;
      this.intervalReadFailures = 0;
      return intervalSeconds;
    } catch (error) {
      this.intervalReadFailures += 1;
      this.log.warn(
        {
          code: error instanceof GridLedgerError ? error.code : ErrorCodes.INTERNAL,
          error: describeFabricError(error),
          intervalSeconds: this.intervalSeconds,
        },
        'metering parameters not readable; readings are not refused for their alignment until they are',
      );
      return undefined;
    }
  }

  /** Until the first read succeeds: again after a backoff, as for a failed transaction. */
  private retryIntervalRead(): void {
    const wait = backoffMs(this.intervalReadFailures, this.opts.retryBaseMs ?? 250, this.opts.retryMaxMs ?? 30_000);
    this.intervalTimer = setTimeout(() => {
      void this.readInterval().then((read) => {
        if (read === undefined && !this.stopped && !this.draining) this.retryIntervalRead();
      });
    }, wait);
  }

  private static key(r: SignedReading): string {
    return `${r.meterId}\u0000${r.intervalStart}`;
  }

  private index(e: JournalEntry): void {
    const key = Bridge.key(e.reading);
    this.pendingKeys.set(key, [...(this.pendingKeys.get(key) ?? []), e]);
  }

  private unindex(e: JournalEntry): void {
    const key = Bridge.key(e.reading);
    const rest = (this.pendingKeys.get(key) ?? []).filter((x) => x.id !== e.id);
    if (rest.length > 0) this.pendingKeys.set(key, rest);
    else this.pendingKeys.delete(key);
  }

  /** True when the very same signed reading is already pending (a broker redelivery). */
  private isPendingCopy(reading: SignedReading): boolean {
    const same = this.pendingKeys.get(Bridge.key(reading)) ?? [];
    if (same.length === 0) return false;
    const bytes = readingSignedBytes(reading);
    return same.some((e) => e.reading.sig === reading.sig && readingSignedBytes(e.reading).equals(bytes));
  }

  /** Submits what may go now, and arms a timer for what must wait (linger, backoff). */
  private schedule(): void {
    if (this.stopped || this.draining) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const maxConcurrent = this.opts.maxConcurrent ?? 8;
    while (this.inFlight.size < maxConcurrent) {
      const now = Date.now();
      // Called on every reading taken in: no pass over everything pending here (that made intake
      // quadratic in the backlog). In flight ids are pending ones, except for the moment between
      // a batch's done mark and its end.
      const waiting = Math.max(0, this.journal.pendingCount - this.inFlightIds.size);
      const oldest = waiting > 0 ? this.oldestWaitingSince(now) : undefined;
      const delay = flushDelay(waiting, oldest, now, { maxBatch: this.maxBatch, lingerMs: this.opts.lingerMs ?? 200 });
      if (delay === undefined) return;
      if (delay > 0) {
        this.timer = setTimeout(() => this.schedule(), delay);
        return;
      }
      const batch = selectBatch(this.journal.pendingEntries(), this.inFlightIds, this.blockedMeters(now), this.maxBatch);
      if (batch.length === 0) {
        // Everything waiting belongs to busy meters (a finishing batch reschedules) or to meters in backoff.
        let wake = Infinity;
        for (const at of this.meterRetryAt.values()) wake = Math.min(wake, at);
        if (wake !== Infinity) this.timer = setTimeout(() => this.schedule(), Math.max(1, wake - now));
        return;
      }
      const run = this.submitBatch(batch).finally(() => {
        this.inFlight.delete(run);
        this.schedule();
      });
      this.inFlight.add(run);
    }
  }

  /**
   * When the oldest reading not in flight started waiting. waitingSince is in id order with
   * non-decreasing times (replay gives all one time, intake appends), and what is in flight is
   * mostly the oldest: a short walk from the front.
   */
  private oldestWaitingSince(now: number): number | undefined {
    for (const [id, since] of this.waitingSince) if (!this.inFlightIds.has(id)) return since;
    return this.journal.pendingCount > this.inFlightIds.size ? now : undefined;
  }

  /** Meters no batch may take now: in a transaction in flight, or waiting out a backoff. */
  private blockedMeters(now: number): ReadonlySet<string> {
    for (const [meterId, at] of this.meterRetryAt) if (at <= now) this.meterRetryAt.delete(meterId);
    return this.meterRetryAt.size === 0 ? this.busyMeters : new Set([...this.busyMeters, ...this.meterRetryAt.keys()]);
  }

  private async submitBatch(batch: JournalEntry[]): Promise<void> {
    for (const e of batch) {
      this.inFlightIds.add(e.id);
      this.busyMeters.add(e.reading.meterId);
    }
    try {
      await this.submitIsolating(batch);
    } catch (error) {
      // A receipt or a journal write failed: the readings not marked done stay pending and go again.
      if (this.stopped) return;
      this.backOff(batch, error, 'retry');
    } finally {
      for (const e of batch) {
        if (!this.finishingIds.has(e.id)) this.inFlightIds.delete(e.id);
        this.busyMeters.delete(e.reading.meterId);
      }
    }
  }

  /**
   * Submits one batch. When the chaincode refuses it for good (`isolate`), the two halves go one
   * after the other, down to single readings: one refused alone is parked. A retryable failure
   * ends it there (false): what is left stays pending, and its meters back off, so that a meter's
   * later readings never overtake earlier ones.
   */
  private async submitIsolating(batch: JournalEntry[]): Promise<boolean> {
    const started = Date.now();
    let outcome: SubmitOutcome;
    try {
      outcome = await this.opts.submitter.submitReadings(batch.map((e) => e.reading));
    } catch (error) {
      if (this.stopped) return false;
      this.failures += 1;
      let action = failureAction(error);
      if (action === 'split' && batch.length === 1) action = 'isolate'; // one reading is never too many
      if (action !== 'isolate') {
        if (action === 'split') this.maxBatch = Math.max(1, Math.floor(batch.length / 2));
        this.backOff(batch, error, action);
        return false;
      }
      const refusal = error instanceof GridLedgerError ? error : new GridLedgerError(ErrorCodes.INTERNAL, String(error));
      if (batch.length === 1) {
        await this.park(batch[0], refusal);
        return true;
      }
      const fields = { code: refusal.code, error: refusal.message, readings: batch.length };
      this.log.warn(fields, 'transaction refused; halving the batch to find the reading that fails');
      const half = Math.ceil(batch.length / 2);
      return (await this.submitIsolating(batch.slice(0, half))) && (await this.submitIsolating(batch.slice(half)));
    }
    if (this.stopped) return false;
    // Readings the answer said nothing about are released with their meter, so that they go again
    // before its later readings; the answered ones are held until their done mark is written.
    const answer = receiptsForOutcome(batch, outcome);
    // The chaincode found a reading off its grid that the bridge let through: the interval read before is stale.
    if (answer.receipts.some((r) => r.code === ErrorCodes.READING_INTERVAL_MISALIGNED)) void this.refreshInterval();
    const doneIds = new Set(answer.doneIds);
    const answered = batch.filter((e) => doneIds.has(e.id));
    for (const e of batch) {
      this.meterFailures.delete(e.reading.meterId);
      this.meterRetryAt.delete(e.reading.meterId);
    }
    for (const e of answered) this.finishingIds.add(e.id);
    this.failures = 0;
    const finish = this.finish(answered, outcome, answer, started).finally(() => {
      this.finishing.delete(finish);
      for (const e of answered) {
        this.finishingIds.delete(e.id);
        this.inFlightIds.delete(e.id);
      }
      this.schedule();
    });
    this.finishing.add(finish);
    return true;
  }

  /**
   * After the commit: a receipt per answered reading, then the done mark. What fails here stays
   * pending and goes again (a resubmission is answered `duplicate` with the first txId).
   */
  private async finish(answered: JournalEntry[], outcome: SubmitOutcome, answer: OutcomeReceipts, started: number): Promise<void> {
    const { receipts, doneIds, retryIds } = answer;
    try {
      await Promise.all(receipts.map((r) => this.publishReceipt(r)));
      if (this.stopped) return;
      await this.journal.markDone(doneIds, outcome.txId);
    } catch (error) {
      if (!this.stopped) this.backOff(answered, error, 'retry');
      return;
    }
    for (const e of answered) {
      this.waitingSince.delete(e.id);
      this.unindex(e);
    }
    this.committed += 1;
    for (const r of receipts) {
      if (r.status === 'accepted') this.metrics.committed.inc();
      else if (r.status === 'duplicate') this.metrics.duplicate.inc();
      else this.metrics.refused.inc({ code: r.code ?? ErrorCodes.INTERNAL });
    }
    const count = (s: Receipt['status']) => receipts.filter((r) => r.status === s).length;
    this.log.info(
      {
        txId: outcome.txId,
        readings: answered.length + retryIds.length,
        accepted: count('accepted'),
        duplicate: count('duplicate'),
        rejected: count('rejected'),
        unanswered: retryIds.length,
        ms: Date.now() - started,
        ...outcome.timings,
      },
      'transaction committed',
    );
  }

  /** A retryable failure: the batch's meters wait (one backoff for all of them, from the most failed one); other meters go on. */
  private backOff(batch: readonly JournalEntry[], error: unknown, action: string): void {
    const meters = [...new Set(batch.map((e) => e.reading.meterId))];
    const failures = 1 + meters.reduce((most, m) => Math.max(most, this.meterFailures.get(m) ?? 0), 0);
    const wait = backoffMs(failures, this.opts.retryBaseMs ?? 250, this.opts.retryMaxMs ?? 30_000);
    for (const m of meters) {
      this.meterFailures.set(m, failures);
      this.meterRetryAt.set(m, Date.now() + wait);
    }
    this.log.warn(
      {
        code: error instanceof GridLedgerError ? error.code : ErrorCodes.INTERNAL,
        // With the gRPC failure behind a LEDGER_UNAVAILABLE, for whoever reads the log.
        error: describeFabricError(error),
        readings: batch.length,
        meters: meters.length,
        action,
        retryInMs: wait,
        failures,
      },
      'transaction failed; readings stay pending',
    );
  }

  /**
   * A reading the chaincode refuses on its own: into the dead-letter file (on disk first), a
   * rejected receipt with the code to its meter, and only then done in the journal. So it is
   * always in the journal or in the dead-letter file.
   */
  private async park(entry: JournalEntry, error: GridLedgerError): Promise<void> {
    await this.deadLetters.park({
      id: entry.id,
      at: entry.at,
      parkedAt: new Date().toISOString(),
      code: error.code,
      message: error.message,
      reading: entry.reading,
    });
    await this.publishReceipt(parkedReceipt(entry, error));
    if (this.stopped) return;
    await this.journal.markDone([entry.id]);
    this.waitingSince.delete(entry.id);
    this.unindex(entry);
    this.parked += 1;
    this.metrics.parked.inc({ code: error.code });
    const { meterId, intervalStart } = entry.reading;
    this.log.warn({ meterId, intervalStart, code: error.code, error: error.message }, 'reading parked in the dead-letter file');
  }

  private publishReceipt(receipt: Receipt): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.publish(receiptsTopic(this.opts.communityId, receipt.meterId), JSON.stringify(receipt), { qos: 1 }, (error) =>
        error ? reject(error) : resolve(),
      );
    });
  }

  /**
   * Stops taking messages, lets the transactions in flight finish (up to `graceMs`), then closes
   * the MQTT session (kept at the broker) and the journal.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopped) return;
    this.draining = true;
    clearTimeout(this.intervalTimer);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Messages that still arrive are journaled and acknowledged; the next start submits them.
    const flying = Promise.allSettled([...this.inFlight]).then(() => Promise.allSettled([...this.finishing]));
    await Promise.race([flying, new Promise((r) => setTimeout(r, graceMs).unref())]);
    this.stopped = true;
    await new Promise<void>((resolve) => this.client.end(false, {}, () => resolve()));
    await this.journal.close();
    await this.deadLetters.close();
    await this.opts.submitter.close?.();
  }

  /**
   * Stops at once, as a crash would: the socket is dropped without a DISCONNECT, transactions in
   * flight are abandoned (their readings stay pending in the journal), nothing more is written.
   * For tests; a real crash is the same minus the closing of file handles.
   */
  async kill(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.intervalTimer);
    if (this.timer) clearTimeout(this.timer);
    await new Promise<void>((resolve) => this.client.end(true, {}, () => resolve()));
    await this.journal.close().catch(() => {});
    await this.deadLetters.close().catch(() => {});
  }
}
