/** The regulator's certificate report of a period (at most 92 days), of the community shown, as CSV or PDF. */
import { useState } from 'react';
import { data, type ApiClient } from '../api/client';
import { Outcome, useAction } from '../action';
import { saveFile } from '../csv';
import { instantOf, localMidnight } from '../time';

export function CertificateReport({ api, communityId }: { api: ApiClient; communityId: string }) {
  const today = instantOf(localMidnight() + 43_200).slice(0, 10);
  const [range, setRange] = useState({ from: today, to: today });
  const saved = useAction<string>();
  const download = (format: 'csv' | 'pdf') =>
    void saved.run(async () => {
      const to = new Date(`${range.to}T00:00:00Z`);
      to.setUTCDate(to.getUTCDate() + 1);
      const query = { from: `${range.from}T00:00:00Z`, to: instantOf(to.getTime() / 1000), communityId, format };
      const blob = await data(api.GET('/reports/certificates', { params: { query }, parseAs: 'blob' }));
      const name = `certificates-${communityId}-${range.from}-${range.to}.${format}`;
      saveFile(name, blob as unknown as Blob);
      return name;
    });
  return (
    <section className="card" aria-labelledby="report-h">
      <h2 id="report-h">Certificate report</h2>
      <p className="muted">Per producer and source, P2P volumes and prices, the renewable share of consumption (UTC days).</p>
      <form className="form inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          First day
          <input type="date" value={range.from} onChange={(e) => setRange({ ...range, from: e.target.value })} required />
        </label>
        <label>
          Last day
          <input type="date" value={range.to} onChange={(e) => setRange({ ...range, to: e.target.value })} required />
        </label>
        <button type="button" disabled={saved.busy} onClick={() => download('csv')}>
          Download CSV
        </button>
        <button type="button" disabled={saved.busy} onClick={() => download('pdf')}>
          Download PDF
        </button>
      </form>
      <Outcome of={saved} done={(name) => `Saved ${name}.`} />
    </section>
  );
}
