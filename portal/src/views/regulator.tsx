/** The regulator's queue: the assets awaiting verification (folded from the event history), each verified in one click. */
import { data, type ApiClient } from '../api/client';
import { Outcome, useAction } from '../action';
import { useEventFold } from '../history';
import { foldAssets, type AwaitingAsset } from '../queues';
import { Table } from '../table';
import { localDateTime } from '../time';
import { formatKw } from '../units';

export function AssetQueue({ api, apiKey }: { api: ApiClient; apiKey: string }) {
  const { value: awaiting, state } = useEventFold(
    apiKey,
    foldAssets,
    new Map<string, AwaitingAsset>() as ReadonlyMap<string, AwaitingAsset>,
  );
  const verified = useAction<{ assetId: string }>();
  const list = [...awaiting.values()].sort((a, b) => a.registeredAt.localeCompare(b.registeredAt));
  return (
    <section className="card wide" aria-labelledby="aq-h">
      <h2 id="aq-h">Assets awaiting verification</h2>
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
