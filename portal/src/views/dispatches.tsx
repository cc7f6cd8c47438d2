/**
 * A household's dispatches (docs/portal.md, Flexibility; docs/dispatch.md): the setpoints sent to its batteries and EV
 * chargers, newest first (`GET /dispatches`, its own only), read again when one of its `Dispatch*` events arrives.
 */
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { askedText, deliveryNow, durationText, statusText } from '../dispatches';
import { newestOf } from '../listed';
import { Show, useLoad } from '../load';
import { Table } from '../table';
import { localDateTime } from '../time';
import { formatCredits, formatKw, formatKwh } from '../units';

/** The table's columns; the figures right-aligned. */
const COLUMNS = ['Dispatch', 'Resource', 'Asked', 'From', 'For', 'Status', 'Delivered', 'Paid'].map((label) => ({
  label,
  num: ['For', 'Delivered', 'Paid'].includes(label),
}));

/** The newest dispatches shown. */
const SHOWN = 50;

export function FlexDispatches({ api, events }: { api: ApiClient; events: LedgerEvent[] }) {
  const changed = newestOf(events, /^Dispatch/);
  const page = useLoad(() => data(api.GET('/dispatches', { params: { query: { pageSize: SHOWN } } })), [changed]);
  return (
    <section aria-labelledby="dispatches-h" className="card wide">
      <h2 id="dispatches-h">Your dispatches</h2>
      <p className="muted">
        The changes of power the utility asked of your batteries and EV chargers, newest first: what your device answered, and once
        delivered, the energy and what you were paid.
      </p>
      <Show of={page} empty={(p) => p.items.length === 0} emptyText="No dispatch was sent to your resources.">
        {(p) => (
          <>
            <Table testId="dispatches" columns={COLUMNS}>
              {p.items.map((d) => {
                const now = d.delivery ? deliveryNow(d.delivery) : undefined;
                return (
                  <tr key={`${d.communityId}/${d.dispatchId}`}>
                    <td>
                      <code>{d.dispatchId}</code>
                    </td>
                    <td>
                      <code>{d.resourceId}</code>
                    </td>
                    <td>{askedText(d.powerW, (w) => formatKw(w))}</td>
                    <td>
                      <time dateTime={d.startAt} title={`${d.startAt} UTC`}>
                        {localDateTime(d.startAt)}
                      </time>
                    </td>
                    <td className="num">{durationText(d.durationSeconds)}</td>
                    <td>
                      {statusText(d.status)} <code>{d.status}</code>
                    </td>
                    <td className="num">{now ? formatKwh(now.deliveredWh) : '–'}</td>
                    <td className="num">
                      {now ? formatCredits(now.paymentMicros) : '–'}
                      {now?.note && <div className="muted">{now.note}</div>}
                    </td>
                  </tr>
                );
              })}
            </Table>
            {p.bookmark !== '' && <p className="muted">The {SHOWN} newest are shown.</p>}
          </>
        )}
      </Show>
    </section>
  );
}
