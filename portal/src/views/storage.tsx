/**
 * Storage (docs/storage.md): the batteries of a community with their limits and prices (a battery
 * provider's own first), and a participant's storage contracts from the ledger, as buyer or as
 * provider, with their settlement.
 */
import { useState, type FormEvent, type ReactNode } from 'react';
import { data, type ApiClient } from '../api/client';
import type { operations } from '../api/schema.gen';
import { Outcome, useAction } from '../action';
import { Show, useLoad } from '../load';
import { LookUp } from '../look-up';
import { allPages } from '../listed';
import { useRemembered } from '../remembered';
import { Table } from '../table';
import { instantOf, localDateTime } from '../time';
import { formatCredits, formatKw, formatKwh, formatPpm, formatPrice, parseScaled } from '../units';

type Battery = operations['listBatteries']['responses'][200]['content']['application/json']['batteries'][number];
type StorageContract = operations['getStorageContract']['responses'][200]['content']['application/json'];

/** The community's batteries; with `providerId`, only that provider's. */
export function Batteries(props: { api: ApiClient; communityId: string; providerId?: string; changes?: number }) {
  const { api, communityId, providerId } = props;
  const list = useLoad(
    () => data(api.GET('/communities/{communityId}/batteries', { params: { path: { communityId } } })),
    [communityId, props.changes],
  );
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

const HOUR = 3600;
const PAGE = 500;

/**
 * Reserve storage in a battery of the community: the battery, the energy and a window of whole hours (on the
 * metering grid), quoted first (fees and what is held now, the capacity free), then confirmed.
 */
function Reserve({ api, communityId, onConfirmed }: { api: ApiClient; communityId: string; onConfirmed(): void }) {
  const list = useLoad(() => data(api.GET('/communities/{communityId}/batteries', { params: { path: { communityId } } })), [communityId]);
  const [batteryId, setBatteryId] = useState('');
  const [kwh, setKwh] = useState('1');
  const [startsIn, setStartsIn] = useState('1');
  const [hours, setHours] = useState('2');
  const reservedWh = parseScaled(kwh, 3);
  const window = () => {
    const from = Math.ceil(Date.now() / 1000 / HOUR) * HOUR + Number(startsIn) * HOUR;
    return { from: instantOf(from), to: instantOf(from + Number(hours) * HOUR) };
  };
  const quoted = useAction<{ freeWh: number; reservationFeeMicros: number; maxStorageFeeMicros: number; escrowMicros: number }>();
  const confirmed = useAction<{ contractId: string }>(onConfirmed);
  if (list.data && list.data.batteries.length === 0) return null;
  const chosen = batteryId || list.data?.batteries[0]?.batteryId || '';
  const quote = (e: FormEvent) => {
    e.preventDefault();
    if (!reservedWh || !chosen) return;
    void quoted.run(() => data(api.GET('/storage/quote', { params: { query: { batteryId: chosen, reservedWh, ...window() } } })));
  };
  const confirm = () => {
    if (!reservedWh || !chosen) return;
    void confirmed.run(async () => {
      const body = { clientContractId: `web-${crypto.randomUUID()}`, batteryId: chosen, reservedWh, ...window() };
      return (await data(api.POST('/storage/contracts', { body }))).contract;
    });
  };
  return (
    <section aria-labelledby="reserve-h" className="card">
      <h2 id="reserve-h">Reserve storage</h2>
      <Show of={list}>
        {(l) => (
          <form className="form" onSubmit={quote} data-testid="reserve">
            <label>
              Battery
              <select value={chosen} onChange={(e) => setBatteryId(e.target.value)}>
                {l.batteries.map((b) => (
                  <option key={b.batteryId} value={b.batteryId}>
                    {b.batteryId} ({formatKwh(b.capacityWh)}, {b.zone})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Energy to store (kWh)
              <input inputMode="decimal" value={kwh} onChange={(e) => setKwh(e.target.value)} aria-invalid={!reservedWh} />
            </label>
            <label>
              Starts in (whole hours from the next full hour)
              <input type="number" min={0} max={48} step={1} value={startsIn} onChange={(e) => setStartsIn(e.target.value)} required />
            </label>
            <label>
              For (hours)
              <input type="number" min={1} max={72} step={1} value={hours} onChange={(e) => setHours(e.target.value)} required />
            </label>
            <button type="submit" disabled={quoted.busy || !reservedWh}>
              Get a quote
            </button>
            <Outcome
              of={quoted}
              done={(q) =>
                `Reservation fee ${formatCredits(q.reservationFeeMicros)}, storage fee at most ${formatCredits(q.maxStorageFeeMicros)}; ` +
                `${formatCredits(q.escrowMicros)} held now; ${formatKwh(q.freeWh)} free in the window.`
              }
            />
            {quoted.result && (
              <button type="button" onClick={confirm} disabled={confirmed.busy}>
                Confirm reservation
              </button>
            )}
            <Outcome of={confirmed} done={(c) => `Reserved: contract ${c.contractId}.`} />
          </form>
        )}
      </Show>
    </section>
  );
}

/** Reserve storage; the participant's storage contracts from the ledger; any contract looked up by id. */
export function StorageContracts({ api, participantId, communityId }: { api: ApiClient; participantId: string; communityId?: string }) {
  const [ids, remember] = useRemembered(`gridledger.storage.${participantId}`);
  const [changes, setChanges] = useState(0);
  const changed = () => setChanges((n) => n + 1);
  const path = { participantId };
  const own = useLoad(
    () =>
      allPages((bookmark) =>
        data(api.GET('/participants/{participantId}/storage-contracts', { params: { path, query: { pageSize: PAGE, bookmark } } })),
      ),
    [participantId, changes],
  );
  const listed = new Set((own.data?.items ?? []).map((c) => c.contractId));
  return (
    <>
      {communityId !== undefined && <Reserve api={api} communityId={communityId} onConfirmed={changed} />}
      <section aria-labelledby="storage-contracts-h" className="card wide">
        <h2 id="storage-contracts-h">Storage contracts</h2>
        <Show of={own} empty={(l) => l.items.length === 0} emptyText="You have no storage contract yet.">
          {(l) =>
            l.items.map((c) => (
              <ContractArticle key={c.contractId} contractId={c.contractId}>
                <ContractBody c={c} api={api} participantId={participantId} onChanged={changed} />
              </ContractArticle>
            ))
          }
        </Show>
        {own.data?.more && <p className="muted">Only the first {own.data.items.length} are shown.</p>}
        <LookUp label="Contract id" button="Look up contract" onFound={remember} />
        {ids
          .filter((id) => !listed.has(id))
          .map((id) => (
            <LookedUp key={id} api={api} contractId={id} participantId={participantId} />
          ))}
      </section>
    </>
  );
}

/** A contract looked up by id (another participant's is refused by its code). */
function LookedUp({ api, contractId, participantId }: { api: ApiClient; contractId: string; participantId: string }) {
  const contract = useLoad(() => data(api.GET('/storage/contracts/{contractId}', { params: { path: { contractId } } })), [contractId]);
  return (
    <ContractArticle contractId={contractId}>
      <Show of={contract}>{(c) => <ContractBody c={c} api={api} participantId={participantId} onChanged={contract.reload} />}</Show>
    </ContractArticle>
  );
}

const ContractArticle = ({ contractId, children }: { contractId: string; children: ReactNode }) => (
  <article className="sub" data-testid="storage-contract" aria-label={`Storage contract ${contractId}`}>
    <h3>Contract {contractId}</h3>
    {children}
  </article>
);

/** A contract's facts, and its cancellation for a party while it is confirmed. */
function ContractBody({
  c,
  api,
  participantId,
  onChanged,
}: {
  c: StorageContract;
  api: ApiClient;
  participantId: string;
  onChanged(): void;
}) {
  const cancelled = useAction<unknown>(onChanged);
  const path = { contractId: c.contractId };
  return (
    <>
      <ContractFacts c={c} />
      {c.status === 'confirmed' && (c.buyerId === participantId || c.providerId === participantId) && (
        <button
          type="button"
          disabled={cancelled.busy}
          onClick={() => void cancelled.run(() => data(api.POST('/storage/contracts/{contractId}/cancellation', { params: { path } })))}
        >
          Cancel contract
        </button>
      )}
      <Outcome of={cancelled} done={() => 'Contract cancelled.'} />
    </>
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
