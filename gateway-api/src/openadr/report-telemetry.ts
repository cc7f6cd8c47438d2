/**
 * OpenADR reports as telemetry (docs/openadr.md, "Reports as telemetry"). Pure: which telemetry
 * samples a VEN's report gives for its resources that name a meter.
 *
 * A resource names the meter it measures with the attribute `GL_METER_ID` (one value). Of a report
 * on such a resource, each interval gives one sample of the meter at the interval's start:
 * `DEMAND` is the power consumed (W, or kW when the report's payload descriptor says `KW`), `USAGE`
 * the energy consumed in the interval (Wh, or `KWH`) and gives its mean power. OpenADR counts
 * consumption as positive, the platform's samples count export: a sample's powerW is minus the
 * consumed power. An interval's period is its own `intervalPeriod`, else its resource's. Samples carry
 * no frequency or voltage (a report has none), and only those the telemetry service would take (at
 * most an hour old, at most 60 s ahead) are made; every other interval is named in `skipped` with why.
 */
import { SAMPLE_MAX_AGE_SECONDS, SAMPLE_MAX_AHEAD_SECONDS, TELEMETRY_RANGES } from '@gridledger/core/telemetry';
import { secondsOf, type ValuesMap } from './mapping';

export const METER_ATTRIBUTE = 'GL_METER_ID';
/** The most samples one report gives (a VEN reporting every minute of an hour on 16 resources). */
export const MAX_REPORT_SAMPLES = 1_000;

/** The meter a resource's attributes name, undefined when none; throws when the attribute is malformed. */
export function meterOfAttributes(attributes: unknown): string | undefined {
  if (attributes === undefined || attributes === null) return undefined;
  if (!Array.isArray(attributes)) throw new Error('attributes must be an array of valuesMap objects');
  const named = attributes.filter((a) => (a as ValuesMap | null)?.type === METER_ATTRIBUTE) as ValuesMap[];
  if (named.length === 0) return undefined;
  const values = named[0].values;
  if (named.length > 1 || !Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string')
    throw new Error(`${METER_ATTRIBUTE} must be one attribute with one meter id`);
  return values[0];
}

export interface ReportSample {
  meterId: string;
  /** Whole-second UTC instant. */
  atSeconds: number;
  /** W, + export. */
  powerW: number;
  resourceName: string;
  /** The report interval's `id`. */
  intervalId: unknown;
  payloadType: 'DEMAND' | 'USAGE';
}

export interface SkippedInterval {
  resourceName: string;
  intervalId: unknown;
  /**
   * Why no sample: no period, no DEMAND/USAGE number, units other than W/kW or Wh/kWh, power beyond ±100 MW, more than an
   * hour old or a minute ahead, beyond MAX_REPORT_SAMPLES; at the VTN, a meter no longer the caller's (`meter`) or the
   * broker failing (`relay`).
   */
  reason: 'no-period' | 'no-value' | 'units' | 'out-of-range' | 'too-old' | 'ahead' | 'limit' | 'meter' | 'relay';
}

interface Period {
  start?: unknown;
  duration?: unknown;
}

/** Multipliers to W (DEMAND) and Wh (USAGE) of the units a descriptor may name; absent units are W and Wh. */
const UNITS: Record<'DEMAND' | 'USAGE', Record<string, number>> = {
  DEMAND: { W: 1, KW: 1_000 },
  USAGE: { WH: 1, KWH: 1_000 },
};

function unitsOf(descriptors: unknown, type: 'DEMAND' | 'USAGE'): number | undefined {
  const d = Array.isArray(descriptors)
    ? (descriptors.find((x) => (x as { payloadType?: unknown } | null)?.payloadType === type) as { units?: unknown } | undefined)
    : undefined;
  if (d?.units === undefined || d.units === null) return 1;
  return typeof d.units === 'string' ? UNITS[type][d.units.toUpperCase()] : undefined;
}

/**
 * The samples of a report (its posted body) for the resources that name a meter (`meters`: resource
 * name → meter id), at `nowSeconds`. DEMAND is taken before USAGE when an interval has both.
 */
export function reportSamples(
  report: Record<string, unknown>,
  meters: ReadonlyMap<string, string>,
  nowSeconds: number,
): { samples: ReportSample[]; skipped: SkippedInterval[] } {
  const samples: ReportSample[] = [];
  const skipped: SkippedInterval[] = [];
  const resources = Array.isArray(report.resources) ? (report.resources as Record<string, unknown>[]) : [];
  for (const resource of resources) {
    const resourceName = String(resource?.resourceName);
    const meterId = meters.get(resourceName);
    if (meterId === undefined) continue;
    const intervals = Array.isArray(resource.intervals) ? (resource.intervals as Record<string, unknown>[]) : [];
    for (const interval of intervals) {
      const skip = (reason: SkippedInterval['reason']) => skipped.push({ resourceName, intervalId: interval?.id, reason });
      const period = (interval?.intervalPeriod ?? resource.intervalPeriod ?? {}) as Period;
      const startMs = typeof period.start === 'string' ? Date.parse(period.start) : NaN;
      if (!Number.isFinite(startMs)) {
        skip('no-period');
        continue;
      }
      const atSeconds = Math.floor(startMs / 1000);
      const payloads = Array.isArray(interval.payloads) ? (interval.payloads as ValuesMap[]) : [];
      const found = (['DEMAND', 'USAGE'] as const)
        .map((type) => ({ type, value: payloads.find((p) => p?.type === type)?.values?.[0] }))
        .find((p) => typeof p.value === 'number' && Number.isFinite(p.value));
      if (found === undefined) {
        skip('no-value');
        continue;
      }
      const unit = unitsOf(report.payloadDescriptors, found.type);
      if (unit === undefined) {
        skip('units');
        continue;
      }
      let consumedW = (found.value as number) * unit;
      if (found.type === 'USAGE') {
        const seconds = secondsOf(period.duration);
        if (seconds === undefined || seconds === 0) {
          skip('no-period');
          continue;
        }
        consumedW = (consumedW * 3600) / seconds;
      }
      const powerW = -Math.round(consumedW) || 0;
      if (powerW < TELEMETRY_RANGES.powerW.min || powerW > TELEMETRY_RANGES.powerW.max) skip('out-of-range');
      else if (atSeconds < nowSeconds - SAMPLE_MAX_AGE_SECONDS) skip('too-old');
      else if (atSeconds > nowSeconds + SAMPLE_MAX_AHEAD_SECONDS) skip('ahead');
      else if (samples.length >= MAX_REPORT_SAMPLES) skip('limit');
      else samples.push({ meterId, atSeconds, powerW, resourceName, intervalId: interval.id, payloadType: found.type });
    }
  }
  return { samples, skipped };
}
