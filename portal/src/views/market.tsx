/**
 * The community's market as the operator, the utility and the regulator see it: each interval's
 * clearing (price, volume, orders, trades) and, for one interval, its curves drawn with the
 * clearing price. The regulator's view also shows that a household's detail is refused to it.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { data, type ApiClient, type Session } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { IntervalChart } from '../chart';
import { Table } from '../table';
import { ErrorNote, Show, useLoad } from '../load';
import { ApiError } from '../api/errors';
import { openIntervals } from '../intervals';
import { auditClearing, type RecordedBook, type Verdict } from '../audit';
import { instantOf, localDateTime } from '../time';
import { formatCredits, formatKwh, formatPrice } from '../units';

export function MarketView(props: { api: ApiClient; session: Session; events: LedgerEvent[]; communityId: string }) {
  const { api, session, events, communityId } = props;
  const results = useLoad(
    () =>
      communityId
        ? data(api.GET('/markets/{communityId}/results', { params: { path: { communityId }, query: { pageSize: 100, order: 'desc' } } }))
        : Promise.resolve(undefined),
    [communityId],
  );
  const cleared = events.filter((e) => e.name === 'IntervalCleared' || e.name === 'IntervalSettled').length;
  useEffect(() => {
    if (cleared > 0) results.reload();
    // reload when another interval cleared
  }, [cleared]);
  const [picked, setPicked] = useState<string>();
  const params = useLoad(
    () =>
      communityId
        ? data(api.GET('/markets/{communityId}/params', { params: { path: { communityId } } })).then((p) => {
            setUpcoming(openIntervals(p.params, 1)[0] ?? '');
            return p;
          })
        : Promise.resolve(undefined),
    [communityId],
  );
  const [upcoming, setUpcoming] = useState('');
  const supply = useLoad(() => data(api.GET('/credits/supply')), []);

  return (
    <>
      <section className="card wide" aria-labelledby="community-h">
        <h2 id="community-h">Cleared intervals</h2>
        {communityId && (
          <Show of={results} empty={(r) => !r || r.items.length === 0} emptyText="No interval of this community has cleared yet.">
            {(r) => (
              <Table
                columns={[
                  { label: 'Interval' },
                  { label: 'Orders', num: true },
                  { label: 'Trades', num: true },
                  { label: 'Volume', num: true },
                  { label: 'Clearing price', num: true },
                  { label: 'Curves', hidden: true },
                ]}
                testId="results"
              >
                {r!.items.map((i) => (
                  <tr key={i.intervalStart} aria-current={picked === i.intervalStart ? 'true' : undefined}>
                    <td>
                      <time dateTime={i.intervalStart} title={`${i.intervalStart} UTC`}>
                        {localDateTime(i.intervalStart)}
                      </time>
                    </td>
                    <td className="num">{i.orderCount}</td>
                    <td className="num">{i.tradeCount}</td>
                    <td className="num">{formatKwh(i.volumeWh)}</td>
                    <td className="num">{i.priceMicrosPerKwh === null ? '—' : formatPrice(i.priceMicrosPerKwh)}</td>
                    <td>
                      <button
                        type="button"
                        onClick={() => setPicked(i.intervalStart)}
                        aria-label={`Show the clearing of ${i.intervalStart}`}
                      >
                        Show
                      </button>
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </Show>
        )}
      </section>
      {communityId && (
        <section className="card" aria-labelledby="book-h">
          <h2 id="book-h">Open intervals</h2>
          <Show of={params}>
            {(p) =>
              p && (
                <form
                  className="form inline"
                  onSubmit={(e) => {
                    e.preventDefault();
                    setPicked(upcoming);
                  }}
                >
                  <label>
                    Interval
                    <select value={upcoming} onChange={(e) => setUpcoming(e.target.value)}>
                      {openIntervals(p.params, 8).map((t) => (
                        <option key={t} value={t}>
                          {localDateTime(t)}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="submit">Show its book</button>
                </form>
              )
            }
          </Show>
        </section>
      )}
      {communityId && picked && <Clearing api={api} communityId={communityId} intervalStart={picked} />}
      {
        <section className="card" aria-labelledby="supply-h">
          <h2 id="supply-h">Credits supply</h2>
          <Show of={supply}>
            {(s) => (
              <dl className="tiles">
                <Money label="Deposited" micros={s.depositsMicros} />
                <Money label="Withdrawn" micros={s.withdrawalsMicros} />
                <Money label="In circulation" micros={s.supplyMicros} />
                <Money label="Utility's account" micros={s.utilityMicros} />
              </dl>
            )}
          </Show>
        </section>
      }
      {session.role === 'regulator' && <HouseholdCheck api={api} />}
    </>
  );
}

/** Step curves of one interval's bids and asks (price over cumulative energy) and its clearing price. */
function Clearing({ api, communityId, intervalStart }: { api: ApiClient; communityId: string; intervalStart: string }) {
  const path = { communityId, intervalStart };
  const clearing = useLoad(
    () => data(api.GET('/markets/{communityId}/intervals/{intervalStart}/clearing', { params: { path } })),
    [communityId, intervalStart],
  );
  const curves = useLoad(
    () => data(api.GET('/markets/{communityId}/intervals/{intervalStart}/curves', { params: { path } })),
    [communityId, intervalStart],
  );
  const drawn = useMemo(() => {
    const c = curves.data;
    if (!c) return undefined;
    const xs = [...new Set([0, ...c.bids.map((b) => b.cumulativeWh), ...c.asks.map((a) => a.cumulativeWh)])].sort((a, b) => a - b);
    // The price of a step curve at cumulative energy x: the first step reaching past x; the last step up to its end.
    const at = (steps: { cumulativeWh: number; priceMicrosPerKwh: number }[], x: number) =>
      (steps.find((s) => s.cumulativeWh > x) ?? steps.find((s) => s.cumulativeWh === x))?.priceMicrosPerKwh ?? null;
    const price = clearing.data?.priceMicrosPerKwh ?? null;
    return {
      x: xs.map((x) => x / 1000),
      series: [
        { label: 'Demand (bids)', color: '#0b5cad', values: xs.map((x) => nullable(at(c.bids, x))) },
        { label: 'Supply (asks)', color: '#1a7f37', values: xs.map((x) => nullable(at(c.asks, x))) },
        { label: 'Clearing price', color: '#a01b1b', values: xs.map(() => (price === null ? null : price / 1e6)) },
      ],
    };
  }, [curves.data, clearing.data]);
  return (
    <section className="card wide" aria-labelledby="clearing-h">
      <h2 id="clearing-h">
        Clearing of <time dateTime={intervalStart}>{localDateTime(intervalStart)}</time>
      </h2>
      {clearing.error instanceof ApiError && clearing.error.code === 'INTERVAL_NOT_FOUND' ? (
        <p data-testid="clearing">Not cleared yet: the curves of the open orders so far.</p>
      ) : (
        <Show of={clearing}>
          {(c) => (
            <p data-testid="clearing">
              Cleared at {c.priceMicrosPerKwh === null ? 'no price (nothing matched)' : formatPrice(c.priceMicrosPerKwh)}:{' '}
              {formatKwh(c.volumeWh)} in {c.tradeCount} trades from {c.orderCount} orders; the clearing interval{' '}
              {bound(c.lowerMicrosPerKwh)} to {bound(c.upperMicrosPerKwh)}.
            </p>
          )}
        </Show>
      )}
      {clearing.data && <Audit api={api} communityId={communityId} intervalStart={intervalStart} recorded={clearing.data} />}
      {curves.error !== undefined && <ErrorNote error={curves.error} />}
      {drawn && drawn.x.length > 1 && (
        <IntervalChart
          title="Bids and asks (credits/kWh over kWh)"
          x={drawn.x}
          series={drawn.series}
          unit="credits/kWh"
          time={false}
          bars
        />
      )}
    </section>
  );
}

const Money = ({ label, micros }: { label: string; micros: number }) => (
  <div>
    <dt>{label}</dt>
    <dd>{formatCredits(micros)}</dd>
  </div>
);

/** Recomputes the clearing from the recorded book in the browser and says whether the record holds. */
function Audit(props: { api: ApiClient; communityId: string; intervalStart: string; recorded: Record<string, unknown> }) {
  const [verdict, setVerdict] = useState<Verdict>();
  const [error, setError] = useState<unknown>();
  const run = async () => {
    setError(undefined);
    try {
      const path = { communityId: props.communityId, intervalStart: props.intervalStart };
      const book = await data(props.api.GET('/markets/{communityId}/intervals/{intervalStart}/orders', { params: { path } }));
      setVerdict(auditClearing(book as unknown as RecordedBook, props.recorded));
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="audit">
      <button type="button" onClick={() => void run()}>
        Audit this interval
      </button>
      {error !== undefined && <ErrorNote error={error} />}
      {verdict && (
        <p role="status" data-testid="verdict" className={verdict.matches ? 'plus' : 'minus'}>
          {verdict.matches
            ? `Verified: recomputed in this browser from the ${verdict.orderCount} recorded orders, the clearing matches the record ` +
              `(book digest ${verdict.recomputed.inputDigest.slice(0, 12)}…).`
            : `Does not match: recomputed from the ${verdict.orderCount} recorded orders, ` +
              `the record differs in ${verdict.differences.join(', ')}.`}
        </p>
      )}
    </div>
  );
}

const bound = (micros: number | null) => (micros === null ? '—' : formatPrice(micros));

const nullable = (micros: number | null) => (micros === null ? null : micros / 1e6);

/** The regulator asks for a household's positions and is refused: the portal shows the refusal as it is. */
function HouseholdCheck({ api }: { api: ApiClient }) {
  const [participantId, setParticipantId] = useState('');
  const [outcome, setOutcome] = useState<{ error?: unknown; shown?: number }>();
  const check = async (e: FormEvent) => {
    e.preventDefault();
    try {
      const now = Math.floor(Date.now() / 1000);
      const query = { from: instantOf(now - (now % 3600) - 86_400), to: instantOf(now - (now % 3600)) };
      const page = await data(api.GET('/participants/{participantId}/positions', { params: { path: { participantId }, query } }));
      setOutcome({ shown: (page as { items?: unknown[] }).items?.length ?? 0 });
    } catch (error) {
      setOutcome({ error });
    }
  };
  return (
    <section className="card" aria-labelledby="household-h">
      <h2 id="household-h">Household data</h2>
      <p className="muted">
        The regulator sees aggregates. A household&apos;s intervals stay with the household, its operator and its utility.
      </p>
      <form onSubmit={check} className="form inline">
        <label>
          Participant
          <input value={participantId} onChange={(e) => setParticipantId(e.target.value)} required />
        </label>
        <button type="submit">Ask for its positions</button>
      </form>
      {outcome?.error !== undefined && <ErrorNote error={outcome.error} />}
      {outcome?.shown !== undefined && <p role="status">{outcome.shown} positions shown.</p>}
    </section>
  );
}
