/**
 * Grid alerts with hysteresis (docs/telemetry.md, "Alerts"): frequency or voltage out of band, a
 * feeder loaded over 90 % of its limit, a device silent for too long. An alert is raised once when
 * its condition starts and cleared only when the condition has gone back by a margin, so a value
 * hovering at a threshold raises one alert, not one per sample. Pure: the telemetry service feeds
 * it observations and keeps the set of active alerts; the chaincode checks records with parseAlertRecord.
 */
import { createHash } from 'node:crypto';
import { ErrorCodes, GridLedgerError } from '../core/errors';
import { parseInstant } from '../core/units';

export const ALERT_KINDS = [
  'FREQUENCY_OUT_OF_BAND',
  'VOLTAGE_OUT_OF_BAND',
  'FEEDER_OVERLOAD',
  'TELEMETRY_MISSING',
  'CONNECTION_OPEN',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface AlertRules {
  nominalFrequencyMHz: number;
  /** Raised when |f − nominal| exceeds this (200: 49.8 to 50.2 Hz). */
  frequencyBandMHz: number;
  /** Cleared when |f − nominal| is back within band − margin. */
  frequencyClearMarginMHz: number;
  nominalVoltageMv: number;
  /** Raised when |v − nominal| exceeds this share of nominal (ppm; 100000: ±10 %, EN 50160). */
  voltageBandPpm: number;
  voltageClearMarginPpm: number;
  /** Raised at or above this loading of a feeder's limit (ppm; 900000: 90 %). */
  feederRaisePpm: number;
  /** Cleared below this loading (ppm; 850000: 85 %). */
  feederClearPpm: number;
  /** Raised when a device has sent nothing for more than this (s); cleared by its next sample. */
  missingAfterSeconds: number;
}

export const DEFAULT_ALERT_RULES: AlertRules = {
  nominalFrequencyMHz: 50_000,
  frequencyBandMHz: 200,
  frequencyClearMarginMHz: 50,
  nominalVoltageMv: 230_000,
  voltageBandPpm: 100_000,
  voltageClearMarginPpm: 10_000,
  feederRaisePpm: 900_000,
  feederClearPpm: 850_000,
  missingAfterSeconds: 30,
};

/** One measurement an alert may depend on: the subject is a device (frequency, voltage, missing) or a zone (feeder). */
export type Observation =
  | { kind: 'FREQUENCY_OUT_OF_BAND'; subject: string; zone: string; frequencyMHz: number }
  | { kind: 'VOLTAGE_OUT_OF_BAND'; subject: string; zone: string; voltageMv: number }
  | { kind: 'FEEDER_OVERLOAD'; subject: string; zone: string; loadingPpm: number }
  | { kind: 'TELEMETRY_MISSING'; subject: string; zone: string; silentSeconds: number }
  /** The connection point's sensor: its latest samples' state (core/src/grid/island.ts connectionState) and power. */
  | { kind: 'CONNECTION_OPEN'; subject: string; zone: string; state: 'open' | 'closed' | 'unclear'; powerW: number };

/** The observation's value as an alert records it (mHz, mV, ppm or s). */
export function observedValue(o: Observation): number {
  switch (o.kind) {
    case 'FREQUENCY_OUT_OF_BAND':
      return o.frequencyMHz;
    case 'VOLTAGE_OUT_OF_BAND':
      return o.voltageMv;
    case 'FEEDER_OVERLOAD':
      return o.loadingPpm;
    case 'TELEMETRY_MISSING':
      return o.silentSeconds;
    case 'CONNECTION_OPEN':
      return o.powerW;
  }
}

/** Whether the alert of this observation's kind and subject is active after it, given whether it was before. */
export function alertActiveAfter(wasActive: boolean, o: Observation, rules: AlertRules = DEFAULT_ALERT_RULES): boolean {
  switch (o.kind) {
    case 'FREQUENCY_OUT_OF_BAND': {
      const off = Math.abs(o.frequencyMHz - rules.nominalFrequencyMHz);
      return wasActive ? off > rules.frequencyBandMHz - rules.frequencyClearMarginMHz : off > rules.frequencyBandMHz;
    }
    case 'VOLTAGE_OUT_OF_BAND': {
      // ppm of nominal, compared in integers: |v − n| · 10⁶ against band · n.
      const off = Math.abs(o.voltageMv - rules.nominalVoltageMv) * 1_000_000;
      const band = (wasActive ? rules.voltageBandPpm - rules.voltageClearMarginPpm : rules.voltageBandPpm) * rules.nominalVoltageMv;
      return off > band;
    }
    case 'FEEDER_OVERLOAD':
      return wasActive ? o.loadingPpm >= rules.feederClearPpm : o.loadingPpm >= rules.feederRaisePpm;
    case 'TELEMETRY_MISSING':
      return o.silentSeconds > rules.missingAfterSeconds;
    case 'CONNECTION_OPEN':
      // Raised when the samples show it open, cleared only when they all show it closed again.
      return wasActive ? o.state !== 'closed' : o.state === 'open';
  }
}

/** The key of an alert's condition: one active alert per kind and subject at a time. */
export const conditionKey = (kind: AlertKind, subject: string): string => `${kind}|${subject}`;

export interface AlertChange {
  change: 'raise' | 'clear';
  observation: Observation;
}

/**
 * What the observations change, given the conditions active before (conditionKey): a raise for a
 * condition that starts, a clear for one that ends; nothing for one that holds or stays away.
 * The active set is updated in place.
 */
export function alertChanges(
  active: Set<string>,
  observations: readonly Observation[],
  rules: AlertRules = DEFAULT_ALERT_RULES,
): AlertChange[] {
  const changes: AlertChange[] = [];
  for (const o of observations) {
    const key = conditionKey(o.kind, o.subject);
    const was = active.has(key);
    const now = alertActiveAfter(was, o, rules);
    if (now && !was) {
      active.add(key);
      changes.push({ change: 'raise', observation: o });
    } else if (!now && was) {
      active.delete(key);
      changes.push({ change: 'clear', observation: o });
    }
  }
  return changes;
}

/** An alert's id: the same for the same community, kind, subject and raising instant, so a retried raise is the same alert. */
export function alertIdOf(communityId: string, kind: AlertKind, subject: string, raisedAt: string): string {
  const hash = createHash('sha256').update(`${communityId}\n${kind}\n${subject}\n${raisedAt}`, 'utf8').digest('hex');
  return `al-${hash.slice(0, 24)}`;
}

/** What the service asks the ledger to raise (telemetry:raiseAlert). */
export interface AlertRaise {
  alertId: string;
  communityId: string;
  kind: AlertKind;
  /** The device (frequency, voltage, missing) or zone (feeder) it is about. */
  subject: string;
  zone: string;
  /** The value that raised it: mHz, mV, loading ppm or silent seconds. */
  value: number;
  raisedAt: string;
}

export type AlertStatus = 'raised' | 'acknowledged' | 'cleared';

/** An alert as the ledger keeps it (one key per community and alert id). */
export interface GridAlert extends AlertRaise {
  status: AlertStatus;
  raisedBy: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  clearedAt: string | null;
  clearedBy: string | null;
  /** The value at which it cleared. */
  clearValue: number | null;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const bad = (message: string, field: string) => new GridLedgerError(ErrorCodes.TELEMETRY_MALFORMED, message, { field });

/** A raise request of the documented shape, or TELEMETRY_MALFORMED naming the field; the id must be alertIdOf of its content. */
export function parseAlertRaise(value: unknown): AlertRaise {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('an alert is a JSON object', 'alert');
  const r = value as Record<string, unknown>;
  const fields = ['alertId', 'communityId', 'kind', 'raisedAt', 'subject', 'value', 'zone'];
  const extra = Object.keys(r).find((k) => !fields.includes(k));
  if (extra !== undefined) throw bad(`unknown field ${extra}`, extra);
  for (const f of ['communityId', 'subject', 'zone'] as const)
    if (typeof r[f] !== 'string' || !ID.test(r[f])) throw bad(`${f} must be an id`, f);
  if (!(ALERT_KINDS as readonly unknown[]).includes(r.kind)) throw bad(`kind must be one of ${ALERT_KINDS.join(', ')}`, 'kind');
  if (!Number.isSafeInteger(r.value)) throw bad('value must be an integer', 'value');
  if (typeof r.raisedAt !== 'string' || parseInstant(r.raisedAt) === undefined) throw bad('raisedAt must be a UTC instant', 'raisedAt');
  const raise = {
    alertId: r.alertId,
    communityId: r.communityId as string,
    kind: r.kind as AlertKind,
    subject: r.subject as string,
    zone: r.zone as string,
    value: r.value as number,
    raisedAt: r.raisedAt,
  } as AlertRaise;
  if (raise.alertId !== alertIdOf(raise.communityId, raise.kind, raise.subject, raise.raisedAt)) {
    throw bad('alertId must be alertIdOf(communityId, kind, subject, raisedAt)', 'alertId');
  }
  return raise;
}

/** The alert after a step by `actor` at `at`; ALERT_STATE_INVALID when the step does not fit its state. */
export function stepAlert(alert: GridAlert, step: 'acknowledge' | 'clear', actor: string, at: string, clearValue?: number): GridAlert {
  if (alert.status === 'cleared') {
    throw new GridLedgerError(ErrorCodes.ALERT_STATE_INVALID, `alert ${alert.alertId} is cleared already`, {
      alertId: alert.alertId,
      status: alert.status,
    });
  }
  if (step === 'acknowledge') {
    if (alert.status === 'acknowledged') return alert;
    return { ...alert, status: 'acknowledged', acknowledgedAt: at, acknowledgedBy: actor };
  }
  return { ...alert, status: 'cleared', clearedAt: at, clearedBy: actor, clearValue: clearValue ?? null };
}
