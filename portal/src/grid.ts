/**
 * The grid view's figures, pure (docs/portal.md, Grid): each zone of an interval with what was
 * measured in it (or, for the interval under way, the live balance), its feeder's loading and
 * cleared flow, and the states a person must notice: feeder congested, zone islanded, load shed,
 * demand response under way; the load sheddings not over yet; one zone's supply and demand per interval.
 */
import { subtreeOf } from '@gridledger/core/grid';
import { DEFAULT_ALERT_RULES, type ZoneIntervalTelemetry } from '@gridledger/core/telemetry';
import type { Schemas } from './api/client';
import type { operations } from './api/schema.gen';
import { localDateTime } from './time';

type Ok<R> = R extends { 200: { content: { 'application/json': infer T } } } ? T : never;
export type IntervalZones = Ok<operations['getIntervalZones']['responses']>;
export type IslandView = Ok<operations['getIslandMode']['responses']>;
export type Shedding = Ok<operations['listLoadSheddings']['responses']>['sheddings'][number];
export type LiveZone = NonNullable<Schemas['GridLive']['balance']>['zones'][number];
export type FlexEvent = Pick<Ok<operations['listFlexEvents']['responses']>['items'][number], 'eventId' | 'zoneIds' | 'intervals'>;

/** A feeder is congested from this loading on (the FEEDER_OVERLOAD alert's threshold), or when the clearing held it at a limit. */
export const CONGESTED_PPM = DEFAULT_ALERT_RULES.feederRaisePpm;

type Measured = Pick<ZoneIntervalTelemetry, 'meanSupplyW' | 'meanDemandW' | 'peakLoadingPpm'>;

export interface ZoneState {
  zoneId: string;
  parentZoneId: string | null;
  importLimitW: number;
  exportLimitW: number;
  /** Mean W measured over the interval, or the live W for the interval under way; null: nothing known. */
  supplyW: number | null;
  demandW: number | null;
  source: 'measured' | 'live' | null;
  /** The feeder's peak loading measured (or its live loading), ppm of the limit in the flow's direction. */
  loadingPpm: number | null;
  /** The clearing's flow on the zone's feeder and the limit it was held at (export, import), null when none. */
  flowWh: number | null;
  binding: string | null;
  priceMicrosPerKwh: number | null;
  congested: boolean;
  islanded: boolean;
  /** The load-shedding orders that reach the zone in the interval, by number. */
  sheddingIds: number[];
  /** The demand-response events of the zone in the interval. */
  flexEventIds: string[];
}

/** Every zone of the interval with its state; `live` only for the interval under way. */
export function zoneStates(
  view: IntervalZones,
  more: { live?: readonly LiveZone[]; sheddings: readonly Shedding[]; flexEvents: readonly FlexEvent[] },
): ZoneState[] {
  const shedding = more.sheddings.filter((s) => s.intervals.includes(view.intervalStart));
  const reach = new Map(shedding.map((s) => [s.sheddingId, s.zoneId === null ? undefined : subtreeOf(s.zoneId, view.zones)]));
  const flex = more.flexEvents.filter((e) => e.intervals.includes(view.intervalStart));
  return view.zones.map((z) => {
    const measured = z.measured as Measured | null;
    const live = measured === null ? more.live?.find((l) => l.zone === z.zoneId) : undefined;
    const loadingPpm = measured?.peakLoadingPpm ?? live?.loadingPpm ?? null;
    const binding = z.feeder?.binding ?? null;
    return {
      zoneId: z.zoneId,
      parentZoneId: z.parentZoneId,
      importLimitW: z.importLimitW,
      exportLimitW: z.exportLimitW,
      supplyW: measured?.meanSupplyW ?? live?.supplyW ?? null,
      demandW: measured?.meanDemandW ?? live?.demandW ?? null,
      source: measured !== null ? 'measured' : live !== undefined ? 'live' : null,
      loadingPpm,
      flowWh: z.feeder?.flowWh ?? null,
      binding,
      priceMicrosPerKwh: z.priceMicrosPerKwh,
      congested: z.parentZoneId !== null && (binding !== null || (loadingPpm ?? 0) >= CONGESTED_PPM),
      islanded: view.mode === 'islanded',
      sheddingIds: shedding.filter((s) => reach.get(s.sheddingId)?.has(z.zoneId) ?? true).map((s) => s.sheddingId),
      flexEventIds: flex.filter((e) => e.zoneIds.includes(z.zoneId)).map((e) => e.eventId),
    };
  });
}

/** What a person reads of the island mode: the mode now (islanded marked bad) and each change ahead (marked warn). */
export function islandNotes(view: IslandView, nowSeconds: number): { kind?: 'bad' | 'warn'; text: string }[] {
  const record = view.mode === 'islanded' ? view.record : null;
  const now = record
    ? {
        kind: 'bad' as const,
        text:
          `Islanded since ${localDateTime(record.since)} (${record.cause}: ${record.reason}): ` +
          'nothing is bought from or sold to the utility.',
      }
    : { text: "Connected to the utility's grid." };
  const ahead = view.changes
    .filter((c) => Date.parse(c.since) / 1000 > nowSeconds)
    .map((c) => ({ kind: 'warn' as const, text: `From ${localDateTime(c.since)}: ${c.mode} (${c.reason}).` }));
  return [now, ...ahead];
}

/** The orders whose window has not ended at `nowSeconds`, each under way or ahead. */
export function sheddingsNotOver(sheddings: readonly Shedding[], nowSeconds: number): (Shedding & { underWay: boolean })[] {
  return sheddings
    .filter((s) => Date.parse(s.to) / 1000 > nowSeconds)
    .map((s) => ({ ...s, underWay: Date.parse(s.from) / 1000 <= nowSeconds }));
}

/** One zone's supply and demand (W) per interval, oldest first: measured, else the live balance for the interval under way (`current`). */
export function zoneSeries(
  views: readonly IntervalZones[],
  zoneId: string,
  now: { current: string; live?: readonly LiveZone[] },
): { x: number[]; supplyW: (number | null)[]; demandW: (number | null)[] } {
  const states = views.map(
    (view) =>
      zoneStates(
        { ...view, zones: view.zones.filter((z) => z.zoneId === zoneId) },
        { live: view.intervalStart === now.current ? now.live : undefined, sheddings: [], flexEvents: [] },
      )[0],
  );
  return {
    x: views.map((v) => Date.parse(v.intervalStart) / 1000),
    supplyW: states.map((s) => s?.supplyW ?? null),
    demandW: states.map((s) => s?.demandW ?? null),
  };
}
