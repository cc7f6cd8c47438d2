/**
 * The rest of a household's view: energy token moves (CSV), disputes of a reading, bilateral
 * contracts, matching preferences, certificates and the matched green share.
 *
 * Over 400 lines: the household's panels (tokens, disputes, contracts, preferences, certificates)
 * that several tabs show; each is a component of its own.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import type { operations } from '../api/schema.gen';
import { Outcome, useAction } from '../action';
import { downloadCsv } from '../csv';
import { intervalsAround } from '../lifecycle';
import { allPages, newestOf } from '../listed';
import { Show, useLoad } from '../load';
import { Table } from '../table';
import { instantOf, localDateTime, localMidnight, utcInterval } from '../time';
import { formatKwh, formatPpm, formatPrice, parseScaled } from '../units';

type Props = { api: ApiClient; participantId: string; events: LedgerEvent[] };

/** Reloads `reload` whenever an event of one of `names` arrives. */
function useReloadOn(events: LedgerEvent[], names: RegExp, reload: () => void) {
  const count = events.filter((e) => names.test(e.name)).length;
  useEffect(() => {
    if (count > 0) reload();
    // only when another such event came
  }, [count]);
}

type Move = { owner: string; intervalStart: string; kind: string; amountWh: number; reason: string; counterparty?: string; at: string };

export function TokenMoves({ api, participantId, events }: Props) {
  const moves = useLoad(
    () => data(api.GET('/participants/{participantId}/tokens/moves', { params: { path: { participantId }, query: { pageSize: 100 } } })),
    [participantId],
  );
  useReloadOn(events, /^(WindowClosed|IntervalSettled|DisputeResolved|SettlementCorrected)$/, moves.reload);
  return (
    <section aria-labelledby="moves-h" className="card wide">
      <h2 id="moves-h">Energy token moves</h2>
      <Show of={moves} empty={(p) => p.items.length === 0} emptyText="No token moves yet: tokens are minted when a metering window closes.">
        {(p) => {
          const items = p.items as unknown as Move[];
          return (
            <>
              <button
                type="button"
                onClick={() =>
                  downloadCsv(
                    `token-moves-${participantId}.csv`,
                    ['at', 'intervalStart', 'kind', 'amountWh', 'reason', 'counterparty'],
                    items.map((m) => [m.at, m.intervalStart, m.kind, m.amountWh, m.reason, m.counterparty ?? '']),
                  )
                }
              >
                Export token moves CSV
              </button>
              <Table columns={[{ label: 'Interval' }, { label: 'Move' }, { label: 'Energy', num: true }, { label: 'Why' }]} testId="moves">
                {[...items].reverse().map((m, i) => (
                  <tr key={`${m.intervalStart}-${m.kind}-${i}`}>
                    <td>
                      <time dateTime={m.intervalStart} title={`${m.intervalStart} UTC`}>
                        {localDateTime(m.intervalStart)}
                      </time>
                    </td>
                    <td>{m.kind}</td>
                    <td className="num">{formatKwh(m.amountWh)}</td>
                    <td>
                      {m.reason}
                      {m.counterparty ? ` (${m.counterparty})` : ''}
                    </td>
                  </tr>
                ))}
              </Table>
            </>
          );
        }}
      </Show>
    </section>
  );
}

/** Opens a dispute of one of the household's readings; its disputes of this session with their state. */
export function Disputes({ api, meterIds, intervalSeconds, events }: Props & { meterIds: string[]; intervalSeconds: number }) {
  const choices = useMemo(() => intervalsAround(intervalSeconds, 24, 0).reverse(), [intervalSeconds]);
  const [meterId, setMeterId] = useState('');
  const [interval, setInterval] = useState('');
  const [reason, setReason] = useState('');
  const opened = useAction<{ meterId: string; intervalStart: string }>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void opened.run(() =>
      data(api.POST('/disputes', { body: { meterId: meterId || meterIds[0], intervalStart: interval || choices[0], reason } })),
    );
  };
  const resolved = events.filter((e) => e.name === 'DisputeResolved').map((e) => e.payload as { meterId: string; intervalStart: string });
  return (
    <section aria-labelledby="disputes-h" className="card">
      <h2 id="disputes-h">Dispute a reading</h2>
      {meterIds.length === 0 ? (
        <p className="muted">No meter registered.</p>
      ) : (
        <form className="form" onSubmit={submit}>
          <label>
            Meter
            <select value={meterId || meterIds[0]} onChange={(e) => setMeterId(e.target.value)}>
              {meterIds.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
          <label>
            Reading of
            <select value={interval || choices[0]} onChange={(e) => setInterval(e.target.value)}>
              {choices.map((t) => (
                <option key={t} value={t} title={utcInterval(t, intervalSeconds)}>
                  {localDateTime(t)}
                </option>
              ))}
            </select>
          </label>
          <label>
            Reason
            <input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={256} required />
          </label>
          <button type="submit" disabled={opened.busy}>
            Open dispute
          </button>
          <Outcome
            of={opened}
            done={(d) =>
              resolved.some((r) => r.meterId === d.meterId && r.intervalStart === d.intervalStart)
                ? 'Your dispute was resolved by the operator: the corrected reading is settled.'
                : 'Dispute opened: the operator will check the reading.'
            }
          />
        </form>
      )}
    </section>
  );
}

export const SOURCES = ['solar', 'wind', 'hydro', 'biomass', 'storage'] as const;
const LOCALITIES = ['feeder', 'zone', 'community', 'any'] as const;
type Prefs = { sources: (typeof SOURCES)[number][]; locality: (typeof LOCALITIES)[number] };

export function Preferences({ api, participantId }: Props) {
  const path = { participantId };
  const stored = useLoad(
    () =>
      data(api.GET('/participants/{participantId}/preferences', { params: { path } })).then(
        (p) => p as unknown as Prefs,
        () => undefined, // none yet (ASSET_NOT_FOUND): the form starts empty
      ),
    [participantId],
  );
  const [prefs, setPrefs] = useState<Prefs>();
  const shown = prefs ?? stored.data ?? { sources: [], locality: 'any' };
  const saved = useAction<unknown>();
  const toggle = (s: Prefs['sources'][number]) =>
    setPrefs({ ...shown, sources: shown.sources.includes(s) ? shown.sources.filter((x) => x !== s) : [...shown.sources, s] });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void saved.run(() =>
      data(
        api.PUT('/participants/{participantId}/preferences', {
          params: { path },
          body: { sources: shown.sources, locality: shown.locality },
        }),
      ),
    );
  };
  return (
    <section aria-labelledby="prefs-h" className="card">
      <h2 id="prefs-h">Preferences</h2>
      <form className="form" onSubmit={submit}>
        <fieldset>
          <legend>Sources I prefer</legend>
          {SOURCES.map((s) => (
            <label key={s} className="check">
              <input type="checkbox" checked={shown.sources.includes(s)} onChange={() => toggle(s)} /> {s}
            </label>
          ))}
        </fieldset>
        <label>
          Locality
          <select value={shown.locality} onChange={(e) => setPrefs({ ...shown, locality: e.target.value as Prefs['locality'] })}>
            {LOCALITIES.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={saved.busy}>
          Save preferences
        </button>
        <Outcome of={saved} done={() => 'Preferences saved.'} />
      </form>
    </section>
  );
}

/** A contract as GET /contracts/{contractId} answers it. */
type Contract = operations['getContract']['responses'][200]['content']['application/json'];

/**
 * Bilateral contracts: propose one, and the participant's contracts as seller or buyer (the ledger's list, read again
 * when a contract event arrives), to accept or withdraw.
 */
export function Contracts({ api, participantId, communityId, events }: Props & { communityId?: string }) {
  const changed = newestOf(events, /^Contract(Proposed|Accepted|Withdrawn)$/);
  const path = { participantId };
  const contracts = useLoad(
    () =>
      allPages((bookmark) =>
        data(api.GET('/participants/{participantId}/contracts', { params: { path, query: { pageSize: 500, bookmark } } })),
      ),
    [participantId, changed],
  );
  return (
    <section aria-labelledby="contracts-h" className="card wide">
      <h2 id="contracts-h">Bilateral contracts</h2>
      {communityId && <ProposeContract api={api} participantId={participantId} communityId={communityId} onProposed={contracts.reload} />}
      <Show of={contracts} empty={(c) => c.items.length === 0} emptyText="No contracts yet.">
        {(list) => <ContractTable api={api} participantId={participantId} contracts={list.items} onChange={contracts.reload} />}
      </Show>
    </section>
  );
}

function ContractTable({
  api,
  participantId,
  contracts,
  onChange,
}: {
  api: ApiClient;
  participantId: string;
  contracts: Contract[];
  onChange(): void;
}) {
  const act = useAction<unknown>(onChange);
  return (
    <>
      <Table
        columns={[
          { label: 'Contract' },
          { label: 'With' },
          { label: 'Per interval', num: true },
          { label: 'Price', num: true },
          { label: 'Days' },
          { label: 'Hours' },
          { label: 'Status' },
          { label: 'Action', hidden: true },
        ]}
        testId="contracts"
      >
        {contracts.map((c) => {
          const selling = c.sellerId === participantId;
          return (
            <tr key={c.contractId}>
              <td>
                <code>{c.contractId}</code>
              </td>
              <td>{selling ? `sell to ${c.buyerId}` : `buy from ${c.sellerId}`}</td>
              <td className="num">{formatKwh(c.energyWhPerInterval)}</td>
              <td className="num">{formatPrice(c.priceMicrosPerKwh)}</td>
              <td>
                {c.firstDay} – {c.lastDay}
              </td>
              <td>
                {c.dailyFrom}–{c.dailyTo} UTC
              </td>
              <td>{c.status}</td>
              <td>
                {c.status === 'proposed' && c.proposedBy !== participantId && (
                  <button
                    type="button"
                    aria-label={`Accept contract ${c.contractId}`}
                    onClick={() =>
                      void act.run(() =>
                        data(api.POST('/contracts/{contractId}/acceptance', { params: { path: { contractId: c.contractId } } })),
                      )
                    }
                  >
                    Accept
                  </button>
                )}{' '}
                {c.status === 'proposed' && (
                  <button
                    type="button"
                    aria-label={`Withdraw contract ${c.contractId}`}
                    onClick={() =>
                      void act.run(() =>
                        data(api.POST('/contracts/{contractId}/withdrawal', { params: { path: { contractId: c.contractId } } })),
                      )
                    }
                  >
                    Withdraw
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      <Outcome of={act} done={() => 'Done.'} />
    </>
  );
}

function ProposeContract(props: { api: ApiClient; participantId: string; communityId: string; onProposed(id: string): void }) {
  const tomorrow = instantOf(localMidnight() + 86_400 + 43_200).slice(0, 10);
  const [f, setF] = useState({
    side: 'sell',
    other: '',
    kwh: '1',
    price: '0.15',
    firstDay: tomorrow,
    lastDay: tomorrow,
    from: '10:00',
    to: '14:00',
  });
  const set = (field: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [field]: e.target.value });
  const proposed = useAction<{ contract: { contractId: string } }>((r) => props.onProposed(r.contract.contractId));
  const energyWhPerInterval = parseScaled(f.kwh, 3);
  const priceMicrosPerKwh = parseScaled(f.price, 6);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (energyWhPerInterval === undefined || priceMicrosPerKwh === undefined) return;
    const [sellerId, buyerId] = f.side === 'sell' ? [props.participantId, f.other] : [f.other, props.participantId];
    void proposed.run(() =>
      data(
        props.api.POST('/contracts', {
          body: {
            clientContractId: `web-${crypto.randomUUID()}`,
            communityId: props.communityId,
            sellerId,
            buyerId,
            energyWhPerInterval,
            priceMicrosPerKwh,
            firstDay: f.firstDay,
            lastDay: f.lastDay,
            dailyFrom: f.from,
            dailyTo: f.to,
          },
        }),
      ),
    );
  };
  return (
    <form className="form inline" onSubmit={submit} aria-label="Propose a contract">
      <label>
        I
        <select value={f.side} onChange={set('side')}>
          <option value="sell">sell to</option>
          <option value="buy">buy from</option>
        </select>
      </label>
      <label>
        Participant
        <input value={f.other} onChange={set('other')} required />
      </label>
      <label>
        kWh per interval
        <input inputMode="decimal" value={f.kwh} onChange={set('kwh')} aria-invalid={energyWhPerInterval === undefined} size={6} />
      </label>
      <label>
        Price (credits/kWh)
        <input inputMode="decimal" value={f.price} onChange={set('price')} aria-invalid={priceMicrosPerKwh === undefined} size={6} />
      </label>
      <label>
        First day
        <input type="date" value={f.firstDay} onChange={set('firstDay')} required />
      </label>
      <label>
        Last day
        <input type="date" value={f.lastDay} onChange={set('lastDay')} required />
      </label>
      <label>
        Daily from (UTC)
        <input type="time" value={f.from} onChange={set('from')} required />
      </label>
      <label>
        to
        <input type="time" value={f.to} onChange={set('to')} required />
      </label>
      <button type="submit" disabled={proposed.busy}>
        Propose contract
      </button>
      <Outcome of={proposed} done={(r) => `Contract ${r.contract.contractId} proposed.`} />
    </form>
  );
}

type Bundle = { bundleId: string; quantityWh: number; status: string; energySource: string; productionStart: string; expiresAt: string };

/** Certificates held and the share of consumption matched hour by hour with green energy over the last 7 days. */
export function Green({ api, participantId }: Props) {
  const path = { participantId };
  const certificates = useLoad(
    () => data(api.GET('/participants/{participantId}/certificates', { params: { path, query: { pageSize: 50 } } })),
    [participantId],
  );
  const to = instantOf(localMidnight() + 86_400 - ((localMidnight() + 86_400) % 3600));
  const from = instantOf(Date.parse(to) / 1000 - 7 * 86_400);
  const matching = useLoad(
    () => data(api.GET('/participants/{participantId}/matching', { params: { path, query: { from, to } } })),
    [participantId],
  );
  return (
    <section aria-labelledby="green-h" className="card wide">
      <h2 id="green-h">Green energy</h2>
      <Show of={matching}>
        {(m) => (
          <dl className="tiles">
            <div>
              <dt>Matched green share, last 7 days</dt>
              <dd data-testid="matched">{formatPpm(m.scorePpm)}</dd>
            </div>
            <div>
              <dt>Consumed</dt>
              <dd>{formatKwh(m.consumptionWh)}</dd>
            </div>
            <div>
              <dt>Matched</dt>
              <dd>{formatKwh(m.matchedWh)}</dd>
            </div>
          </dl>
        )}
      </Show>
      <Show of={certificates} empty={(p) => p.items.length === 0} emptyText="No certificates held.">
        {(p) => (
          <Table
            columns={[
              { label: 'Certificate' },
              { label: 'Source' },
              { label: 'Produced' },
              { label: 'Energy', num: true },
              { label: 'Status' },
            ]}
          >
            {(p.items as unknown as Bundle[]).map((b) => (
              <tr key={b.bundleId}>
                <td>
                  <code>{b.bundleId}</code>
                </td>
                <td>{b.energySource}</td>
                <td>
                  <time dateTime={b.productionStart}>{localDateTime(b.productionStart)}</time>
                </td>
                <td className="num">{formatKwh(b.quantityWh)}</td>
                <td>{b.status}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </section>
  );
}
