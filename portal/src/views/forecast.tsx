/**
 * Forecasts (docs/forecasts.md): a household's meter, or a community's sum (operator, utility,
 * regulator), for the next interval or the next UTC day: PV production, load and net per interval
 * (uPlot, Wh exact on hover), the totals, and for a meter the methods chosen and the readings used.
 */
import { useMemo, useState } from 'react';
import { data, type ApiClient, type Schemas } from '../api/client';
import { IntervalChart } from '../chart';
import { Show, useLoad } from '../load';
import { localDateTime, utcInterval } from '../time';
import { formatKwh } from '../units';

type Horizon = 'next' | 'day';
type Forecast = Schemas['MeterForecast'] | Schemas['CommunityForecast'];

function HorizonSelect({ value, onChange }: { value: Horizon; onChange(h: Horizon): void }) {
  return (
    <label>
      Horizon
      <select value={value} onChange={(e) => onChange(e.target.value as Horizon)}>
        <option value="day">the next day (UTC)</option>
        <option value="next">the next interval</option>
      </select>
    </label>
  );
}

function ForecastShown({ f }: { f: Forecast }) {
  const chart = useMemo(
    () => ({
      x: f.intervals.map((i) => Date.parse(i.intervalStart) / 1000),
      series: [
        { label: 'PV production', color: '#1a7f37', values: f.intervals.map((i) => i.pvWh) },
        { label: 'Load', color: '#b35900', values: f.intervals.map((i) => i.loadWh) },
        { label: 'Net (+ import)', color: '#0b5cad', values: f.intervals.map((i) => i.netWh) },
      ],
    }),
    [f],
  );
  const first = f.intervals[0]?.intervalStart;
  return (
    <>
      <p className="muted">
        Issued {localDateTime(f.issuedAt)}
        {first && (
          <>
            {' '}
            for {f.intervals.length} intervals from{' '}
            <time dateTime={first} title={utcInterval(first, f.intervalSeconds)}>
              {localDateTime(first)}
            </time>
          </>
        )}
        {'methods' in f && `; PV by ${f.methods.pv}, load by ${f.methods.load}, fitted on ${f.readings} readings`}
        {'meters' in f && `; the sum of ${f.meters} meters`}.
      </p>
      <dl className="tiles" data-testid="forecast-totals">
        <div>
          <dt>PV production</dt>
          <dd>{formatKwh(f.totals.pvWh)}</dd>
        </div>
        <div>
          <dt>Load</dt>
          <dd>{formatKwh(f.totals.loadWh)}</dd>
        </div>
        <div>
          <dt>Net (+ import, − export)</dt>
          <dd>{formatKwh(f.totals.netWh)}</dd>
        </div>
      </dl>
      {f.intervals.length > 1 && (
        <IntervalChart title="Forecast per interval" x={chart.x} series={chart.series} unit="kWh" wh intervalSeconds={f.intervalSeconds} />
      )}
    </>
  );
}

export function MeterForecasts({ api, meterIds }: { api: ApiClient; meterIds: string[] }) {
  const [meterId, setMeterId] = useState('');
  const [horizon, setHorizon] = useState<Horizon>('day');
  const shown = meterId || meterIds[0] || '';
  const forecast = useLoad(
    () =>
      shown
        ? data(api.GET('/forecasts/meters/{meterId}', { params: { path: { meterId: shown }, query: { horizon } } }))
        : Promise.resolve(undefined),
    [shown, horizon],
  );
  return (
    <section aria-labelledby="forecast-h" className="card wide">
      <h2 id="forecast-h">Forecast</h2>
      {meterIds.length === 0 ? (
        <p className="muted">Register a meter to see its forecast.</p>
      ) : (
        <>
          <form className="form inline" onSubmit={(e) => e.preventDefault()}>
            <label>
              Meter
              <select value={shown} onChange={(e) => setMeterId(e.target.value)}>
                {meterIds.map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            </label>
            <HorizonSelect value={horizon} onChange={setHorizon} />
          </form>
          <Show of={forecast}>{(f) => (f ? <ForecastShown f={f} /> : null)}</Show>
        </>
      )}
    </section>
  );
}

export function CommunityForecast({ api, communityId }: { api: ApiClient; communityId: string }) {
  const [horizon, setHorizon] = useState<Horizon>('day');
  const forecast = useLoad(
    () => data(api.GET('/communities/{communityId}/forecast', { params: { path: { communityId }, query: { horizon } } })),
    [communityId, horizon],
  );
  return (
    <section aria-labelledby="community-forecast-h" className="card wide">
      <h2 id="community-forecast-h">Forecast of the community</h2>
      <form className="form inline" onSubmit={(e) => e.preventDefault()}>
        <HorizonSelect value={horizon} onChange={setHorizon} />
      </form>
      <Show of={forecast} empty={(f) => f.meters === 0} emptyText="No meter in this community to forecast.">
        {(f) => <ForecastShown f={f} />}
      </Show>
    </section>
  );
}
