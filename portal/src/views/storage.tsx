/**
 * Storage (docs/storage.md): the batteries of a community with their limits and prices (a battery
 * provider's own first), and a household's storage contracts (those confirmed or looked up in this
 * browser: the ledger has no list of a participant's storage contracts) with their settlement.
 */
import { data, type ApiClient } from '../api/client';
import type { operations } from '../api/schema.gen';
import { Outcome, useAction } from '../action';
import { Show, useLoad } from '../load';
import { LookUp } from '../look-up';
import { useRemembered } from '../remembered';
import { Table } from '../table';
import { localDateTime } from '../time';
import { formatCredits, formatKw, formatKwh, formatPpm, formatPrice } from '../units';

type Battery = operations['listBatteries']['responses'][200]['content']['application/json']['batteries'][number];
type StorageContract = operations['getStorageContract']['responses'][200]['content']['application/json'];

/** The community's batteries; with `providerId`, only that provider's. */
export function Batteries({ api, communityId, providerId }: { api: ApiClient; communityId: string; providerId?: string }) {
  const list = useLoad(() => data(api.GET('/communities/{communityId}/batteries', { params: { path: { communityId } } })), [communityId]);
  const title = providerId ? 'Your batteries' : 'Batteries of the community';
  const id = providerId ? 'own-batteries-h' : 'batteries-h';
  return (
    <section aria-labelledby={id} className="card wide">
      <h2 id={id}>{title}</h2>
      <Show
        of={list}
        empty={(l) => l.batteries.filter((b) => !providerId || b.providerId === providerId).length === 0}
        emptyText={providerId ? 'You have registered no battery.' : 'No battery is registered in this community.'}
      >
        {(l) => <BatteryTable batteries={l.batteries.filter((b) => !providerId || b.providerId === providerId)} />}
      </Show>
    </section>
  );
}

function BatteryTable({ batteries }: { batteries: Battery[] }) {
  return (
    <Table
      columns={[
        { label: 'Battery' },
        { label: 'Provider' },
        { label: 'Zone' },
        { label: 'Capacity', num: true },
        { label: 'Charge / discharge', num: true },
        { label: 'Round trip', num: true },
        { label: 'Stored energy price', num: true },
        { label: 'Reservation per kWh and day', num: true },
        { label: 'Available' },
      ]}
      testId="batteries"
    >
      {batteries.map((b) => (
        <tr key={b.batteryId}>
          <td>
            <code>{b.batteryId}</code>
          </td>
          <td>{b.providerId}</td>
          <td>{b.zone}</td>
          <td className="num">{formatKwh(b.capacityWh)}</td>
          <td className="num">
            {formatKw(b.maxChargeW)} / {formatKw(b.maxDischargeW)}
          </td>
          <td className="num">{formatPpm(b.roundTripEfficiencyPpm)}</td>
          <td className="num">{formatPrice(b.storedPriceMicrosPerKwh)}</td>
          <td className="num">{formatCredits(b.reservedPriceMicrosPerKwhDay)}</td>
          <td>
            {b.availability.length === 0
              ? 'always'
              : b.availability.map((w) => `${localDateTime(w.from)} – ${localDateTime(w.to)}`).join('; ')}
          </td>
        </tr>
      ))}
    </Table>
  );
}

/** The storage contracts this browser knows of, and one looked up by id. */
export function StorageContracts({ api, participantId }: { api: ApiClient; participantId: string }) {
  const [ids, remember] = useRemembered(`gridledger.storage.${participantId}`);
  return (
    <section aria-labelledby="storage-contracts-h" className="card wide">
      <h2 id="storage-contracts-h">Storage contracts</h2>
      <LookUp label="Contract id" button="Look up contract" onFound={remember} />
      {ids.length === 0 ? (
        <p className="muted">No storage contract looked up in this browser yet.</p>
      ) : (
        ids.map((id) => <ContractCard key={id} api={api} contractId={id} participantId={participantId} />)
      )}
    </section>
  );
}

function ContractCard({ api, contractId, participantId }: { api: ApiClient; contractId: string; participantId: string }) {
  const path = { contractId };
  const contract = useLoad(() => data(api.GET('/storage/contracts/{contractId}', { params: { path } })), [contractId]);
  const cancelled = useAction<unknown>(contract.reload);
  return (
    <article className="sub" data-testid="storage-contract" aria-label={`Storage contract ${contractId}`}>
      <h3>Contract {contractId}</h3>
      <Show of={contract}>
        {(c) => (
          <>
            <ContractFacts c={c} />
            {c.status === 'confirmed' && (c.buyerId === participantId || c.providerId === participantId) && (
              <button
                type="button"
                disabled={cancelled.busy}
                onClick={() =>
                  void cancelled.run(() => data(api.POST('/storage/contracts/{contractId}/cancellation', { params: { path } })))
                }
              >
                Cancel contract
              </button>
            )}
            <Outcome of={cancelled} done={() => 'Contract cancelled.'} />
          </>
        )}
      </Show>
    </article>
  );
}

function ContractFacts({ c }: { c: StorageContract }) {
  return (
    <dl className="facts">
      <dt>State</dt>
      <dd data-testid="storage-status">{c.status}</dd>
      <dt>Battery</dt>
      <dd>
        <code>{c.batteryId}</code> of {c.providerId}, for {c.buyerId}
      </dd>
      <dt>Reserved</dt>
      <dd>
        {formatKwh(c.reservedWh)} from{' '}
        <time dateTime={c.from} title={`${c.from} UTC`}>
          {localDateTime(c.from)}
        </time>{' '}
        to{' '}
        <time dateTime={c.to} title={`${c.to} UTC`}>
          {localDateTime(c.to)}
        </time>
      </dd>
      <dt>Reservation fee</dt>
      <dd>{formatCredits(c.reservationFeeMicros)}</dd>
      <dt>Storage fee at most</dt>
      <dd>{formatCredits(c.maxStorageFeeMicros)}</dd>
      <dt>Held</dt>
      <dd>{formatCredits(c.escrowMicros)}</dd>
      {c.cancellation && (
        <>
          <dt>Cancelled</dt>
          <dd>
            by the {c.cancellation.by} {localDateTime(c.cancellation.at)}: refund {formatCredits(c.cancellation.refundMicros)}, fee{' '}
            {formatCredits(c.cancellation.feeMicros)}
          </dd>
        </>
      )}
      {c.settlement && (
        <>
          <dt>Settled</dt>
          <dd>
            in {formatKwh(c.settlement.inWh)}, out {formatKwh(c.settlement.outWh)}, undelivered {formatKwh(c.settlement.undeliveredWh)};
            paid {formatCredits(c.settlement.paymentMicros)}, refunded {formatCredits(c.settlement.refundMicros)}
          </dd>
        </>
      )}
    </dl>
  );
}
