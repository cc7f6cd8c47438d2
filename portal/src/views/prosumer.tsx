/**
 * A household's view: live production, consumption and net position from its meters' readings (the
 * event stream tells which reading arrived), today's chart per interval, energy tokens, credits,
 * open orders with place and cancel, and the statement with a CSV export.
 *
 * Over 400 lines: the household's 'Today' page (live readings, chart, balances, orders), one
 * component each.
 */
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { data, type ApiClient, type Session } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { IntervalChart } from '../chart';
import { IntervalSelect } from '../interval-select';
import { Table } from '../table';
import { openIntervals, type MarketParams } from '../intervals';
import { downloadCsv } from '../csv';
import { Contracts, Disputes, Green, Preferences, TokenMoves } from './household';
import { ErrorNote, Show, useLoad } from '../load';
import { instantOf, localDateTime, localMidnight, localTime, utcInterval } from '../time';
import { formatCredits, formatKwh, formatPrice, parseScaled, scaledDecimal } from '../units';
import { liveReadings } from '../history';

type Flow = { importWh: number; exportWh: number };

/** Per interval start, the readings of all the household's meters summed. */
function sumByInterval(byMeter: Map<string, Flow>): Map<string, Flow> {
  const out = new Map<string, Flow>();
  for (const [key, f] of byMeter) {
    const interval = key.slice(key.indexOf('|') + 1);
    const sum = out.get(interval) ?? { importWh: 0, exportWh: 0 };
    out.set(interval, { importWh: sum.importWh + f.importWh, exportWh: sum.exportWh + f.exportWh });
  }
  return out;
}

export function ProsumerView(props: { api: ApiClient; session: Session; events: LedgerEvent[]; resumes: number }) {
  const { api, session, events, resumes } = props;
  const pid = session.participantId ?? '';
  const path = { participantId: pid };
  const meters = useLoad(() => data(api.GET('/participants/{participantId}/meters', { params: { path } })), [pid]);
  const metering = useLoad(() => data(api.GET('/metering/params')), []);
  const communityId = meters.data?.[0]?.communityId;
  const market = useLoad(
    () =>
      communityId ? data(api.GET('/markets/{communityId}/params', { params: { path: { communityId } } })) : Promise.resolve(undefined),
    [communityId],
  );
  const account = useLoad(() => data(api.GET('/credits/{participantId}', { params: { path } })), [pid]);
  const tokens = useLoad(() => data(api.GET('/participants/{participantId}/tokens', { params: { path } })), [pid]);
  const orders = useLoad(
    () => data(api.GET('/participants/{participantId}/orders', { params: { path, query: { pageSize: 100 } } })),
    [pid],
  );
  const statement = useLoad(
    () => data(api.GET('/credits/{participantId}/statement', { params: { path, query: { pageSize: 100 } } })),
    [pid],
  );
  const intervalSeconds = metering.data?.intervalSeconds ?? 900;

  // Today's readings, then each new one the stream announces.
  const [readings, setReadings] = useState(new Map<string, Flow>());
  const [readingsError, setReadingsError] = useState<unknown>();
  const meterIds = useMemo(() => (meters.data ?? []).map((m) => m.meterId), [meters.data]);
  useEffect(() => {
    if (meterIds.length === 0 || !metering.data) return;
    const now = Math.floor(Date.now() / 1000);
    const from = Math.max(localMidnight(), now - 999 * intervalSeconds);
    Promise.all(
      meterIds.map((meterId) =>
        data(
          api.GET('/meters/{meterId}/readings', {
            params: { path: { meterId }, query: { from: instantOf(from - (from % intervalSeconds)), to: instantOf(now) } },
          }),
        ).then(liveReadings),
      ),
    ).then(
      (lists) =>
        setReadings((before) => {
          const next = new Map(before);
          for (const r of lists.flat()) next.set(`${r.meterId}|${r.intervalStart}`, { importWh: r.importWh ?? 0, exportWh: r.exportWh });
          return next;
        }),
      setReadingsError,
    );
  }, [api, meterIds, metering.data, intervalSeconds, resumes]);

  useEffect(() => {
    if (resumes === 0) return;
    orders.reload();
    account.reload();
    statement.reload();
    tokens.reload();
    // only when the stream came back: what changed while it was down
  }, [resumes]);
  const [seen, setSeen] = useState(0);
  const reloadMoney = useCallback(() => {
    account.reload();
    statement.reload();
    tokens.reload();
  }, [account, statement, tokens]);
  useEffect(() => {
    const fresh = events.slice(seen);
    if (fresh.length === 0) return;
    setSeen(events.length);
    for (const e of fresh) {
      if (e.name === 'ReadingsRecorded') {
        const accepted = (e.payload.accepted ?? []) as { meterId: string; intervalStart: string }[];
        for (const a of accepted) {
          data(api.GET('/meters/{meterId}/readings/{intervalStart}', { params: { path: a } })).then(
            (r) =>
              setReadings((m) => new Map(m).set(`${r.meterId}|${r.intervalStart}`, { importWh: r.importWh ?? 0, exportWh: r.exportWh })),
            setReadingsError,
          );
        }
      } else if (e.name === 'OrderAccepted' || e.name === 'OrdersAccepted' || e.name === 'OrderCancelled') {
        orders.reload();
        account.reload();
      } else if (/^(Credits|Interval(Cleared|Settled)|WindowClosed|SettlementCorrected)/.test(e.name)) {
        reloadMoney();
        orders.reload();
      }
    }
  }, [events, seen, api, orders, account, reloadMoney]);

  const byInterval = useMemo(() => sumByInterval(readings), [readings]);
  const starts = useMemo(() => [...byInterval.keys()].sort(), [byInterval]);
  const latest = starts.length > 0 ? starts[starts.length - 1] : undefined;
  const today = useMemo(() => {
    const midnight = localMidnight();
    return starts.filter((s) => Date.parse(s) / 1000 >= midnight).map((s) => byInterval.get(s)!);
  }, [starts, byInterval]);
  const chart = useMemo(() => {
    const midnight = localMidnight();
    const shown = starts.filter((s) => Date.parse(s) / 1000 >= midnight);
    return {
      range: [midnight, midnight + 86_400] as [number, number],
      x: shown.map((s) => Date.parse(s) / 1000),
      series: [
        { label: 'Production (kWh)', color: '#1a7f37', values: shown.map((s) => byInterval.get(s)!.exportWh / 1000) },
        { label: 'Consumption (kWh)', color: '#b35900', values: shown.map((s) => byInterval.get(s)!.importWh / 1000) },
      ],
    };
  }, [starts, byInterval]);

  return (
    <div className="view">
      <section aria-labelledby="now-h" className="card wide">
        <h2 id="now-h">Now</h2>
        {readingsError !== undefined && <ErrorNote error={readingsError} />}
        {latest === undefined ? (
          <p className="muted">{meters.loading ? 'Loading…' : 'No readings yet today. They appear here as your meter sends them.'}</p>
        ) : (
          <>
            <p className="muted">
              Latest interval:{' '}
              <time dateTime={latest} title={utcInterval(latest, intervalSeconds)}>
                {localTime(latest)}
              </time>
            </p>
            <dl className="tiles" data-testid="live">
              <Tile label="Production" wh={byInterval.get(latest)!.exportWh} />
              <Tile label="Consumption" wh={byInterval.get(latest)!.importWh} />
              <Tile label="Net position" wh={byInterval.get(latest)!.exportWh - byInterval.get(latest)!.importWh} signed />
              <Tile label="Produced today" wh={today.reduce((s, f) => s + f.exportWh, 0)} />
              <Tile label="Consumed today" wh={today.reduce((s, f) => s + f.importWh, 0)} />
            </dl>
          </>
        )}
        {starts.length > 0 && (
          <IntervalChart title="Today per interval" x={chart.x} series={chart.series} range={chart.range} unit="kWh" bars />
        )}
      </section>

      <section aria-labelledby="money-h" className="card">
        <h2 id="money-h">Balance</h2>
        <dl className="tiles">
          <Show of={account}>
            {(a) => (
              <>
                <div>
                  <dt>Credits available</dt>
                  <dd data-testid="credits">{formatCredits(a.availableMicros)}</dd>
                </div>
                <div>
                  <dt>Held for open orders</dt>
                  <dd>{formatCredits(a.escrowMicros)}</dd>
                </div>
              </>
            )}
          </Show>
          <Show of={tokens}>
            {(t) => (
              <div>
                <dt>Energy tokens</dt>
                <dd>{formatKwh(t.balanceWh)}</dd>
              </div>
            )}
          </Show>
        </dl>
      </section>

      <section aria-labelledby="order-h" className="card">
        <h2 id="order-h">Place an order</h2>
        {communityId === undefined ? (
          <p className="muted">{meters.loading ? 'Loading…' : 'Register a meter to trade.'}</p>
        ) : (
          <Show of={market}>
            {(m) => (m ? <OrderForm api={api} communityId={communityId} params={m.params} onPlaced={orders.reload} /> : null)}
          </Show>
        )}
      </section>

      <section aria-labelledby="orders-h" className="card wide">
        <h2 id="orders-h">Open orders</h2>
        <Show of={orders} empty={(p) => p.items.every((o) => o.status !== 'open')} emptyText="No open orders.">
          {(p) => (
            <OrderTable
              api={api}
              orders={p.items.filter((o) => o.status === 'open')}
              intervalSeconds={intervalSeconds}
              onChange={orders.reload}
            />
          )}
        </Show>
      </section>

      <section aria-labelledby="statement-h" className="card wide">
        <h2 id="statement-h">Statement: trades and payments</h2>
        <Show of={statement} empty={(s) => s.items.length === 0} emptyText="No trades or payments yet.">
          {(s) => <Statement lines={s.items} participantId={pid} />}
        </Show>
      </section>

      <TokenMoves api={api} participantId={pid} events={events} />
      <Disputes api={api} participantId={pid} events={events} meterIds={meterIds} intervalSeconds={intervalSeconds} />
      <Preferences api={api} participantId={pid} events={events} />
      <Contracts api={api} participantId={pid} events={events} communityId={communityId} />
      <Green api={api} participantId={pid} events={events} />
    </div>
  );
}

function Tile({ label, wh, signed }: { label: string; wh: number; signed?: boolean }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd className={signed ? (wh >= 0 ? 'plus' : 'minus') : undefined}>
        {signed && wh > 0 ? '+' : ''}
        {formatKwh(wh)}
      </dd>
    </div>
  );
}

function OrderForm(props: { api: ApiClient; communityId: string; params: MarketParams; onPlaced(): void }) {
  const { params } = props;
  const intervals = useMemo(() => openIntervals(params, 8), [params]);
  const [side, setSide] = useState<'buy' | 'sell'>('sell');
  const [interval, setInterval] = useState(intervals[0] ?? '');
  const [kwh, setKwh] = useState('1');
  const [price, setPrice] = useState(scaledDecimal(Math.round((params.feedInMicrosPerKwh + params.retailMicrosPerKwh) / 2), 6));
  const [error, setError] = useState<unknown>();
  const [placed, setPlaced] = useState<string>();
  const [busy, setBusy] = useState(false);
  const energyWh = parseScaled(kwh, 3);
  const priceMicrosPerKwh = parseScaled(price, 6);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (energyWh === undefined || priceMicrosPerKwh === undefined) return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await data(
        props.api.POST('/orders', {
          body: {
            clientOrderId: `web-${crypto.randomUUID()}`,
            communityId: props.communityId,
            intervalStart: interval || intervals[0],
            side,
            energyWh,
            priceMicrosPerKwh,
          },
        }),
      );
      setPlaced(answer.order.orderId);
      props.onPlaced();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} className="form">
      <label>
        Side
        <select value={side} onChange={(e) => setSide(e.target.value as 'buy' | 'sell')}>
          <option value="sell">Sell</option>
          <option value="buy">Buy</option>
        </select>
      </label>
      <IntervalSelect
        label="Interval"
        intervals={intervals}
        intervalSeconds={params.intervalSeconds}
        value={interval || intervals[0]}
        onChange={setInterval}
      />
      <label>
        Energy (kWh)
        <input inputMode="decimal" value={kwh} onChange={(e) => setKwh(e.target.value)} aria-invalid={energyWh === undefined} />
      </label>
      <label>
        Limit price (credits/kWh)
        <input
          inputMode="decimal"
          value={price}
          onChange={(e) => setPrice(e.target.value)}
          aria-invalid={priceMicrosPerKwh === undefined}
        />
      </label>
      <p className="muted">
        Price band {formatPrice(params.feedInMicrosPerKwh)} to {formatPrice(params.retailMicrosPerKwh)}
      </p>
      <button type="submit" disabled={busy || energyWh === undefined || priceMicrosPerKwh === undefined || intervals.length === 0}>
        {busy ? 'Placing…' : 'Place order'}
      </button>
      {error !== undefined && <ErrorNote error={error} />}
      {placed && !error && (
        <p role="status">
          Order <code>{placed}</code> placed.
        </p>
      )}
    </form>
  );
}

type Order = {
  orderId: string;
  side: 'buy' | 'sell';
  energyWh: number;
  priceMicrosPerKwh: number;
  intervalStart: string;
  escrowMicros: number;
};

function OrderTable(props: { api: ApiClient; orders: Order[]; intervalSeconds: number; onChange(): void }) {
  const [error, setError] = useState<unknown>();
  const cancel = async (orderId: string) => {
    setError(undefined);
    try {
      await data(props.api.DELETE('/orders/{orderId}', { params: { path: { orderId } } }));
      props.onChange();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      {error !== undefined && <ErrorNote error={error} />}
      <Table
        columns={[
          { label: 'Interval' },
          { label: 'Side' },
          { label: 'Energy', num: true },
          { label: 'Limit price', num: true },
          { label: 'Held', num: true },
          { label: 'Action', hidden: true },
        ]}
        testId="orders"
      >
        {props.orders.map((o) => (
          <tr key={o.orderId} data-order-id={o.orderId}>
            <td>
              <time dateTime={o.intervalStart} title={utcInterval(o.intervalStart, props.intervalSeconds)}>
                {localDateTime(o.intervalStart)}
              </time>
            </td>
            <td>{o.side}</td>
            <td className="num">{formatKwh(o.energyWh)}</td>
            <td className="num">{formatPrice(o.priceMicrosPerKwh)}</td>
            <td className="num">{formatCredits(o.escrowMicros)}</td>
            <td>
              <button type="button" onClick={() => void cancel(o.orderId)} aria-label={`Cancel order ${o.orderId}`}>
                Cancel
              </button>
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}

type Line = { number: number; at: string; kind: string; availableMicros: number; escrowMicros: number; ref: string; txId: string };

/** The statement's lines, newest first, and the whole as CSV with the ledger's integers. */
function Statement({ lines, participantId }: { lines: Line[]; participantId: string }) {
  const download = () =>
    downloadCsv(
      `statement-${participantId}.csv`,
      ['number', 'at', 'kind', 'availableMicros', 'escrowMicros', 'ref', 'txId'],
      lines.map((l) => [l.number, l.at, l.kind, l.availableMicros, l.escrowMicros, l.ref, l.txId]),
    );
  return (
    <>
      <button type="button" onClick={download}>
        Export CSV
      </button>
      <Table
        columns={[
          { label: 'When' },
          { label: 'What' },
          { label: 'Available', num: true },
          { label: 'Held', num: true },
          { label: 'Reference' },
        ]}
      >
        {[...lines].reverse().map((l) => (
          <tr key={l.number}>
            <td>
              <time dateTime={l.at} title={`${l.at} UTC`}>
                {localDateTime(l.at)}
              </time>
            </td>
            <td>{l.kind}</td>
            <td className="num">{formatCredits(l.availableMicros)}</td>
            <td className="num">{formatCredits(l.escrowMicros)}</td>
            <td>
              <code>{l.ref}</code>
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}
