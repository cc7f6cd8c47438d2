/**
 * The grid view of the community operator and the utility (docs/portal.md, Grid): the island mode and the
 * load sheddings not over yet; every zone of an interval (the one under way unless another is picked) with
 * its supply and demand, its feeder's loading and cleared flow and what holds it (congested, islanded,
 * shed, demand response); one zone's supply and demand over the last intervals, drawn. Read again on the
 * stream's grid events and when the interval changes; the live balance every 10 s.
 */
import { useMemo, useState } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { IntervalChart } from '../chart';
import {
  islandNotes,
  sheddingsNotOver,
  zoneSeries,
  zoneStates,
  type FlexEvent,
  type IntervalZones,
  type LiveZone,
  type Shedding,
  type ZoneState,
} from '../grid';
import { IntervalSelect } from '../interval-select';
import { intervalsAround } from '../lifecycle';
import { newestOf } from '../listed';
import { ErrorNote, Show, useLoad } from '../load';
import { Table } from '../table';
import { useTick } from '../tick';
import { instantOf, localDateTime, utcInterval } from '../time';
import { formatKw, formatKwh, formatPpm, formatPrice } from '../units';

/** The events after which the view reads the ledger again. */
const GRID_EVENTS =
  /^(IslandModeChanged|LoadSheddingOrdered|ZoneTelemetryRecorded|GridModelChanged|Interval(Cleared|Settled)|FlexEventCalled)$/;
const PAST = 8;
const AHEAD = 2;

type Props = { api: ApiClient; communityId: string; events: LedgerEvent[] };

export function GridView({ api, communityId, events }: Props) {
  const path = { communityId };
  const params = useLoad(() => data(api.GET('/markets/{communityId}/params', { params: { path } })), [communityId]);
  const step = params.data?.params.intervalSeconds;
  const tick = useTick(10_000);
  const now = Date.now() / 1000;
  const current = step === undefined ? '' : instantOf(Math.floor(now / step) * step);
  const intervals = useMemo(() => (step === undefined ? [] : intervalsAround(step, PAST, AHEAD)), [step, current]);
  const changed = newestOf(events, GRID_EVENTS, communityId);
  const views = useLoad(
    () =>
      Promise.all(
        intervals.map((intervalStart) =>
          data(api.GET('/communities/{communityId}/intervals/{intervalStart}/zones', { params: { path: { communityId, intervalStart } } })),
        ),
      ),
    [communityId, intervals, changed],
  );
  const island = useLoad(() => data(api.GET('/communities/{communityId}/island', { params: { path } })), [communityId, changed, current]);
  const sheddings = useLoad(() => data(api.GET('/communities/{communityId}/load-sheddings', { params: { path } })), [communityId, changed]);
  const flex = useLoad(() => {
    const from = intervals.length === 0 ? '' : instantOf(Date.parse(intervals[0]) / 1000 - 86_400);
    return data(api.GET('/communities/{communityId}/flex-events', { params: { path, query: { from, pageSize: 100 } } }));
  }, [communityId, intervals, changed]);
  const live = useLoad(() => data(api.GET('/communities/{communityId}/grid/live', { params: { path } })), [communityId, tick]);

  if (params.error !== undefined) return <ErrorNote error={params.error} />;
  return (
    <>
      <section className="card wide" aria-labelledby="grid-now-h">
        <h2 id="grid-now-h">The grid now</h2>
        <Show of={island}>
          {(i) =>
            islandNotes(i, now).map((n) => (
              <p key={n.text} data-testid="island" className={n.kind === undefined ? undefined : `state ${n.kind}`}>
                {n.text}
              </p>
            ))
          }
        </Show>
        <h3>Load shedding</h3>
        <Show
          of={sheddings}
          empty={(s) => sheddingsNotOver(s.sheddings, now).length === 0}
          emptyText="No load shedding under way or ordered."
        >
          {(s) => <SheddingList sheddings={sheddingsNotOver(s.sheddings, now)} />}
        </Show>
      </section>
      {step !== undefined && (
        <Zones
          views={views.data}
          error={views.error}
          intervals={intervals}
          current={current}
          step={step}
          live={live.data?.balance?.zones}
          sheddings={sheddings.data?.sheddings ?? []}
          flexEvents={flex.data?.items ?? []}
        />
      )}
    </>
  );
}

function SheddingList({ sheddings }: { sheddings: (Shedding & { underWay: boolean })[] }) {
  return (
    <ul className="plain" data-testid="sheddings">
      {sheddings.map((s) => (
        <li key={s.sheddingId} className={s.underWay ? 'state bad' : 'state warn'}>
          Load shedding #{s.sheddingId} {s.underWay ? 'under way' : 'ordered'}: {formatKw(s.shedW)} in{' '}
          {s.zoneId === null ? 'the whole community' : `zone ${s.zoneId} and below`}, {localDateTime(s.from)} to {localDateTime(s.to)} (
          {s.reason})
        </li>
      ))}
    </ul>
  );
}

/** The zones of the interval picked (the one under way first) and one zone's supply and demand drawn. */
function Zones(props: {
  views?: IntervalZones[];
  error?: unknown;
  intervals: string[];
  current: string;
  step: number;
  live?: LiveZone[];
  sheddings: Shedding[];
  flexEvents: FlexEvent[];
}) {
  const [picked, setPicked] = useState('');
  const [zonePicked, setZonePicked] = useState('');
  const interval = props.intervals.includes(picked) ? picked : props.current;
  const view = props.views?.find((v) => v.intervalStart === interval);
  const states = view
    ? zoneStates(view, {
        live: interval === props.current ? props.live : undefined,
        sheddings: props.sheddings,
        flexEvents: props.flexEvents,
      })
    : [];
  const zoneIds = [...new Set((props.views ?? []).flatMap((v) => v.zones.map((z) => z.zoneId)))].sort();
  const zone = zoneIds.includes(zonePicked)
    ? zonePicked
    : (zoneIds.find((z) => states.find((s) => s.zoneId === z)?.parentZoneId) ?? zoneIds[0]);
  const series = props.views && zone ? zoneSeries(props.views, zone, { current: props.current, live: props.live }) : undefined;
  const when = interval === props.current ? 'under way' : interval < props.current ? 'ended' : 'ahead';
  return (
    <section className="card wide" aria-labelledby="zones-h">
      <h2 id="zones-h">Zones</h2>
      <form className="form inline" onSubmit={(e) => e.preventDefault()}>
        <IntervalSelect label="Interval" intervals={props.intervals} intervalSeconds={props.step} value={interval} onChange={setPicked} />
      </form>
      {props.error !== undefined && <ErrorNote error={props.error} />}
      {!view && props.error === undefined && (
        <p className="muted" aria-busy="true">
          Loading…
        </p>
      )}
      {view && (
        <>
          <p data-testid="interval-summary">
            <time dateTime={interval} title={utcInterval(interval, props.step)}>
              {localDateTime(interval)}
            </time>{' '}
            ({when}): settles {view.mode}
            {view.clearingMethod
              ? `, cleared ${view.clearingMethod}${view.congested ? ' with a feeder at its limit' : ''}`
              : ', not cleared yet'}
            {view.shedWh > 0 ? `, ${formatKwh(view.shedWh)} shed` : ''}.
          </p>
          {states.length === 0 ? (
            <p className="muted">No grid model in force at this interval: the utility sets the zones and their feeder limits.</p>
          ) : (
            <ZoneTable states={states} />
          )}
        </>
      )}
      {zoneIds.length > 0 && series && (
        <>
          <form className="form inline" onSubmit={(e) => e.preventDefault()}>
            <label>
              Zone drawn
              <select value={zone} onChange={(e) => setZonePicked(e.target.value)}>
                {zoneIds.map((z) => (
                  <option key={z}>{z}</option>
                ))}
              </select>
            </label>
          </form>
          {[...series.supplyW, ...series.demandW].every((v) => v === null) ? (
            <p className="muted">Nothing measured in zone {zone} over these intervals yet.</p>
          ) : (
            <IntervalChart
              title={`Zone ${zone}: supply and demand per interval`}
              x={series.x}
              series={[
                { label: 'Supply', color: '#1a7f37', values: series.supplyW },
                { label: 'Demand', color: '#b35900', values: series.demandW },
              ]}
              unit="kW"
              w
              intervalSeconds={props.step}
            />
          )}
        </>
      )}
    </section>
  );
}

function ZoneTable({ states }: { states: ZoneState[] }) {
  return (
    <Table
      testId="grid-zones"
      columns={[
        { label: 'Zone' },
        { label: 'State' },
        { label: 'Supply', num: true },
        { label: 'Demand', num: true },
        { label: 'Measured' },
        { label: 'Feeder loading', num: true },
        { label: 'Cleared flow', num: true },
        { label: 'Import / export limit', num: true },
        { label: 'Price', num: true },
      ]}
    >
      {states.map((z) => (
        <tr key={z.zoneId} data-zone={z.zoneId}>
          <td>
            {z.zoneId}
            {z.parentZoneId === null ? ' (connection point)' : ''}
          </td>
          <td className="states">
            <States z={z} />
          </td>
          <td className="num">{z.supplyW === null ? '—' : formatKw(z.supplyW)}</td>
          <td className="num">{z.demandW === null ? '—' : formatKw(z.demandW)}</td>
          <td>{z.source === 'measured' ? 'interval mean' : z.source === 'live' ? 'live now' : 'nothing yet'}</td>
          <td className="num">{formatPpm(z.loadingPpm)}</td>
          <td className="num">
            {z.flowWh === null ? '—' : formatKwh(z.flowWh)}
            {z.binding ? ` (at ${z.binding} limit)` : ''}
          </td>
          <td className="num">{z.parentZoneId === null ? '—' : `${formatKw(z.importLimitW)} / ${formatKw(z.exportLimitW)}`}</td>
          <td className="num">{z.priceMicrosPerKwh === null ? '—' : formatPrice(z.priceMicrosPerKwh)}</td>
        </tr>
      ))}
    </Table>
  );
}

/** What holds the zone in the interval, each as a marked word; "Normal" when nothing does. */
function States({ z }: { z: ZoneState }) {
  const states = [
    ...(z.congested ? [{ kind: 'bad', text: 'Feeder congested' }] : []),
    ...(z.islanded ? [{ kind: 'bad', text: 'Islanded' }] : []),
    ...z.sheddingIds.map((id) => ({ kind: 'bad', text: `Load shed (#${id})` })),
    ...z.flexEventIds.map((id) => ({ kind: 'warn', text: `Demand response (${id})` })),
  ];
  if (states.length === 0) return <span className="muted">Normal</span>;
  return (
    <>
      {states.map((x) => (
        <span key={x.text} className={`state ${x.kind}`}>
          {x.text}
        </span>
      ))}
    </>
  );
}
