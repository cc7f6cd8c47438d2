/**
 * The audit of a settled demand-response participant (docs/flexibility.md, "Audit"): from what the
 * ledger published, recompute the baseline from its recorded like days (computeBaseline), its hash
 * against the one the opt-in carries on the channel, the performance and payment from the baseline
 * and the recorded consumption (performanceOf), and its hash against the result's. Each difference
 * is a finding; none: the participant's figures hold.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../core/canonical';
import { BaselineFigures, computeBaseline, DayLoads } from './baseline';
import { FlexEvent } from './event';
import { Performance, performanceOf } from './performance';

export const flexDigest = (record: unknown): string => createHash('sha256').update(canonicalJson(record), 'utf8').digest('hex');

export interface FlexAuditInput {
  event: FlexEvent;
  optIn: { participantId: string; committedW: number; baselineHash?: string };
  /** The published baseline record (undefined: none was fixed). */
  baseline?: BaselineFigures & {
    days: { day: string; status: string; eventWh?: number[]; adjustmentWh?: number[] }[];
    eventDayAdjustmentWh: number[] | null;
  };
  performance: Performance & { intervals: { consumptionWh: number | null }[] };
  result: { performanceHash: string; reductionWh: number; netPaymentMicros: number; paymentMicros: number };
}

const FIGURES = ['method', 'dayType', 'eligibleDays', 'selectedDays', 'selectedSumWh', 'adjustmentActualWh', 'adjustmentPpm', 'baselineWh'];
const pick = (o: object, fields: readonly string[]) => Object.fromEntries(fields.map((f) => [f, (o as Record<string, unknown>)[f]]));

export function auditFlexParticipant(input: FlexAuditInput): string[] {
  const { event, optIn, baseline, performance, result } = input;
  const findings: string[] = [];
  const who = optIn.participantId;
  if (baseline !== undefined) {
    const eligible = baseline.days.filter((d) => d.status === 'eligible') as DayLoads[];
    const again = computeBaseline(event.baseline, baseline.dayType, eligible, baseline.eventDayAdjustmentWh, event.intervals.length);
    if (canonicalJson(pick(again, FIGURES)) !== canonicalJson(pick(baseline, FIGURES)))
      findings.push(
        `${who}: the baseline recomputed from its days is ${canonicalJson(again.baselineWh)}, ` +
          `published ${canonicalJson(baseline.baselineWh)}`,
      );
    if (flexDigest(baseline) !== optIn.baselineHash) findings.push(`${who}: the published baseline does not match the hash on the channel`);
  } else if (optIn.baselineHash !== undefined) findings.push(`${who}: a baseline hash is on the channel but no baseline was read`);
  const committedWh = Math.floor((optIn.committedW * event.intervalSeconds) / 3600);
  const consumption = performance.intervals.map((r) => r.consumptionWh);
  const recomputed = performanceOf(event.intervals, baseline?.baselineWh ?? [], consumption, committedWh, event);
  const { eventId: _e, participantId: _p, ...recorded } = performance as Performance & { eventId?: string; participantId?: string };
  if (canonicalJson(recomputed) !== canonicalJson(recorded))
    findings.push(`${who}: performance and payment recomputed differ from the recorded`);
  if (flexDigest(performance) !== result.performanceHash) findings.push(`${who}: the performance does not match the result's hash`);
  if (result.reductionWh !== recomputed.reductionWh || result.netPaymentMicros !== recomputed.netPaymentMicros)
    findings.push(`${who}: the result's reduction or payment differs from the recomputed`);
  return findings;
}
