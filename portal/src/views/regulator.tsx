/** The regulator's queue: a community's assets awaiting verification (the ledger's list), each verified in one click. */
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { Outcome, useAction } from '../action';
import { allPages, newestOf } from '../listed';
import { ErrorNote, useLoad } from '../load';
import { Table } from '../table';
import { localDateTime } from '../time';
import { formatKw } from '../units';

export function AssetQueue({ api, communityId, events }: { api: ApiClient; communityId: string; events: LedgerEvent[] }) {
  const changed = newestOf(events, /^Asset(Registered|Verified)$/);
  const verified = useAction<{ assetId: string }>();
  const listed = useLoad(
    () =>
      allPages((bookmark) =>
        data(
          api.GET('/communities/{communityId}/unverified-assets', {
            params: { path: { communityId }, query: { bookmark, pageSize: 500 } },
          }),
        ),
      ),
    [communityId, changed, verified.result],
  );
  const list = [...(listed.data?.items ?? [])].sort((a, b) => a.registeredAt.localeCompare(b.registeredAt));
  const state = listed.data === undefined ? 'loading' : 'live';
  return (
    <section className="card wide" aria-labelledby="aq-h">
      <h2 id="aq-h">Assets awaiting verification</h2>
      {listed.error !== undefined && <ErrorNote error={listed.error} />}
      <Outcome of={verified} done={(a) => `Asset ${a.assetId} verified.`} />
      {state !== 'live' && list.length === 0 ? (
        <p className="muted" aria-busy="true">
          Reading the assets from the ledger…
        </p>
      ) : list.length === 0 ? (
        <p className="muted">No asset awaits verification.</p>
      ) : (
        <Table
          columns={[
            { label: 'Asset' },
            { label: 'Producer' },
            { label: 'Meter' },
            { label: 'Source' },
            { label: 'Capacity', num: true },
            { label: 'Registered' },
            { label: 'Action', hidden: true },
          ]}
          testId="assets"
        >
          {list.map((a) => (
            <tr key={a.assetId}>
              <td>
                <code>{a.assetId}</code>
              </td>
              <td>{a.participantId}</td>
              <td>
                <code>{a.meterId}</code>
              </td>
              <td>{a.source}</td>
              <td className="num">{formatKw(a.capacityW)}</td>
              <td>{localDateTime(a.registeredAt)}</td>
              <td>
                <button
                  type="button"
                  disabled={verified.busy}
                  aria-label={`Verify asset ${a.assetId}`}
                  onClick={() =>
                    void verified.run(() => data(api.POST('/assets/{assetId}/verification', { params: { path: { assetId: a.assetId } } })))
                  }
                >
                  Verify
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
