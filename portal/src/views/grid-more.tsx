/**
 * More of the grid tab (docs/portal.md, Grid): the grid model's versions (which is in force, which are
 * ahead, who changed it), and, for the operator and the utility, one meter's telemetry: its recent samples
 * drawn and its latest values. The regulator sees no device (a meter is a household's).
 */
import { useState } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { IntervalChart } from '../chart';
import { newestOf } from '../listed';
import { Show, useLoad } from '../load';
import { LookUp } from '../look-up';
import { Table } from '../table';
import { samplesOf, telemetrySummary, versionStates } from '../telemetry';
import { useTick } from '../tick';
import { instantOf, localDateTime } from '../time';
import { formatKw, scaledDecimal } from '../units';
import { GridAlerts } from './alerts';
import { GridView } from './grid';

/**
 * The grid tab: the grid now and its zones (aggregates), the active alerts, the model's versions; with
 * `devices` (operator, utility) also a meter's telemetry.
 */
export function GridTab(props: { api: ApiClient; communityId: string; events: LedgerEvent[]; devices: boolean }) {
  return (
    <>
      <GridView api={props.api} communityId={props.communityId} events={props.events} />
      <GridAlerts api={props.api} communityId={props.communityId} idPrefix="grid-" />
      <GridModelVersions api={props.api} communityId={props.communityId} events={props.events} />
      {props.devices && <DeviceTelemetry api={props.api} communityId={props.communityId} />}
    </>
  );
}

/** Read again on `GridModelChanged`; the states follow the clock (a version ahead comes into force). */
export function GridModelVersions({ api, communityId, events }: { api: ApiClient; communityId: string; events: LedgerEvent[] }) {
  const changed = newestOf(events, /^GridModelChanged$/, communityId);
  const versions = useLoad(
    () => data(api.GET('/communities/{communityId}/grid/versions', { params: { path: { communityId } } })),
    [communityId, changed],
  );
  useTick(10_000);
  return (
    <section className="card wide" aria-labelledby="grid-versions-h">
      <h2 id="grid-versions-h">Grid model versions</h2>
      <Show of={versions} empty={(v) => v.versions.length === 0} emptyText="The utility has set no grid model for this community.">
        {(v) => (
          <Table
            testId="grid-versions"
            columns={[
              { label: 'Version', num: true },
              { label: 'State' },
              { label: 'In force from' },
              { label: 'Zones' },
              { label: 'Changed by' },
              { label: 'Changed' },
            ]}
          >
            {versionStates(v.versions, Date.now() / 1000).map((x) => (
              <tr key={x.number} data-version={x.number}>
                <td className="num">{x.number}</td>
                <td>
                  <span className={x.state === 'in force' ? 'state ok' : x.state === 'ahead' ? 'state warn' : 'muted'}>{x.state}</span>
                </td>
                <td>
                  <time dateTime={x.effectiveFrom} title={`${x.effectiveFrom} UTC`}>
                    {localDateTime(x.effectiveFrom)}
                  </time>
                </td>
                <td>
                  {x.zones
                    .map((z) =>
                      z.parentZoneId === null ? z.zoneId : `${z.zoneId} (${formatKw(z.importLimitW)} / ${formatKw(z.exportLimitW)})`,
                    )
                    .join(', ')}
                </td>
                <td>
                  {x.changedBy} ({x.mspId})
                </td>
                <td>
                  <time dateTime={x.changedAt} title={`${x.changedAt} UTC`}>
                    {localDateTime(x.changedAt)}
                  </time>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </section>
  );
}

const SPANS = [
  { label: 'last 15 minutes', seconds: 900 },
  { label: 'last hour', seconds: 3600 },
];

/** A meter of the community's live view, or one named by id: its samples over the span chosen, read again every 10 s. */
export function DeviceTelemetry({ api, communityId }: { api: ApiClient; communityId: string }) {
  const live = useLoad(() => data(api.GET('/communities/{communityId}/grid/live', { params: { path: { communityId } } })), [communityId]);
  const meters = (live.data?.devices ?? []).filter((d) => d.kind === 'meter').map((d) => d.deviceId);
  const [named, setNamed] = useState('');
  const [span, setSpan] = useState(SPANS[0].seconds);
  const meterId = named;
  return (
    <section className="card wide" aria-labelledby="device-h">
      <h2 id="device-h">Telemetry of a device</h2>
      <div className="form inline">
        {meters.length > 0 && (
          <label>
            Meter
            <select value={meters.includes(meterId) ? meterId : ''} onChange={(e) => setNamed(e.target.value)}>
              <option value="">—</option>
              {meters.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          Span
          <select value={span} onChange={(e) => setSpan(Number(e.target.value))}>
            {SPANS.map((s) => (
              <option key={s.seconds} value={s.seconds}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <LookUp label="Meter id" button="Show telemetry" onFound={setNamed} />
      {meterId ? (
        <MeterSeries api={api} meterId={meterId} span={span} />
      ) : (
        <p className="muted">Pick a meter of the live view or name one to see its samples.</p>
      )}
    </section>
  );
}

function MeterSeries({ api, meterId, span }: { api: ApiClient; meterId: string; span: number }) {
  const tick = useTick(10_000);
  const series = useLoad(() => {
    const to = Math.floor(Date.now() / 1000) + 1;
    const query = { from: instantOf(to - span), to: instantOf(to), resolution: 'raw' as const };
    return data(api.GET('/meters/{meterId}/telemetry', { params: { path: { meterId }, query } }));
  }, [meterId, span, tick]);
  return (
    <Show of={series} empty={(s) => samplesOf(s.series).length === 0} emptyText={`No samples from meter ${meterId} in this span.`}>
      {(s) => {
        const summary = telemetrySummary(samplesOf(s.series));
        const latest = summary.latest!;
        return (
          <>
            <dl className="facts" data-testid="device-latest">
              <dt>Meter</dt>
              <dd>
                <code>{meterId}</code>
              </dd>
              <dt>Latest sample</dt>
              <dd>
                <time dateTime={latest.at} title={`${latest.at} UTC`}>
                  {localDateTime(latest.at)}
                </time>
              </dd>
              <dt>Power (+ export)</dt>
              <dd>{formatKw(latest.powerW)}</dd>
              <dt>Frequency</dt>
              <dd>{scaledDecimal(latest.frequencyMHz, 3)} Hz</dd>
              <dt>Voltage</dt>
              <dd>{scaledDecimal(latest.voltageMv, 3)} V</dd>
              <dt>Samples, lowest and highest power</dt>
              <dd>
                {summary.x.length}: {formatKw(summary.minPowerW!)} to {formatKw(summary.maxPowerW!)}
              </dd>
            </dl>
            <IntervalChart
              title={`Meter ${meterId}: power per sample (+ export)`}
              x={summary.x}
              series={[{ label: 'Power', color: '#1f5fa8', values: summary.powerW }]}
              unit="kW"
              w
            />
          </>
        );
      }}
    </Show>
  );
}
