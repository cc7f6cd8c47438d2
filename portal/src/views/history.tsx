/**
 * A household's history: a local day or week of its meters' readings per interval (uPlot, Wh exact on
 * hover, times in the user's zone with the interval in UTC), the period's totals, and a CSV of it.
 */
import { useMemo, useState } from 'react';
import { data, type ApiClient } from '../api/client';
import { IntervalChart } from '../chart';
import { downloadCsv } from '../csv';
import { liveReadings, localDay, periodRange, readRanges, sumPerInterval, totalsOf, type Period } from '../history';
import { Show, useLoad } from '../load';
import { instantOf } from '../time';
import { formatKwh } from '../units';

export function History({ api, participantId }: { api: ApiClient; participantId: string }) {
  const [period, setPeriod] = useState<Period>('day');
  const [day, setDay] = useState(() => localDay(Math.floor(Date.now() / 1000) - 86_400));
  const read = useLoad(async () => {
    const path = { participantId };
    const [meters, metering] = await Promise.all([
      data(api.GET('/participants/{participantId}/meters', { params: { path } })),
      data(api.GET('/metering/params')),
    ]);
    const { from, to } = periodRange(period, day);
    const ranges = readRanges(from, to, metering.intervalSeconds);
    const lists = await Promise.all(
      meters.flatMap((m) =>
        ranges.map(([a, b]) =>
          data(
            api.GET('/meters/{meterId}/readings', {
              params: { path: { meterId: m.meterId }, query: { from: instantOf(a), to: instantOf(b - 1) } },
            }),
          ).then(liveReadings),
        ),
      ),
    );
    return { from, to, intervalSeconds: metering.intervalSeconds, meters: meters.length, sums: sumPerInterval(lists.flat()) };
  }, [participantId, period, day]);

  return (
    <section aria-labelledby="history-h" className="card wide">
      <h2 id="history-h">History</h2>
      <form className="form inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          Period
          <select value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
            <option value="day">Day</option>
            <option value="week">Week from that day</option>
          </select>
        </label>
        <label>
          Day
          <input type="date" value={day} onChange={(e) => e.target.value && setDay(e.target.value)} required />
        </label>
      </form>
      <Show of={read} empty={(h) => h.sums.size === 0} emptyText="No readings in this period.">
        {(h) => <PeriodShown data={h} period={period} day={day} />}
      </Show>
    </section>
  );
}

function PeriodShown({
  data: h,
  period,
  day,
}: {
  data: { from: number; to: number; intervalSeconds: number; sums: ReturnType<typeof sumPerInterval> };
  period: Period;
  day: string;
}) {
  const totals = totalsOf(h.sums);
  const chart = useMemo(() => {
    const starts = [...h.sums.keys()];
    return {
      x: starts.map((s) => Date.parse(s) / 1000),
      series: [
        { label: 'Production', color: '#1a7f37', values: starts.map((s) => h.sums.get(s)!.exportWh) },
        { label: 'Consumption', color: '#b35900', values: starts.map((s) => h.sums.get(s)!.importWh) },
      ],
    };
  }, [h]);
  const range = useMemo(() => [h.from, h.to] as [number, number], [h]);
  const download = () =>
    downloadCsv(
      `readings-${period}-${day}.csv`,
      ['intervalStart', 'exportWh', 'importWh'],
      [...h.sums].map(([start, f]) => [start, f.exportWh, f.importWh]),
    );
  return (
    <>
      <dl className="tiles" data-testid="history-totals">
        <div>
          <dt>Produced</dt>
          <dd>{formatKwh(totals.productionWh)}</dd>
        </div>
        <div>
          <dt>Consumed</dt>
          <dd>{formatKwh(totals.consumptionWh)}</dd>
        </div>
        <div>
          <dt>Net</dt>
          <dd className={totals.netWh >= 0 ? 'plus' : 'minus'}>
            {totals.netWh > 0 ? '+' : ''}
            {formatKwh(totals.netWh)}
          </dd>
        </div>
        <div>
          <dt>Intervals with readings</dt>
          <dd>{h.sums.size}</dd>
        </div>
      </dl>
      <IntervalChart
        title={period === 'day' ? 'The day per interval' : 'The week per interval'}
        x={chart.x}
        series={chart.series}
        range={range}
        unit="kWh"
        wh
        intervalSeconds={h.intervalSeconds}
        bars
      />
      <button type="button" onClick={download}>
        Export period CSV
      </button>
    </>
  );
}
