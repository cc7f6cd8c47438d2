/** The utility's views: settlement and deviations per interval; deposits and withdrawals (with the credits supply in the market view). */
import { useState, type FormEvent } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { Outcome, useAction } from '../action';
import { deviationTotals, type SettledParticipant } from '../deviations';
import { allPages, newestOf } from '../listed';
import { ErrorNote, Show, useLoad } from '../load';
import { Table } from '../table';
import { localDateTime } from '../time';
import { formatCredits, formatKwh, parseScaled } from '../units';
import { Fig } from './operator';

/** One settled interval: each participant's traded and metered energy, its deviation and its net payment; the totals. */
export function SettlementView({ api, communityId, events }: { api: ApiClient; communityId: string; events: LedgerEvent[] }) {
  const settled = newestOf(events, /^IntervalSettled$/, communityId);
  const results = useLoad(
    () => data(api.GET('/markets/{communityId}/results', { params: { path: { communityId }, query: { pageSize: 100 } } })),
    [communityId, settled],
  );
  const [picked, setPicked] = useState('');
  const choices = [...(results.data?.items ?? [])].reverse().map((r) => r.intervalStart);
  const interval = picked || choices[0] || '';
  const settlement = useLoad(
    () =>
      interval
        ? data(
            api.GET('/markets/{communityId}/intervals/{intervalStart}/settlement', {
              params: { path: { communityId, intervalStart: interval } },
            }),
          )
        : Promise.resolve(undefined),
    [communityId, interval, settled],
  );
  return (
    <section className="card wide" aria-labelledby="settlement-h">
      <h2 id="settlement-h">Settlement and deviations</h2>
      <form className="form inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          Cleared interval
          <select value={interval} onChange={(e) => setPicked(e.target.value)}>
            {choices.map((t) => (
              <option key={t} value={t}>
                {localDateTime(t)}
              </option>
            ))}
          </select>
        </label>
      </form>
      {!interval ? (
        <p className="muted">{results.loading ? 'Loading…' : 'No interval of this community has cleared yet.'}</p>
      ) : (
        <Show of={settlement}>
          {(s) => {
            if (!s) return null;
            const participants = s.participants as unknown as SettledParticipant[];
            const totals = deviationTotals(participants);
            return (
              <>
                <dl className="tiles" data-testid="deviations">
                  <Fig label="Participants settled" text={String(totals.participants)} />
                  <Fig label="Supplied by the utility" text={formatKwh(totals.suppliedWh)} />
                  <Fig label="Taken by the utility" text={formatKwh(totals.takenWh)} />
                  <Fig label="On estimates" text={String(totals.estimated)} />
                  <Fig label="Postings" text={String(s.postings.length)} />
                </dl>
                <p className="muted">Settled {localDateTime(s.settledAt)}.</p>
                <Table
                  columns={[
                    { label: 'Participant' },
                    { label: 'Side' },
                    { label: 'Traded', num: true },
                    { label: 'Metered net', num: true },
                    { label: 'Deviation', num: true },
                    { label: 'Paid (−) / received', num: true },
                  ]}
                  testId="settlement"
                >
                  {participants.map((p) => (
                    <tr key={p.participantId}>
                      <td>{p.participantId}</td>
                      <td>{p.side}</td>
                      <td className="num">{formatKwh(p.tradedWh)}</td>
                      <td className="num">
                        {formatKwh(p.netWh)}
                        {p.estimated ? ' (est.)' : ''}
                      </td>
                      <td className="num">{formatKwh(p.deviationWh)}</td>
                      <td className="num">{formatCredits(p.netMicros)}</td>
                    </tr>
                  ))}
                </Table>
              </>
            );
          }}
        </Show>
      )}
    </section>
  );
}

/** How many of the community's deposits and withdrawals the view shows, newest first. */
const BANK_SHOWN = 200;

/**
 * Deposits and withdrawals: the utility issues or redeems credits; the community's entries from the
 * ledger's list (oldest first there), newest first here, read again when credits are issued or redeemed.
 */
export function Bank({ api, communityId, events }: { api: ApiClient; communityId: string; events: LedgerEvent[] }) {
  const changed = newestOf(events, /^Credits(Issued|Redeemed)$/);
  const listed = useLoad(
    () =>
      allPages((bookmark) =>
        data(
          api.GET('/communities/{communityId}/bank-entries', {
            params: { path: { communityId }, query: { bookmark, pageSize: 500 } },
          }),
        ),
      ),
    [communityId, changed],
  );
  const moves = [...(listed.data?.items ?? [])].reverse().slice(0, BANK_SHOWN);
  const state = listed.data === undefined ? 'loading' : 'live';
  const [f, setF] = useState({ kind: 'deposit', participantId: '', amount: '', reference: '' });
  const amountMicros = parseScaled(f.amount, 6);
  const done = useAction<{ kind: string; amountMicros: number; participantId: string }>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!amountMicros) return;
    const body = { participantId: f.participantId, amountMicros, reference: f.reference || `web-${crypto.randomUUID()}` };
    void done.run(() =>
      f.kind === 'deposit' ? data(api.POST('/credits/deposits', { body })) : data(api.POST('/credits/withdrawals', { body })),
    );
  };
  return (
    <section className="card wide" aria-labelledby="bank-h">
      <h2 id="bank-h">Deposits and withdrawals</h2>
      <form className="form inline" onSubmit={submit} aria-label="Deposit or withdraw">
        <label>
          Kind
          <select value={f.kind} onChange={(e) => setF({ ...f, kind: e.target.value })}>
            <option value="deposit">Deposit</option>
            <option value="withdrawal">Withdrawal</option>
          </select>
        </label>
        <label>
          Participant
          <input value={f.participantId} onChange={(e) => setF({ ...f, participantId: e.target.value })} required />
        </label>
        <label>
          Amount (credits)
          <input
            inputMode="decimal"
            value={f.amount}
            onChange={(e) => setF({ ...f, amount: e.target.value })}
            aria-invalid={!amountMicros}
            required
          />
        </label>
        <label>
          Reference
          <input value={f.reference} onChange={(e) => setF({ ...f, reference: e.target.value })} placeholder="bank reference" />
        </label>
        <button type="submit" disabled={done.busy || !amountMicros}>
          Record
        </button>
      </form>
      <Outcome
        of={done}
        done={(r) => `${r.kind === 'deposit' ? 'Deposited' : 'Withdrawn'}: ${formatCredits(r.amountMicros)} for ${r.participantId}.`}
      />
      {listed.error !== undefined && <ErrorNote error={listed.error} />}
      {state !== 'live' && moves.length === 0 ? (
        <p className="muted" aria-busy="true">
          Reading deposits and withdrawals from the ledger…
        </p>
      ) : moves.length === 0 ? (
        <p className="muted">No deposits or withdrawals yet.</p>
      ) : (
        <Table
          columns={[{ label: 'When' }, { label: 'Kind' }, { label: 'Participant' }, { label: 'Amount', num: true }, { label: 'Reference' }]}
          testId="bank"
        >
          {moves.map((m) => (
            <tr key={m.txId}>
              <td>
                <time dateTime={m.at} title={`${m.at} UTC`}>
                  {localDateTime(m.at)}
                </time>
              </td>
              <td>{m.kind}</td>
              <td>{m.participantId}</td>
              <td className="num">{formatCredits(m.amountMicros)}</td>
              <td>
                <code>{m.reference}</code>
              </td>
            </tr>
          ))}
        </Table>
      )}
    </section>
  );
}
