/**
 * Demand response (docs/flexibility.md). A household: its community's events of the last two days
 * (GET /communities/{c}/flex-events), those called since (the live stream) or looked up by id, each
 * with its window, target and price, its answer (opt in with an optional committed reduction, opt
 * out until the deadline), its published baseline and its payment. The utility and the operator:
 * call an event, then per event the answers, fix the baselines, settle, and the results per
 * interval against the target; the regulator reads them.
 *
 * Over 400 lines: the household's and the utility's/operator's demand-response views share the
 * event facts and stages; pure parts are in ../flex.ts.
 */
import { useState, type FormEvent } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { ApiError } from '../api/errors';
import type { operations } from '../api/schema.gen';
import { Outcome, useAction } from '../action';
import { flexStage, knownEventIds, whOf } from '../flex';
import { newestOf } from '../listed';
import { LookUp } from '../look-up';
import { Show, useLoad } from '../load';
import { useRemembered } from '../remembered';
import { Table } from '../table';
import { instantOf, localDateTime, utcInterval } from '../time';
import { formatCredits, formatKw, formatKwh, formatPrice, parseScaled } from '../units';

type FlexEvent = operations['getFlexEvent']['responses'][200]['content']['application/json']['event'];

/** null when `e` is the 404 named `code` (nothing there yet), else the error again. */
const noneOn = (code: string) => (e: unknown) => {
  if (e instanceof ApiError && e.code === code) return null;
  throw e;
};

/** The events to show and a form to look one up by id. */
function useEventIds(slot: string, events: LedgerEvent[]): [string[], (id: string) => void] {
  const [remembered, remember] = useRemembered(slot);
  return [knownEventIds(remembered, events), remember];
}

function EventFacts({ e }: { e: FlexEvent }) {
  const stage = flexStage(e, Date.now() / 1000, false);
  return (
    <dl className="facts">
      <dt>Window</dt>
      <dd>
        <time dateTime={e.start} title={utcInterval(e.start, (Date.parse(e.end) - Date.parse(e.start)) / 1000)}>
          {localDateTime(e.start)}
        </time>{' '}
        to{' '}
        <time dateTime={e.end} title={`${e.end} UTC`}>
          {localDateTime(e.end)}
        </time>{' '}
        ({e.intervals.length} {e.intervals.length === 1 ? 'interval' : 'intervals'})
      </dd>
      <dt>Zones</dt>
      <dd>{e.zoneIds.join(', ')}</dd>
      <dt>Target reduction</dt>
      <dd>{formatKw(e.targetReductionW)}</dd>
      <dt>Paid per kWh reduced</dt>
      <dd>{formatPrice(e.priceMicrosPerKwh)}</dd>
      <dt>Answer by</dt>
      <dd>
        <time dateTime={e.optInDeadline} title={`${e.optInDeadline} UTC`}>
          {localDateTime(e.optInDeadline)}
        </time>{' '}
        ({stage})
      </dd>
    </dl>
  );
}

// ---------------------------------------------------------------- household

/** How far back the community's list of events is read: events that started up to two days ago (their payment may be pending). */
const LISTED_BACK_MS = 2 * 86_400_000;

export function HouseholdFlex(props: { api: ApiClient; participantId: string; events: LedgerEvent[]; communityId?: string }) {
  const { api, participantId, events, communityId } = props;
  const [known, remember] = useEventIds(`gridledger.flex.${participantId}`, events);
  const called = newestOf(events, /^FlexEventCalled$/);
  const listed = useLoad(async () => {
    if (communityId === undefined) return [];
    const from = new Date(Date.now() - LISTED_BACK_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const page = await data(
      api.GET('/communities/{communityId}/flex-events', { params: { path: { communityId }, query: { from, pageSize: 50 } } }),
    );
    return page.items.map((e) => e.eventId);
  }, [communityId, called]);
  const ids = [...new Set([...known, ...(listed.data ?? [])])];
  return (
    <section aria-labelledby="flex-h" className="card wide">
      <h2 id="flex-h">Demand response</h2>
      <p className="muted">
        Your community's events of the last two days and those called while this page is open. Opt in to be paid for the energy you use less
        than your baseline during the event.
      </p>
      <LookUp label="Event id" button="Look up event" onFound={remember} />
      {ids.length === 0 ? (
        <p className="muted">{listed.loading ? 'Loading events…' : 'No events in your community in the last two days.'}</p>
      ) : (
        ids.map((id) => <HouseholdEvent key={id} api={api} eventId={id} participantId={participantId} events={events} />)
      )}
    </section>
  );
}

function HouseholdEvent({
  api,
  eventId,
  participantId,
  events,
}: {
  api: ApiClient;
  eventId: string;
  participantId: string;
  events: LedgerEvent[];
}) {
  const changed = newestOf(events, /^Flex(OptInChanged|BaselineFixed|EventSettled)$/);
  const path = { eventId };
  const event = useLoad(() => data(api.GET('/flex/events/{eventId}', { params: { path } })), [eventId, changed]);
  const baseline = useLoad(
    () =>
      data(api.GET('/flex/events/{eventId}/baselines/{participantId}', { params: { path: { eventId, participantId } } })).catch(
        noneOn('FLEX_BASELINE_NOT_FOUND'),
      ),
    [eventId, changed],
  );
  const results = useLoad(() => data(api.GET('/flex/events/{eventId}/results', { params: { path } })), [eventId, changed]);
  const answered = useAction<unknown>(event.reload);
  const [kw, setKw] = useState('');
  const committedW = kw.trim() === '' ? 0 : parseScaled(kw, 3);
  const optIn = (e: FormEvent) => {
    e.preventDefault();
    if (committedW === undefined) return;
    void answered.run(() =>
      data(
        api.PUT('/flex/events/{eventId}/opt-ins/{participantId}', {
          params: { path: { eventId, participantId } },
          body: committedW > 0 ? { committedW } : {},
        }),
      ),
    );
  };
  const optOut = () =>
    void answered.run(() =>
      data(api.DELETE('/flex/events/{eventId}/opt-ins/{participantId}', { params: { path: { eventId, participantId } } })),
    );
  return (
    <article className="sub" data-testid="flex-event" data-event-id={eventId} aria-label={`Event ${eventId}`}>
      <h3>Event {eventId}</h3>
      <Show of={event}>
        {({ event: e, optIns }) => {
          const mine = optIns.find((o) => o.participantId === participantId);
          const open = Date.now() < Date.parse(e.optInDeadline);
          return (
            <>
              <EventFacts e={e} />
              <p data-testid="flex-answer">
                {mine?.optedIn
                  ? `You opted in${mine.committedW > 0 ? `, committing ${formatKw(mine.committedW)}` : ''}.`
                  : mine
                    ? 'You opted out.'
                    : 'You have not answered.'}
              </p>
              {open && (
                <form className="form inline" onSubmit={optIn}>
                  <label>
                    Reduction I commit to (kW, optional)
                    <input
                      inputMode="decimal"
                      value={kw}
                      onChange={(ev) => setKw(ev.target.value)}
                      aria-invalid={committedW === undefined}
                    />
                  </label>
                  <button type="submit" disabled={answered.busy || committedW === undefined}>
                    Opt in
                  </button>
                  {mine?.optedIn && (
                    <button type="button" onClick={optOut} disabled={answered.busy}>
                      Opt out
                    </button>
                  )}
                </form>
              )}
              <Outcome of={answered} done={() => 'Answer recorded.'} />
            </>
          );
        }}
      </Show>
      <h4>Your baseline</h4>
      <Show
        of={baseline}
        empty={(b) => b === null}
        emptyText="Not fixed yet: it is published to you after the deadline, before the event starts."
      >
        {(b) => (
          <>
            <p data-testid="flex-baseline">
              {formatKwh(b!.baselineWh.reduce((s, w) => s + w, 0))} expected over the event ({b!.method}, {b!.selectedDays.length} like days
              averaged), fixed {localDateTime(b!.fixedAt)}.
            </p>
            <Table columns={[{ label: 'Interval' }, { label: 'Baseline', num: true }]}>
              {b!.intervals.map((t, k) => (
                <tr key={t}>
                  <td>
                    <time dateTime={t} title={`${t} UTC`}>
                      {localDateTime(t)}
                    </time>
                  </td>
                  <td className="num">{formatKwh(b!.baselineWh[k])}</td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </Show>
      <h4>Your payment</h4>
      <Show of={results} empty={(r) => r.results.length === 0} emptyText="Not settled yet: you are paid after the event's windows close.">
        {(r) => {
          const own = r.results[0];
          return (
            <p data-testid="flex-payment">
              Reduced {formatKwh(own.reductionWh)}; paid {formatCredits(own.paymentMicros)}
              {own.shortfallChargeMicros > 0 ? `, less ${formatCredits(own.shortfallChargeMicros)} for the shortfall` : ''}: net{' '}
              {formatCredits(own.netPaymentMicros)}.
            </p>
          );
        }}
      </Show>
    </article>
  );
}

// ---------------------------------------------------------------- utility, operator, regulator

export function UtilityFlex(props: { api: ApiClient; communityId: string; events: LedgerEvent[]; canCall: boolean }) {
  const [ids, remember] = useEventIds(`gridledger.flex.${props.communityId}`, props.events);
  return (
    <>
      {props.canCall && <CallEvent api={props.api} communityId={props.communityId} onCalled={remember} />}
      <section aria-labelledby="flex-events-h" className="card wide">
        <h2 id="flex-events-h">Demand-response events</h2>
        <LookUp label="Event id" button="Look up event" onFound={remember} />
        {ids.length === 0 ? (
          <p className="muted">No events called or looked up in this browser yet.</p>
        ) : (
          ids.map((id) => <EventResults key={id} {...props} eventId={id} />)
        )}
      </section>
    </>
  );
}

function CallEvent({ api, communityId, onCalled }: { api: ApiClient; communityId: string; onCalled(id: string): void }) {
  const metering = useLoad(() => data(api.GET('/metering/params')), []);
  const [eventId, setEventId] = useState(() => `ev-${Date.now().toString(36)}`);
  const [zones, setZones] = useState('z1');
  const [lead, setLead] = useState('3');
  const [count, setCount] = useState('1');
  const [deadline, setDeadline] = useState('1');
  const [kw, setKw] = useState('1');
  const [price, setPrice] = useState('0.4');
  const targetReductionW = parseScaled(kw, 3);
  const priceMicrosPerKwh = parseScaled(price, 6);
  const called = useAction<{ eventId: string }>((r) => {
    onCalled(r.eventId);
    setEventId(`ev-${Date.now().toString(36)}`);
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const step = metering.data?.intervalSeconds;
    if (!step || !targetReductionW || !priceMicrosPerKwh) return;
    const now = Date.now() / 1000;
    // The first interval of the metering grid at least `lead` intervals away, `count` long; answers close `deadline` intervals before.
    const start = Math.ceil(now / step) * step + Number(lead) * step;
    void called.run(async () => {
      const answer = await data(
        api.POST('/flex/events', {
          body: {
            eventId,
            programId: 'portal',
            communityId,
            zoneIds: zones
              .split(',')
              .map((z) => z.trim())
              .filter(Boolean),
            start: instantOf(start),
            end: instantOf(start + Number(count) * step),
            targetReductionW,
            priceMicrosPerKwh,
            optInDeadline: instantOf(start - Number(deadline) * step),
          },
        }),
      );
      return { eventId: answer.eventId };
    });
  };
  const whole = (label: string, value: string, set: (v: string) => void) => (
    <label>
      {label}
      <input type="number" min={1} max={96} step={1} value={value} onChange={(e) => set(e.target.value)} required />
    </label>
  );
  return (
    <section aria-labelledby="call-h" className="card">
      <h2 id="call-h">Call an event</h2>
      <Show of={metering}>
        {(m) => (
          <form className="form" onSubmit={submit}>
            <label>
              Event id
              <input value={eventId} onChange={(e) => setEventId(e.target.value)} required />
            </label>
            <label>
              Zones (comma-separated)
              <input value={zones} onChange={(e) => setZones(e.target.value)} required />
            </label>
            {whole(`Starts in (intervals of ${m.intervalSeconds} s)`, lead, setLead)}
            {whole('Length (intervals)', count, setCount)}
            {whole('Answers close (intervals before the start)', deadline, setDeadline)}
            <label>
              Target reduction (kW)
              <input inputMode="decimal" value={kw} onChange={(e) => setKw(e.target.value)} aria-invalid={!targetReductionW} />
            </label>
            <label>
              Price (credits per kWh reduced)
              <input inputMode="decimal" value={price} onChange={(e) => setPrice(e.target.value)} aria-invalid={!priceMicrosPerKwh} />
            </label>
            <button type="submit" disabled={called.busy || !targetReductionW || !priceMicrosPerKwh || Number(deadline) > Number(lead)}>
              Call event
            </button>
            <Outcome of={called} done={(r) => `Event ${r.eventId} called.`} />
          </form>
        )}
      </Show>
    </section>
  );
}

function EventResults(props: { api: ApiClient; events: LedgerEvent[]; eventId: string; canCall: boolean }) {
  const { api, eventId } = props;
  const changed = newestOf(props.events, /^Flex(OptInChanged|BaselineFixed|EventSettled)$/);
  const path = { eventId };
  const event = useLoad(() => data(api.GET('/flex/events/{eventId}', { params: { path } })), [eventId, changed]);
  const results = useLoad(() => data(api.GET('/flex/events/{eventId}/results', { params: { path } })), [eventId, changed]);
  const step = useAction<unknown>(() => {
    event.reload();
    results.reload();
  });
  return (
    <article className="sub" data-testid="flex-event" data-event-id={eventId} aria-label={`Event ${eventId}`}>
      <h3>Event {eventId}</h3>
      <Show of={event}>
        {({ event: e, optIns }) => (
          <>
            <EventFacts e={e} />
            <h4>Answers</h4>
            {optIns.length === 0 ? (
              <p className="muted">No household has answered yet.</p>
            ) : (
              <Table
                columns={[{ label: 'Participant' }, { label: 'Answer' }, { label: 'Committed', num: true }, { label: 'Baseline' }]}
                testId="flex-opt-ins"
              >
                {optIns.map((o) => (
                  <tr key={o.participantId}>
                    <td>{o.participantId}</td>
                    <td>{o.optedIn ? 'opted in' : 'opted out'}</td>
                    <td className="num">{formatKw(o.committedW)}</td>
                    <td>{o.baselineFixedAt ? `fixed ${localDateTime(o.baselineFixedAt)}` : 'not fixed'}</td>
                  </tr>
                ))}
              </Table>
            )}
            {props.canCall && (
              <p className="actions">
                <button
                  type="button"
                  disabled={step.busy}
                  onClick={() => void step.run(() => data(api.POST('/flex/events/{eventId}/baselines', { params: { path } })))}
                >
                  Fix baselines
                </button>{' '}
                <button
                  type="button"
                  disabled={step.busy}
                  onClick={() => void step.run(() => data(api.POST('/flex/events/{eventId}/settlement', { params: { path } })))}
                >
                  Settle
                </button>
              </p>
            )}
            <Outcome of={step} done={() => 'Done.'} />
            <h4>Results</h4>
            <Show of={results} empty={(r) => r.settledParticipants === 0} emptyText="Not settled yet.">
              {(r) => (
                <>
                  <p>
                    {r.settledParticipants} households settled, paid {formatCredits(r.paidMicros ?? 0)}.
                  </p>
                  <Table
                    columns={[
                      { label: 'Interval' },
                      { label: 'Target', num: true },
                      { label: 'Delivered', num: true },
                      { label: 'Shortfall', num: true },
                    ]}
                    testId="flex-results"
                  >
                    {(r.intervals ?? []).map((i) => (
                      <tr key={i.intervalStart}>
                        <td>
                          <time dateTime={i.intervalStart} title={utcInterval(i.intervalStart, e.intervalSeconds)}>
                            {localDateTime(i.intervalStart)}
                          </time>
                        </td>
                        <td className="num">{formatKwh(i.targetWh)}</td>
                        <td className="num">{formatKwh(i.deliveredWh)}</td>
                        <td className="num">{formatKwh(i.shortfallWh)}</td>
                      </tr>
                    ))}
                  </Table>
                </>
              )}
            </Show>
            <p className="muted">Target per interval: {formatKwh(whOf(e.targetReductionW, e.intervalSeconds))}.</p>
          </>
        )}
      </Show>
    </article>
  );
}
