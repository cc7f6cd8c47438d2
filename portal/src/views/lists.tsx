/**
 * The operator's lists of a community from the ledger's paged routes (docs/api.md, *Lists*): its
 * participants (each one opened in the look-up below), its meters and its bilateral contracts, read
 * whole and read again when an event changes them.
 */
import type { ReactNode } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { allPages, newestOf, type Listed } from '../listed';
import { Show, useLoad, type Loaded } from '../load';
import { Table } from '../table';
import { localDateTime } from '../time';
import { formatKw, formatKwh, formatPrice } from '../units';

type Props = { api: ApiClient; communityId: string; events: LedgerEvent[] };
const PAGE = 500;

/** A list read whole, in a card: its loading, empty and error states, its rows, and a note when it was cut. */
function ListCard<T>(props: { id: string; title: string; of: Loaded<Listed<T>>; emptyText: string; children(items: T[]): ReactNode }) {
  const { of } = props;
  return (
    <section aria-labelledby={props.id} className="card wide">
      <h2 id={props.id}>{props.title}</h2>
      <Show of={of} empty={(l) => l.items.length === 0} emptyText={props.emptyText}>
        {(l) => props.children(l.items)}
      </Show>
      {of.data?.more && <p className="muted">Only the first {of.data.items.length} are shown.</p>}
    </section>
  );
}

export function ParticipantList({ api, communityId, events, onPick }: Props & { onPick(participantId: string): void }) {
  const changed = newestOf(events, /^ParticipantRegistered$/);
  const path = { communityId };
  const list = useLoad(
    () =>
      allPages((bookmark) =>
        data(api.GET('/communities/{communityId}/participants', { params: { path, query: { pageSize: PAGE, bookmark } } })),
      ),
    [communityId, changed],
  );
  return (
    <ListCard id="participant-list-h" title={`Participants of ${communityId}`} of={list} emptyText="No participants in this community yet.">
      {(items) => (
        <Table
          columns={[
            { label: 'Participant' },
            { label: 'Role' },
            { label: 'Organization' },
            { label: 'Registered' },
            { label: 'Open', hidden: true },
          ]}
          testId="participant-list"
        >
          {items.map((p) => (
            <tr key={p.participantId}>
              <td>
                <code>{p.participantId}</code>
                {p.displayName ? ` (${p.displayName})` : ''}
              </td>
              <td>{p.role}</td>
              <td>{p.mspId}</td>
              <td>{localDateTime(p.registeredAt)}</td>
              <td>
                <button type="button" onClick={() => onPick(p.participantId)}>
                  Details<span className="sr-only"> of {p.participantId}</span>
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </ListCard>
  );
}

export function MeterList({ api, communityId, events }: Props) {
  const changed = newestOf(events, /^(MeterRegistered|MeterExchanged|MeterRetired)$/);
  const path = { communityId };
  const list = useLoad(
    () =>
      allPages((bookmark) => data(api.GET('/communities/{communityId}/meters', { params: { path, query: { pageSize: PAGE, bookmark } } }))),
    [communityId, changed],
  );
  return (
    <ListCard id="meter-list-h" title={`Meters of ${communityId}`} of={list} emptyText="No meters in this community yet.">
      {(items) => (
        <Table
          columns={[
            { label: 'Meter' },
            { label: 'Participant' },
            { label: 'Kind' },
            { label: 'Zone' },
            { label: 'Export capacity', num: true },
            { label: 'State' },
          ]}
          testId="meter-list"
        >
          {items.map((m) => (
            <tr key={m.meterId}>
              <td>
                <code>{m.meterId}</code>
              </td>
              <td>{m.participantId}</td>
              <td>{m.kind}</td>
              <td>{m.zone ?? '—'}</td>
              <td className="num">{formatKw(m.exportCapacityW)}</td>
              <td>
                {m.active ? 'active' : 'retired'}
                {(m.exchanges ?? []).length > 0 ? `, exchanged ${m.exchanges!.length}×` : ''}
              </td>
            </tr>
          ))}
        </Table>
      )}
    </ListCard>
  );
}

export function ContractList({ api, communityId, events }: Props) {
  const changed = newestOf(events, /^Contract(Proposed|Accepted|Withdrawn)$/);
  const path = { communityId };
  const list = useLoad(
    () =>
      allPages((bookmark) =>
        data(api.GET('/communities/{communityId}/contracts', { params: { path, query: { pageSize: PAGE, bookmark } } })),
      ),
    [communityId, changed],
  );
  return (
    <ListCard
      id="contract-list-h"
      title={`Bilateral contracts of ${communityId}`}
      of={list}
      emptyText="No bilateral contracts in this community yet."
    >
      {(items) => (
        <Table
          columns={[
            { label: 'Contract' },
            { label: 'Seller' },
            { label: 'Buyer' },
            { label: 'Energy per interval', num: true },
            { label: 'Price', num: true },
            { label: 'Days' },
            { label: 'State' },
          ]}
          testId="contract-list"
        >
          {items.map((c) => (
            <tr key={c.contractId}>
              <td>
                <code>{c.contractId}</code>
                {c.p2p ? ' (P2P)' : ''}
              </td>
              <td>{c.sellerId}</td>
              <td>{c.buyerId}</td>
              <td className="num">{formatKwh(c.energyWhPerInterval)}</td>
              <td className="num">{formatPrice(c.priceMicrosPerKwh)}</td>
              <td>
                {c.firstDay} – {c.lastDay}, {c.dailyFrom}–{c.dailyTo} UTC
              </td>
              <td>{c.status}</td>
            </tr>
          ))}
        </Table>
      )}
    </ListCard>
  );
}
