/**
 * The community operator's views: the community's balance per zone (live telemetry and the metered
 * totals of an interval), each interval's way through the market, participants with their meters,
 * meter exchanges and assets, the disputes to resolve, the market parameters and the figures over
 * a period (the last two also for the utility and the regulator).
 *
 * Over 400 lines: the operator's view, one panel per component (lists, clearing drawn, disputes,
 * parameters, figures); pure parts live outside the views.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { Outcome, useAction } from '../action';
import { intervalsAround, STAGES, stageOf, type Status } from '../lifecycle';
import { ErrorNote, Show, useLoad } from '../load';
import { allPages, newestOf } from '../listed';
import { Table } from '../table';
import { ContractList, MeterList, ParticipantList } from './lists';
import { useTick } from '../tick';
import { instantOf, localDateTime, localMidnight, utcInterval } from '../time';
import { formatKw, formatKwh, formatPpm, formatPrice, parseScaled, scaledDecimal } from '../units';

type WithCommunity = { api: ApiClient; communityId: string; events: LedgerEvent[] };

type Zone = { zone: string; productionWh: number; consumptionWh: number; netWh: number; meters: number; estimatedMeters: number };

/** The metered balance per zone of an interval (its metering window closed) and the live one from telemetry. */
export function CommunityBalance({ api, communityId, events }: WithCommunity) {
  const metering = useLoad(() => data(api.GET('/metering/params')), []);
  const step = metering.data?.intervalSeconds ?? 900;
  const choices = useMemo(() => intervalsAround(step, 16, 0).reverse(), [step]);
  const [picked, setPicked] = useState('');
  const closed = newestOf(events, /^WindowClosed$/, communityId);
  // The latest interval whose window a WindowClosed event of this community named, until the person picks one.
  const latestClosed = [...events].reverse().find((e) => e.name === 'WindowClosed' && e.payload.communityId === communityId)?.payload
    .intervalStart as string | undefined;
  const interval = picked || latestClosed || choices[1] || '';
  const metered = useLoad(
    () =>
      data(api.GET('/communities/{communityId}/intervals/{intervalStart}', { params: { path: { communityId, intervalStart: interval } } })),
    [communityId, interval, closed],
  );
  const tick = useTick(10_000);
  const live = useLoad(
    () => data(api.GET('/communities/{communityId}/grid/live', { params: { path: { communityId } } })),
    [communityId, tick],
  );
  return (
    <section className="card wide" aria-labelledby="balance-h">
      <h2 id="balance-h">Balance per zone</h2>
      <h3>Live (telemetry, every 10 s)</h3>
      <Show
        of={live}
        empty={(l) => !l.balance || l.balance.zones.length === 0}
        emptyText="No live telemetry from this community's devices."
      >
        {(l) => (
          <Table
            columns={[
              { label: 'Zone' },
              { label: 'Supply', num: true },
              { label: 'Demand', num: true },
              { label: 'Net', num: true },
              { label: 'Feeder loading', num: true },
            ]}
          >
            {l.balance!.zones.map((z) => (
              <tr key={z.zone}>
                <td>{z.zone}</td>
                <td className="num">{formatKw(z.supplyW)}</td>
                <td className="num">{formatKw(z.demandW)}</td>
                <td className="num">{formatKw(z.netW)}</td>
                <td className="num">{formatPpm(z.loadingPpm)}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
      <h3>Metered</h3>
      <form className="form inline" onSubmit={(e) => e.preventDefault()}>
        <label>
          Metering interval
          <select value={interval} onChange={(e) => setPicked(e.target.value)}>
            {[...new Set([interval, ...choices])].map((t) => (
              <option key={t} value={t} title={utcInterval(t, step)}>
                {localDateTime(t)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <Show of={metered}>
        {(v) => (
          <>
            <p data-testid="community-balance">
              Production {formatKwh(v.productionWh)}, consumption {formatKwh(v.consumptionWh)}, net exchange with the utility{' '}
              {formatKwh(v.netExchangeWh)}
              {v.estimatedMeters > 0 ? ` (${v.estimatedMeters} meters estimated)` : ''}.
            </p>
            <Table
              columns={[
                { label: 'Zone' },
                { label: 'Production', num: true },
                { label: 'Consumption', num: true },
                { label: 'Net', num: true },
                { label: 'Meters', num: true },
              ]}
            >
              {(v.zones as unknown as Zone[]).map((z) => (
                <tr key={z.zone}>
                  <td>{z.zone}</td>
                  <td className="num">{formatKwh(z.productionWh)}</td>
                  <td className="num">{formatKwh(z.consumptionWh)}</td>
                  <td className="num">{formatKwh(z.netWh)}</td>
                  <td className="num">
                    {z.meters}
                    {z.estimatedMeters > 0 ? ` (${z.estimatedMeters} est.)` : ''}
                  </td>
                </tr>
              ))}
            </Table>
          </>
        )}
      </Show>
    </section>
  );
}

/** The intervals around now with the stages each has reached (open, closed, cleared, settled), followed live. */
export function Lifecycle({ api, communityId, events }: WithCommunity) {
  const params = useLoad(() => data(api.GET('/markets/{communityId}/params', { params: { path: { communityId } } })), [communityId]);
  const step = params.data?.params.intervalSeconds;
  const changes = newestOf(events, /^Interval(Closed|Cleared|Settled)$/, communityId);
  const minute = useTick(60_000);
  const intervals = useLoad(
    () =>
      step === undefined
        ? Promise.resolve([])
        : Promise.all(
            intervalsAround(step, 8, 3).map((intervalStart) =>
              data(api.GET('/markets/{communityId}/intervals/{intervalStart}', { params: { path: { communityId, intervalStart } } })),
            ),
          ),
    [communityId, step, changes, minute],
  );
  return (
    <section className="card wide" aria-labelledby="lifecycle-h">
      <h2 id="lifecycle-h">Intervals: open, closed, cleared, settled</h2>
      {params.error !== undefined && <ErrorNote error={params.error} />}
      <Show of={intervals} empty={(l) => l.length === 0} emptyText="No market parameters for this community yet.">
        {(list) => (
          <Table
            columns={[{ label: 'Interval' }, ...STAGES.map((s) => ({ label: s[0].toUpperCase() + s.slice(1) })), { label: 'Now' }]}
            testId="lifecycle"
          >
            {[...list].reverse().map((i) => {
              const { reached, underway } = stageOf(i.status as Status);
              return (
                <tr key={i.intervalStart} data-status={i.status}>
                  <td>
                    <time dateTime={i.intervalStart} title={utcInterval(i.intervalStart, i.params.intervalSeconds)}>
                      {localDateTime(i.intervalStart)}
                    </time>
                  </td>
                  {STAGES.map((s, n) => (
                    <td key={s} className={n < reached ? 'plus' : 'muted'}>
                      {n < reached ? '✓ done' : '—'}
                    </td>
                  ))}
                  <td>{underway ?? i.status}</td>
                </tr>
              );
            })}
          </Table>
        )}
      </Show>
    </section>
  );
}

type Meter = {
  meterId: string;
  active?: boolean;
  communityId?: string;
  exchanges?: { effectiveFrom: string; reason?: string; exchangedAt: string }[];
};

/**
 * The community's participants, meters and contracts (the ledger's lists), and a participant looked up
 * (from the list, or by id): its record, meters with their exchanges, and assets with their verification.
 */
export function Participants({ api, communityId, events }: WithCommunity) {
  const [typed, setTyped] = useState('');
  const [participantId, setParticipantId] = useState('');
  const pick = (id: string) => {
    setTyped(id);
    setParticipantId(id);
    document.getElementById('participants-h')?.scrollIntoView();
  };
  const load = (read: () => Promise<unknown>) => () => (participantId ? read() : Promise.resolve(undefined));
  const path = { participantId };
  const participant = useLoad(
    load(() => data(api.GET('/participants/{participantId}', { params: { path } }))),
    [participantId],
  );
  const meters = useLoad(
    load(() => data(api.GET('/participants/{participantId}/meters', { params: { path } }))),
    [participantId],
  );
  const assets = useLoad(
    load(() => data(api.GET('/participants/{participantId}/assets', { params: { path } }))),
    [participantId],
  );
  return (
    <>
      <ParticipantList api={api} communityId={communityId} events={events} onPick={pick} />
      <section className="card wide" aria-labelledby="participants-h">
        <h2 id="participants-h">Participant, meters and assets</h2>
        <form
          className="form inline"
          onSubmit={(e) => {
            e.preventDefault();
            setParticipantId(typed.trim());
          }}
        >
          <label>
            Participant id
            <input value={typed} onChange={(e) => setTyped(e.target.value)} required />
          </label>
          <button type="submit">Look up</button>
        </form>
        {participantId && (
          <>
            <Show of={participant}>
              {(p) => {
                const r = p as { role: string; communityId?: string; registeredAt: string; displayName?: string };
                return (
                  <p data-testid="participant">
                    <strong>{r.displayName ?? participantId}</strong>: {r.role}
                    {r.communityId ? ` in ${r.communityId}` : ''}, registered {localDateTime(r.registeredAt)}
                  </p>
                );
              }}
            </Show>
            <h3>Meters</h3>
            <Show of={meters} empty={(m) => !(m as unknown[]).length} emptyText="No meters.">
              {(m) => (
                <Table columns={[{ label: 'Meter' }, { label: 'Active' }, { label: 'Exchanges' }]} testId="meters">
                  {(m as Meter[]).map((x) => (
                    <tr key={x.meterId}>
                      <td>
                        <code>{x.meterId}</code>
                      </td>
                      <td>{x.active === false ? 'retired' : 'active'}</td>
                      <td>
                        {(x.exchanges ?? []).length === 0
                          ? 'none'
                          : (x.exchanges ?? [])
                              .map((ex) => `from ${localDateTime(ex.effectiveFrom)}${ex.reason ? ` (${ex.reason})` : ''}`)
                              .join('; ')}
                      </td>
                    </tr>
                  ))}
                </Table>
              )}
            </Show>
            <h3>Assets</h3>
            <Show of={assets} empty={(a) => !(a as unknown[]).length} emptyText="No generation assets.">
              {(a) => (
                <Table columns={[{ label: 'Asset' }, { label: 'Source' }, { label: 'Capacity', num: true }, { label: 'Verification' }]}>
                  {(a as { assetId: string; source: string; capacityW: number; verification: { verifiedAt: string } | null }[]).map((x) => (
                    <tr key={x.assetId}>
                      <td>
                        <code>{x.assetId}</code>
                      </td>
                      <td>{x.source}</td>
                      <td className="num">{formatKw(x.capacityW)}</td>
                      <td>{x.verification ? `verified ${localDateTime(x.verification.verifiedAt)}` : 'awaiting verification'}</td>
                    </tr>
                  ))}
                </Table>
              )}
            </Show>
          </>
        )}
      </section>
      <MeterList api={api} communityId={communityId} events={events} />
      <ContractList api={api} communityId={communityId} events={events} />
    </>
  );
}

/** An open dispute as the ledger's list answers it (the record's fields the view shows). */
interface OpenDispute {
  meterId: string;
  intervalStart: string;
  participantId: string;
  reason: string;
  openedAt: string;
}

/**
 * The community's open disputes (the ledger's list, read again when a dispute is opened or resolved)
 * and the operator's resolution with corrected values.
 */
export function DisputeQueue({ api, communityId, events }: { api: ApiClient; communityId: string; events: LedgerEvent[] }) {
  const changed = newestOf(events, /^(ReadingDisputed|DisputeResolved)$/);
  const listed = useLoad(
    () =>
      allPages((bookmark) =>
        data(api.GET('/communities/{communityId}/disputes', { params: { path: { communityId }, query: { bookmark, pageSize: 500 } } })),
      ),
    [communityId, changed],
  );
  const [resolving, setResolving] = useState<OpenDispute>();
  const list = (listed.data?.items ?? []).map((d) => d as OpenDispute).sort((a, b) => a.openedAt.localeCompare(b.openedAt));
  const state = listed.data === undefined ? 'loading' : 'live';
  return (
    <section className="card wide" aria-labelledby="dq-h">
      <h2 id="dq-h">Disputes to resolve</h2>
      {listed.error !== undefined && <ErrorNote error={listed.error} />}
      {state !== 'live' && list.length === 0 ? (
        <p className="muted" aria-busy="true">
          Reading the disputes from the ledger…
        </p>
      ) : list.length === 0 ? (
        <p className="muted">No open disputes.</p>
      ) : (
        <Table
          columns={[
            { label: 'Meter' },
            { label: 'Reading of' },
            { label: 'Participant' },
            { label: 'Reason' },
            { label: 'Action', hidden: true },
          ]}
          testId="disputes"
        >
          {list.map((d) => (
            <tr key={`${d.meterId}|${d.intervalStart}`}>
              <td>
                <code>{d.meterId}</code>
              </td>
              <td>
                <time dateTime={d.intervalStart} title={`${d.intervalStart} UTC`}>
                  {localDateTime(d.intervalStart)}
                </time>
              </td>
              <td>{d.participantId}</td>
              <td>{d.reason}</td>
              <td>
                <button
                  type="button"
                  onClick={() => setResolving(d)}
                  aria-label={`Resolve the dispute of ${d.meterId} at ${d.intervalStart}`}
                >
                  Resolve
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {resolving && <Resolve key={`${resolving.meterId}|${resolving.intervalStart}`} api={api} dispute={resolving} />}
    </section>
  );
}

function Resolve({ api, dispute }: { api: ApiClient; dispute: OpenDispute }) {
  const path = { meterId: dispute.meterId, intervalStart: dispute.intervalStart };
  const reading = useLoad(() => data(api.GET('/meters/{meterId}/readings/{intervalStart}', { params: { path } })), [dispute]);
  const [importKwh, setImport] = useState('');
  const [exportKwh, setExport] = useState('');
  const [note, setNote] = useState('');
  const importWh = parseScaled(importKwh, 3);
  const exportWh = parseScaled(exportKwh, 3);
  const resolved = useAction<unknown>();
  useEffect(() => {
    if (reading.data) {
      setImport(scaledDecimal(reading.data.importWh ?? 0, 3));
      setExport(scaledDecimal(reading.data.exportWh, 3));
    }
  }, [reading.data]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (importWh === undefined || exportWh === undefined) return;
    void resolved.run(() => data(api.POST('/disputes/resolutions', { body: { ...path, importWh, exportWh, note } })));
  };
  return (
    <form className="form" onSubmit={submit} aria-label="Resolve the dispute">
      <h3>
        Resolve {dispute.meterId} at <time dateTime={dispute.intervalStart}>{localDateTime(dispute.intervalStart)}</time>
      </h3>
      {reading.error !== undefined && <ErrorNote error={reading.error} />}
      <label>
        Corrected import (kWh)
        <input inputMode="decimal" value={importKwh} onChange={(e) => setImport(e.target.value)} aria-invalid={importWh === undefined} />
      </label>
      <label>
        Corrected export (kWh)
        <input inputMode="decimal" value={exportKwh} onChange={(e) => setExport(e.target.value)} aria-invalid={exportWh === undefined} />
      </label>
      <label>
        Note
        <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={256} required />
      </label>
      <button type="submit" disabled={resolved.busy || importWh === undefined || exportWh === undefined}>
        Resolve dispute
      </button>
      <Outcome of={resolved} done={() => 'Resolved: the corrected reading is settled again.'} />
    </form>
  );
}

const PRICE_FIELDS = [
  ['feedInMicrosPerKwh', 'Feed-in tariff (credits/kWh)'],
  ['retailMicrosPerKwh', 'Retail tariff (credits/kWh)'],
  ['gridFeeMicrosPerKwh', 'Grid fee (credits/kWh)'],
] as const;
const SECOND_FIELDS = [
  ['intervalSeconds', 'Interval (s)'],
  ['gateClosureSeconds', 'Gate closure (s)'],
  ['openingHorizonSeconds', 'Opening horizon (s)'],
] as const;

/** The market parameters in force; the operator changes them (later changes apply beyond the opening horizon). */
export function MarketParameters({ api, communityId, canEdit }: { api: ApiClient; communityId: string; canEdit: boolean }) {
  const params = useLoad(() => data(api.GET('/markets/{communityId}/params', { params: { path: { communityId } } })), [communityId]);
  const [edits, setEdits] = useState<Record<string, string>>({});
  const saved = useAction<unknown>(() => params.reload());
  return (
    <section className="card" aria-labelledby="params-h">
      <h2 id="params-h">Market parameters</h2>
      <Show of={params}>
        {(p) => {
          const current = p.params as unknown as Record<string, number>;
          const valueOf = (field: string, scale: number) => edits[field] ?? scaledDecimal(current[field], scale);
          const submit = (e: FormEvent) => {
            e.preventDefault();
            const change: Record<string, number> = {};
            for (const [f] of PRICE_FIELDS) if (edits[f] !== undefined) change[f] = parseScaled(edits[f], 6) ?? NaN;
            for (const [f] of SECOND_FIELDS) if (edits[f] !== undefined) change[f] = parseScaled(edits[f], 0) ?? NaN;
            if (Object.keys(change).length === 0 || Object.values(change).some(Number.isNaN)) return;
            void saved.run(() => data(api.PATCH('/markets/{communityId}/params', { params: { path: { communityId } }, body: change })));
          };
          return (
            <form className="form" onSubmit={submit}>
              {[...PRICE_FIELDS.map(([f, l]) => [f, l, 6] as const), ...SECOND_FIELDS.map(([f, l]) => [f, l, 0] as const)].map(
                ([f, label, scale]) => (
                  <label key={f}>
                    {label}
                    <input
                      inputMode="decimal"
                      value={valueOf(f, scale)}
                      readOnly={!canEdit}
                      aria-invalid={parseScaled(valueOf(f, scale), scale) === undefined}
                      onChange={(e) => setEdits({ ...edits, [f]: e.target.value })}
                    />
                  </label>
                ),
              )}
              <p className="muted">
                Clearing: {p.params.clearingMethod ?? 'uniform'}; k {formatPpm(p.params.kPpm)}
              </p>
              {canEdit && (
                <button type="submit" disabled={saved.busy || Object.keys(edits).length === 0}>
                  Change parameters
                </button>
              )}
              <Outcome of={saved} done={() => 'Parameters changed (from the first interval beyond the opening horizon).'} />
            </form>
          );
        }}
      </Show>
    </section>
  );
}

/** The market's figures over a period of settled intervals (from and to as local days). */
export function PeriodFigures({ api, communityId }: { api: ApiClient; communityId: string }) {
  const today = instantOf(localMidnight() + 43_200).slice(0, 10);
  const [range, setRange] = useState({ from: today, to: today });
  const [typed, setTyped] = useState(range);
  const bounds = (day: string, end: boolean) => {
    const d = new Date(`${day}T00:00:00`);
    if (end) d.setDate(d.getDate() + 1);
    return instantOf(Math.floor(d.getTime() / 1000));
  };
  const figures = useLoad(
    () =>
      data(
        api.GET('/markets/{communityId}/figures', {
          params: { path: { communityId }, query: { from: bounds(range.from, false), to: bounds(range.to, true) } },
        }),
      ),
    [communityId, range.from, range.to],
  );
  return (
    <section className="card wide" aria-labelledby="figures-h">
      <h2 id="figures-h">Market figures</h2>
      <form
        className="form inline"
        onSubmit={(e) => {
          e.preventDefault();
          setRange(typed);
        }}
      >
        <label>
          From
          <input type="date" value={typed.from} onChange={(e) => setTyped({ ...typed, from: e.target.value })} required />
        </label>
        <label>
          To
          <input type="date" value={typed.to} onChange={(e) => setTyped({ ...typed, to: e.target.value })} required />
        </label>
        <button type="submit">Show figures</button>
      </form>
      <Show of={figures}>
        {(f) => (
          <>
            <dl className="tiles" data-testid="figures">
              <Fig label="Settled intervals" text={String(f.intervals)} />
              <Fig
                label="Average clearing price"
                text={f.clearingPrice.microsPerKwh === null ? '—' : formatPrice(f.clearingPrice.microsPerKwh)}
              />
              <Fig label="Peer-to-peer volume" text={formatKwh(f.p2pVolumeWh)} />
              <Fig label="Contract volume" text={formatKwh(f.contractVolumeWh)} />
              <Fig label="P2P share of demand" text={formatPpm(f.p2pShareOfDemand.ppm)} />
              <Fig label="Self-sufficiency" text={formatPpm(f.selfSufficiency.ppm)} />
              <Fig label="Self-consumption" text={formatPpm(f.selfConsumption.ppm)} />
              <Fig label="Production" text={formatKwh(f.productionWh)} />
              <Fig label="Consumption" text={formatKwh(f.consumptionWh)} />
              <Fig label="Deviation supplied by the utility" text={formatKwh(f.deviationSuppliedWh)} />
              <Fig label="Deviation taken by the utility" text={formatKwh(f.deviationTakenWh)} />
              <Fig label="Active sellers / buyers" text={`${f.activeSellers} / ${f.activeBuyers}`} />
            </dl>
            {f.notSettled.length > 0 && (
              <p className="muted">{f.notSettled.length} intervals of the period are not settled yet and not counted.</p>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

export const Fig = ({ label, text }: { label: string; text: string }) => (
  <div>
    <dt>{label}</dt>
    <dd>{text}</dd>
  </div>
);
