/**
 * The certificate report of a period (at most 92 days) of the community shown: its figures on the page
 * (per producer and source, the totals, the market's volumes and prices, the renewable and matched shares),
 * or the report as CSV or PDF, as `GET /reports/certificates` makes it.
 */
import { useState } from 'react';
import { data, type ApiClient, type Schemas } from '../api/client';
import { Outcome, useAction } from '../action';
import { saveFile } from '../csv';
import { ErrorNote } from '../load';
import { reportPeriod } from '../report';
import { Table } from '../table';
import { instantOf, localDateTime, localMidnight } from '../time';
import { formatKwh, formatPpm, formatPrice } from '../units';

type Report = Schemas['CertificateReport'];

export function CertificateReport({ api, communityId }: { api: ApiClient; communityId: string }) {
  const today = instantOf(localMidnight() + 43_200).slice(0, 10);
  const [range, setRange] = useState({ from: today, to: today });
  const saved = useAction<string>();
  const shown = useAction<Report>();
  const download = (format: 'csv' | 'pdf') =>
    void saved.run(async () => {
      const query = { ...reportPeriod(range), communityId, format };
      const blob = await data(api.GET('/reports/certificates', { params: { query }, parseAs: 'blob' }));
      const name = `certificates-${communityId}-${range.from}-${range.to}.${format}`;
      saveFile(name, blob as unknown as Blob);
      return name;
    });
  const show = () =>
    void shown.run(
      async () =>
        // JSON by default; the route's other types (CSV, PDF) are strings in the generated answer type.
        (await data(api.GET('/reports/certificates', { params: { query: { ...reportPeriod(range), communityId } } }))) as Report,
    );
  return (
    <section className="card wide" aria-labelledby="report-h">
      <h2 id="report-h">Certificate report</h2>
      <p className="muted">Per producer and source, P2P volumes and prices, the renewable share of consumption (UTC days).</p>
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          show();
        }}
      >
        <label>
          First day
          <input type="date" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} required />
        </label>
        <label>
          Last day
          <input type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} required />
        </label>
        <button type="submit" disabled={shown.busy}>
          Show report
        </button>
        <button type="button" disabled={saved.busy} onClick={() => download('csv')}>
          Download CSV
        </button>
        <button type="button" disabled={saved.busy} onClick={() => download('pdf')}>
          Download PDF
        </button>
      </form>
      <Outcome of={saved} done={(name) => `Saved ${name}.`} />
      {shown.busy && (
        <p className="muted" aria-busy="true">
          Gathering the report…
        </p>
      )}
      {shown.error !== undefined && <ErrorNote error={shown.error} />}
      {shown.result && !shown.busy && <ReportFigures r={shown.result} />}
    </section>
  );
}

function ReportFigures({ r }: { r: Report }) {
  const t = r.totals;
  return (
    <div data-testid="report-figures">
      <p>
        <time dateTime={r.from} title={`${r.from} UTC`}>
          {localDateTime(r.from)}
        </time>{' '}
        to{' '}
        <time dateTime={r.to} title={`${r.to} UTC`}>
          {localDateTime(r.to)}
        </time>
        , as of {localDateTime(r.asOf)}.
      </p>
      <h3>Certificates per producer and source</h3>
      {r.producers.length === 0 ? (
        <p className="muted">No certificate was issued in this period.</p>
      ) : (
        <Table
          testId="report-producers"
          columns={[
            { label: 'Producer' },
            { label: 'Source' },
            { label: 'Assets', num: true },
            { label: 'Issued', num: true },
            { label: 'Active', num: true },
            { label: 'Expired', num: true },
            { label: 'Withdrawn', num: true },
            { label: 'Transferred', num: true },
            { label: 'Claimed', num: true },
          ]}
        >
          {[...r.producers, { producerId: 'Total', source: '', ...t }].map((p) => (
            <tr key={`${p.producerId}/${p.source}`} data-producer={p.producerId}>
              <td>{p.producerId}</td>
              <td>{p.source}</td>
              <td className="num">{p.assets}</td>
              <td className="num">{formatKwh(p.issuedWh)}</td>
              <td className="num">{formatKwh(p.activeWh)}</td>
              <td className="num">{formatKwh(p.expiredWh)}</td>
              <td className="num">{formatKwh(p.withdrawnWh)}</td>
              <td className="num">
                {formatKwh(p.transferredWh)} ({p.transfers})
              </td>
              <td className="num">
                {formatKwh(p.claimedWh)} ({p.claims})
              </td>
            </tr>
          ))}
        </Table>
      )}
      <dl className="facts" data-testid="report-market">
        {r.market === null ? (
          <>
            <dt>Market</dt>
            <dd>not in the report (no community named)</dd>
          </>
        ) : (
          <>
            <dt>Intervals</dt>
            <dd>
              {r.market.intervals}
              {r.market.notSettled.length > 0 ? `, ${r.market.notSettled.length} not settled` : ''}
            </dd>
            <dt>Spot volume</dt>
            <dd>{formatKwh(r.market.spotVolumeWh)}</dd>
            <dt>Contract volume</dt>
            <dd>{formatKwh(r.market.contractVolumeWh)}</dd>
            <dt>P2P volume</dt>
            <dd>{formatKwh(r.market.p2pVolumeWh)}</dd>
            <dt>Consumption</dt>
            <dd>{formatKwh(r.market.consumptionWh)}</dd>
            <dt>Average clearing price</dt>
            <dd>{r.market.clearingPrice.microsPerKwh === null ? '—' : formatPrice(r.market.clearingPrice.microsPerKwh)}</dd>
            <dt>Average P2P price</dt>
            <dd>{r.market.averageP2pPrice.microsPerKwh === null ? '—' : formatPrice(r.market.averageP2pPrice.microsPerKwh)}</dd>
          </>
        )}
        {r.renewableShare && (
          <>
            <dt>Renewable share of consumption</dt>
            <dd>
              {formatPpm(r.renewableShare.share.ppm)} ({formatKwh(r.renewableShare.claimedWh)} claimed of{' '}
              {formatKwh(r.renewableShare.consumptionWh)})
            </dd>
          </>
        )}
        {r.matchedShare && (
          <>
            <dt>Matched green share</dt>
            <dd>
              <MatchedShare m={r.matchedShare} />
            </dd>
          </>
        )}
      </dl>
    </div>
  );
}

function MatchedShare({ m }: { m: NonNullable<Report['matchedShare']> }) {
  return (
    <>
      {formatPpm(m.share.ppm)} ({formatKwh(m.matchedWh)} of {formatKwh(m.consumptionWh)}, {m.daysRecorded} of {m.daysInPeriod} days
      recorded)
    </>
  );
}
