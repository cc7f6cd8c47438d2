/**
 * A household's flexible resources and an EV's smart charging (docs/portal.md, Flexibility; docs/dispatch.md):
 * its flexible resources (batteries and EV chargers, `GET /resources`, read again on its `FlexResourceRegistered`), their
 * limits, and for an EV the cheapest charging schedule of a session (`POST /resources/{id}/charging-schedule`:
 * advice, nothing recorded) with its cost, per interval and drawn.
 */
import { useState, type FormEvent } from 'react';
import { data, type ApiClient, type Schemas } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { Outcome, useAction } from '../action';
import { IntervalChart } from '../chart';
import { chargingRequestOf, headroomText, slotSeries, type ChargingForm } from '../charging';
import { allPages, newestOf } from '../listed';
import { Show, useLoad } from '../load';
import { Table } from '../table';
import { localDateTime, utcInterval } from '../time';
import { formatCredits, formatKw, formatKwh, formatPrice } from '../units';

type Schedule = Schemas['ChargingSchedule'];
type FlexResource = NonNullable<Awaited<ReturnType<typeof listResources>>>['items'][number];

const listResources = (api: ApiClient, bookmark: string) => data(api.GET('/resources', { params: { query: { pageSize: 100, bookmark } } }));

const FIELD_NAMES: Record<keyof ChargingForm, string> = {
  energyKwh: 'Energy to charge',
  arrival: 'Plugged in from',
  departure: 'Leaves at',
};

export function FlexResources({ api, events }: { api: ApiClient; events: LedgerEvent[] }) {
  const registered = newestOf(events, /^FlexResourceRegistered$/);
  const listed = useLoad(() => allPages((bookmark) => listResources(api, bookmark), 5), [registered]);
  return (
    <section aria-labelledby="resources-h" className="card wide">
      <h2 id="resources-h">Your flexible resources and EV smart charging</h2>
      <p className="muted">
        The batteries and EV chargers you registered (your flexible resources) with the limits you allow. For an EV, the cheapest schedule
        for a charging session within the charger's power and the feeder's headroom, priced at yesterday's clearing prices (else the retail
        price).
      </p>
      <Show of={listed} empty={(l) => l.items.length === 0} emptyText="You have registered no battery or EV charger.">
        {(l) => (
          <>
            {l.items.map((r) => (
              <Resource key={r.resourceId} api={api} resource={r} />
            ))}
            {l.more && <p className="muted">The first {l.items.length} are shown.</p>}
          </>
        )}
      </Show>
    </section>
  );
}

function Resource({ api, resource: r }: { api: ApiClient; resource: FlexResource }) {
  const { resourceId } = r;
  return (
    <article className="sub" data-testid="resource" aria-label={`Resource ${resourceId}`}>
      <h3>Resource {resourceId}</h3>
      <dl className="facts">
        <dt>Kind</dt>
        <dd>{r.kind === 'ev' ? 'EV charger' : 'battery'}</dd>
        <dt>Meter, zone</dt>
        <dd>
          <code>{r.meterId}</code>, {r.zone}
        </dd>
        <dt>Power at most</dt>
        <dd>{formatKw(r.maxPowerW)}</dd>
        <dt>Capacity, kept at least</dt>
        <dd>
          {formatKwh(r.capacityWh)}, {formatKwh(r.minSocWh)}
        </dd>
        {r.departureAt && (
          <>
            <dt>Leaves at</dt>
            <dd>
              <time dateTime={r.departureAt} title={`${r.departureAt} UTC`}>
                {localDateTime(r.departureAt)}
              </time>
              {r.targetWh !== null ? `, charged to ${formatKwh(r.targetWh)}` : ''}
            </dd>
          </>
        )}
      </dl>
      {r.kind === 'ev' && <ChargingPlanner api={api} resourceId={resourceId} />}
    </article>
  );
}

function ChargingPlanner({ api, resourceId }: { api: ApiClient; resourceId: string }) {
  const [form, setForm] = useState<ChargingForm>({ energyKwh: '5', arrival: '', departure: '' });
  const parsed = chargingRequestOf(form);
  const invalid = 'invalid' in parsed ? parsed.invalid : undefined;
  const planned = useAction<Schedule>();
  const plan = (e: FormEvent) => {
    e.preventDefault();
    if (!('request' in parsed)) return;
    void planned.run(() =>
      data(api.POST('/resources/{resourceId}/charging-schedule', { params: { path: { resourceId } }, body: parsed.request })),
    );
  };
  const field = (key: keyof ChargingForm, type: string, hint: string) => (
    <label>
      {FIELD_NAMES[key]} {hint}
      <input
        type={type}
        inputMode={type === 'text' ? 'decimal' : undefined}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        aria-invalid={invalid === key}
        required={key === 'energyKwh'}
      />
    </label>
  );
  return (
    <>
      <form className="form" onSubmit={plan} data-testid="charging">
        {field('energyKwh', 'text', '(kWh)')}
        {field('arrival', 'datetime-local', '(empty: now)')}
        {field('departure', 'datetime-local', '(empty: as registered)')}
        {invalid && (
          <p className="error" role="alert">
            {FIELD_NAMES[invalid]}: not a time or amount that can be taken exactly{invalid === 'departure' ? ' (after the arrival)' : ''}.
          </p>
        )}
        <button type="submit" disabled={planned.busy || invalid !== undefined}>
          Plan charging
        </button>
      </form>
      <Outcome
        of={planned}
        done={(s) =>
          s.feasible
            ? `${formatKwh(s.energyWh)} in ${s.slots.length} intervals for ${formatCredits(s.costMicros)}.`
            : `Only ${formatKwh(s.energyWh)} fits before departure (${formatKwh(s.shortfallWh)} short), for ${formatCredits(s.costMicros)}.`
        }
      />
      {planned.result && !planned.busy && <ScheduleTable s={planned.result} />}
    </>
  );
}

function ScheduleTable({ s }: { s: Schedule }) {
  const series = slotSeries(s.slots);
  const seconds = s.slots.length > 1 ? series.x[1] - series.x[0] : 900;
  return (
    <>
      <p data-testid="charging-session">
        Session{' '}
        <time dateTime={s.session.arrivalAt} title={`${s.session.arrivalAt} UTC`}>
          {localDateTime(s.session.arrivalAt)}
        </time>{' '}
        to{' '}
        <time dateTime={s.session.departureAt} title={`${s.session.departureAt} UTC`}>
          {localDateTime(s.session.departureAt)}
        </time>
        , charger {formatKw(s.session.maxPowerW)}, {headroomText(s.headroomW, formatKw)}.
      </p>
      <Table
        testId="charging-slots"
        columns={[{ label: 'Interval' }, { label: 'Energy', num: true }, { label: 'Power', num: true }, { label: 'Price', num: true }]}
      >
        {s.slots.map((slot) => (
          <tr key={slot.intervalStart}>
            <td>
              <time dateTime={slot.intervalStart} title={utcInterval(slot.intervalStart, seconds)}>
                {localDateTime(slot.intervalStart)}
              </time>
            </td>
            <td className="num">{formatKwh(slot.energyWh)}</td>
            <td className="num">{formatKw(slot.powerW)}</td>
            <td className="num">{formatPrice(slot.priceMicrosPerKwh)}</td>
          </tr>
        ))}
      </Table>
      {s.slots.length > 0 && (
        <IntervalChart
          title="Charging per interval"
          x={series.x}
          series={[{ label: 'Energy', color: '#1f5fa8', values: series.energyWh }]}
          unit="kWh"
          wh
          intervalSeconds={seconds}
        />
      )}
    </>
  );
}
