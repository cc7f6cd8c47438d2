import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { mqttClientOptions, type Principal } from '@gridledger/network';
import type { MosquittoBroker } from '../../src/broker';
import {
  DEFAULT_METERING_PARAMS,
  ErrorCodes,
  GridLedgerError,
  isIntervalStart,
  parseInstant,
  readingSignedBytes,
  type MeteringParams,
  type Reading,
  type ReadingResult,
  type SignedReading,
} from '@gridledger/core';
import { ChaincodeError, type LedgerSubmitter, type SubmitOutcome } from '../../src/ledger';

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `gl-${prefix}-`));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(predicate: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function meterKey(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

export function signReading(reading: Reading, key: KeyObject): SignedReading {
  const sig = sign('sha256', readingSignedBytes(reading), { key, dsaEncoding: 'der' }).toString('base64');
  return { ...reading, sig };
}

/** n readings of one meter in consecutive 15-minute intervals from 2026-11-21T00:00:00Z. */
export function meterDay(meterId: string, n: number, key: KeyObject): SignedReading[] {
  const start = Date.parse('2026-11-21T00:00:00Z') / 1000;
  let importRegisterWh = 1_000_000;
  return Array.from({ length: n }, (_, i) => {
    const importWh = 100 + i;
    importRegisterWh += importWh;
    const intervalStart = new Date((start + i * 900) * 1000).toISOString().replace('.000Z', 'Z');
    return signReading({ meterId, intervalStart, seq: i + 1, importWh, exportWh: 0, importRegisterWh, exportRegisterWh: 5 }, key);
  });
}

export const readingKey = (r: { meterId: string; intervalStart: string }) => `${r.meterId}@${r.intervalStart}`;

/**
 * An idempotent ledger in memory, as the metering contract behaves: a reading equal to the stored
 * one is a duplicate (naming the transaction that recorded it), a different one for the same meter
 * and interval a READING_CONFLICT, one off its metering interval READING_INTERVAL_MISALIGNED.
 * It can fail whole transactions (LEDGER_UNAVAILABLE) and take its time.
 */
export class FakeLedger implements LedgerSubmitter {
  readonly stored = new Map<string, string>();
  /** The transaction that recorded each stored reading. */
  readonly recordedIn = new Map<string, string>();
  /** metering:getParams' interval, as an operator sets it. */
  intervalSeconds = 900;
  /** metering:getParams fails (LEDGER_UNAVAILABLE) while true. */
  paramsUnavailable = false;
  paramsReads = 0;
  readonly calls: SignedReading[][] = [];
  readonly txIds: string[] = [];
  failNext = 0;
  delayMs = 0;
  /** A reading for which the chaincode fails the whole transaction (a poison reading): the error it throws. */
  poison: (r: SignedReading) => GridLedgerError | undefined = () => undefined;
  /** A transient failure (LEDGER_UNAVAILABLE) of every transaction that holds a reading of these meters. */
  readonly unavailableFor = new Set<string>();
  private tx = 0;

  async getMeteringParams(): Promise<MeteringParams> {
    this.paramsReads += 1;
    if (this.paramsUnavailable) throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'peer unavailable (fake)');
    return { ...DEFAULT_METERING_PARAMS, intervalSeconds: this.intervalSeconds };
  }

  async submitReadings(readings: SignedReading[]): Promise<SubmitOutcome> {
    this.calls.push(readings);
    if (this.delayMs > 0) await sleep(this.delayMs);
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'peer unavailable (fake)');
    }
    if (readings.some((r) => this.unavailableFor.has(r.meterId))) {
      throw new GridLedgerError(ErrorCodes.LEDGER_UNAVAILABLE, 'peer unavailable for this meter (fake)');
    }
    for (const r of readings) {
      const refusal = this.poison(r);
      if (refusal) throw ChaincodeError.of(refusal); // the whole transaction fails, nothing is stored
    }
    const txId = `tx${String(++this.tx).padStart(6, '0')}`;
    this.txIds.push(txId);
    const results: ReadingResult[] = readings.map((r, index) => {
      const key = readingKey(r);
      const bytes = readingSignedBytes(r).toString('utf8');
      const base = { index, meterId: r.meterId, intervalStart: r.intervalStart };
      if (!isIntervalStart(parseInstant(r.intervalStart)!, this.intervalSeconds)) {
        return {
          ...base,
          status: 'rejected',
          code: ErrorCodes.READING_INTERVAL_MISALIGNED,
          message: `not the start of a ${this.intervalSeconds}s interval`,
        };
      }
      const known = this.stored.get(key);
      if (known === undefined) {
        this.stored.set(key, bytes);
        this.recordedIn.set(key, txId);
        return { ...base, status: 'accepted' };
      }
      if (known === bytes) return { ...base, status: 'duplicate', details: { txId: this.recordedIn.get(key)! } };
      return { ...base, status: 'rejected', code: ErrorCodes.READING_CONFLICT, message: 'different reading stored' };
    });
    return { txId, results };
  }
}

/** A head-end principal of its own (publishes any meter's readings, reads every receipt) for a test client. */
export const headEnd = (communityId: string, name: string): Principal => ({ kind: 'head-end', communityId, name });

/** Connects as `principal`, with a credential made for it now (the principal's earlier one ends). */
export async function mqttClient(broker: MosquittoBroker, principal: Principal): Promise<MqttClient> {
  const credential = await broker.admin.grant(principal);
  const client = connect(broker.endpoint.url, mqttClientOptions(broker.endpoint, credential, { clean: true, reconnectPeriod: 200 }));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return client;
}

export async function publishAll(client: MqttClient, topic: (r: SignedReading) => string, readings: SignedReading[]): Promise<void> {
  await Promise.all(readings.map((r) => client.publishAsync(topic(r), JSON.stringify(r), { qos: 1 })));
}

/** What a test bridge connects with: the broker's URL and TLS, and a bridge credential pinned to this test's client id. */
export async function bridgeMqtt(
  broker: MosquittoBroker,
  communityId: string,
  clientId: string,
): Promise<{ mqttUrl: string; mqttOptions: IClientOptions; clientId: string }> {
  const credential = await broker.admin.grant({ kind: 'bridge', communityId }, clientId);
  return { mqttUrl: broker.endpoint.url, mqttOptions: mqttClientOptions(broker.endpoint, credential), clientId };
}
