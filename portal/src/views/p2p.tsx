/**
 * A household's P2P trading (docs/p2p.md): the mandate (its agent's limits, which only the owner's own
 * key may set: an agent's key is refused with the ledger's code), and the offers of an open interval of
 * its community: its own with their requests to accept or refuse and Cancel, the others' to request.
 *
 * Over 400 lines: offers, requests and the mandate editor of one household, components of one
 * concern each; pure parts in ../p2p.ts.
 */
import { useMemo, useState, type FormEvent } from 'react';
import { data, type ApiClient } from '../api/client';
import type { LedgerEvent } from '../api/events';
import { ApiError } from '../api/errors';
import type { operations } from '../api/schema.gen';
import { Outcome, useAction } from '../action';
import { IntervalSelect } from '../interval-select';
import { openIntervals, type MarketParams } from '../intervals';
import { formOf, mandateOf, OPEN_MANDATE, type Mandate as LedgerMandate, type MandateForm } from '../mandate';
import { Show, useLoad } from '../load';
import { Table } from '../table';
import { localDateTime } from '../time';
import { formatKwh, formatPrice, parseScaled } from '../units';
import { SOURCES } from './household';

type Mandate = operations['getMandate']['responses'][200]['content']['application/json'];
type Offer = operations['listOffers']['responses'][200]['content']['application/json']['items'][number];
type Request = operations['listRequests']['responses'][200]['content']['application/json']['items'][number];

export function MandateEditor({ api, participantId }: { api: ApiClient; participantId: string }) {
  const path = { participantId };
  const stored = useLoad(
    () =>
      data(api.GET('/p2p/mandates/{participantId}', { params: { path } })).catch((e: unknown) => {
        if (e instanceof ApiError && e.code === 'MANDATE_NOT_FOUND') return null;
        throw e;
      }),
    [participantId],
  );
  return (
    <section aria-labelledby="mandate-h" className="card">
      <h2 id="mandate-h">Your agent&apos;s limits (mandate)</h2>
      <Show of={stored}>{(m) => <MandateFields api={api} participantId={participantId} stored={m} onSaved={stored.reload} />}</Show>
    </section>
  );
}

function MandateFields(props: { api: ApiClient; participantId: string; stored: Mandate | null; onSaved(): void }) {
  const [form, setForm] = useState<MandateForm>(() => formOf((props.stored as LedgerMandate | null) ?? OPEN_MANDATE));
  const parsed = mandateOf(form);
  const invalid = 'invalid' in parsed ? parsed.invalid : undefined;
  const saved = useAction<Mandate>(props.onSaved);
  const set = (patch: Partial<MandateForm>) => setForm((f) => ({ ...f, ...patch }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!('mandate' in parsed)) return;
    void saved.run(() =>
      data(
        props.api.PUT('/p2p/mandates/{participantId}', { params: { path: { participantId: props.participantId } }, body: parsed.mandate }),
      ),
    );
  };
  const field = (name: 'minSell' | 'maxBuy' | 'maxEnergy' | 'reserve', label: string, hint: string) => (
    <label>
      {label}
      <input
        inputMode="decimal"
        value={form[name]}
        onChange={(e) => set({ [name]: e.target.value })}
        aria-invalid={invalid === name}
        aria-describedby={`${name}-hint`}
      />
      <span id={`${name}-hint`} className="muted hint">
        {hint}
      </span>
    </label>
  );
  return (
    <form className="form" onSubmit={submit} data-testid="mandate">
      <p className="muted">
        {props.stored
          ? `Your mandate as you last saved it, ${localDateTime(props.stored.signedAt)}.`
          : 'No mandate yet: your agent has no limits set by you. Only your own key can set them.'}
      </p>
      {field('minSell', 'Lowest selling price (credits/kWh)', 'Empty: no limit beyond the price band.')}
      {field('maxBuy', 'Highest buying price (credits/kWh)', 'Empty: no limit beyond the price band.')}
      {field('maxEnergy', 'Most energy per interval and side (kWh)', 'Empty: no limit.')}
      {field('reserve', 'Battery reserve kept back (kWh)', 'Held back from what you sell per interval.')}
      <fieldset>
        <legend>Buy only from sellers with these sources</legend>
        {SOURCES.map((s) => (
          <label key={s} className="check">
            <input
              type="checkbox"
              checked={form.sources.includes(s)}
              onChange={() => set({ sources: form.sources.includes(s) ? form.sources.filter((x) => x !== s) : [...form.sources, s] })}
            />{' '}
            {s}
          </label>
        ))}
      </fieldset>
      <label>
        Buy from
        <select value={form.locality} onChange={(e) => set({ locality: e.target.value as MandateForm['locality'] })}>
          <option value="community">anyone in the community</option>
          <option value="zone">my zone only</option>
        </select>
      </label>
      <label className="check">
        <input type="checkbox" checked={form.automation} onChange={(e) => set({ automation: e.target.checked })} /> Let my agent trade for
        me
      </label>
      <button type="submit" disabled={saved.busy || invalid !== undefined}>
        Save mandate
      </button>
      {invalid !== undefined && (
        <p className="error" role="alert">
          Enter an amount with at most 3 decimals for kWh and 6 for credits.
        </p>
      )}
      <Outcome of={saved} done={(m) => `Mandate saved (${m.automation ? 'automation on' : 'automation off'}).`} />
    </form>
  );
}

export function P2pOffers(props: {
  api: ApiClient;
  participantId: string;
  communityId: string;
  meterIds: string[];
  params: MarketParams;
  events: LedgerEvent[];
}) {
  const { api, participantId, communityId, params } = props;
  const intervals = useMemo(() => openIntervals(params, 8), [params]);
  const [interval, setInterval] = useState(intervals[0] ?? '');
  const shown = interval || intervals[0] || '';
  const offers = useLoad(
    () =>
      shown ? data(api.GET('/p2p/offers', { params: { query: { communityId, intervalStart: shown } } })) : Promise.resolve({ items: [] }),
    [communityId, shown],
  );
  return (
    <section aria-labelledby="p2p-h" className="card wide">
      <h2 id="p2p-h">Peer-to-peer offers</h2>
      {intervals.length === 0 ? (
        <p className="muted">No interval is open for trading now.</p>
      ) : (
        <>
          <form className="form inline" onSubmit={(e) => e.preventDefault()}>
            <IntervalSelect
              label="Offers of the interval"
              intervals={intervals}
              intervalSeconds={params.intervalSeconds}
              value={shown}
              onChange={setInterval}
            />
            <button type="button" onClick={offers.reload}>
              Refresh
            </button>
          </form>
          <Show of={offers} empty={(o) => o.items.length === 0} emptyText="No offers for this interval yet.">
            {(o) => <OfferTable api={api} participantId={participantId} offers={o.items} onChange={offers.reload} />}
          </Show>
          <NewOffer {...props} intervalStart={shown} onOffered={offers.reload} />
        </>
      )}
    </section>
  );
}

function OfferTable(props: { api: ApiClient; participantId: string; offers: Offer[]; onChange(): void }) {
  const [open, setOpen] = useState<string>();
  const cancel = useAction<unknown>(props.onChange);
  return (
    <>
      <Table
        columns={[
          { label: 'Seller' },
          { label: 'Energy', num: true },
          { label: 'Minimum', num: true },
          { label: 'Price', num: true },
          { label: 'Accepted', num: true },
          { label: 'State' },
          { label: 'Actions', hidden: true },
        ]}
        testId="p2p-offers"
      >
        {props.offers.map((o) => {
          const mine = o.sellerId === props.participantId;
          const phase = o.phase ?? o.status;
          return (
            <tr key={o.offerId} data-offer-id={o.offerId}>
              <td>{mine ? 'you' : o.sellerId}</td>
              <td className="num">{formatKwh(o.energyWh)}</td>
              <td className="num">{formatKwh(o.minEnergyWh)}</td>
              <td className="num">{formatPrice(o.priceMicrosPerKwh)}</td>
              <td className="num">{formatKwh(o.acceptedWh)}</td>
              <td>{phase}</td>
              <td>
                <button
                  type="button"
                  aria-expanded={open === o.offerId}
                  onClick={() => setOpen(open === o.offerId ? undefined : o.offerId)}
                >
                  {mine ? 'Requests' : 'Request'}
                  <span className="sr-only"> for offer {o.offerId}</span>
                </button>{' '}
                {mine && phase === 'open' && (
                  <button
                    type="button"
                    onClick={() =>
                      void cancel.run(() => data(props.api.DELETE('/p2p/offers/{offerId}', { params: { path: { offerId: o.offerId } } })))
                    }
                  >
                    Cancel<span className="sr-only"> offer {o.offerId}</span>
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </Table>
      <Outcome of={cancel} done={() => 'Offer cancelled.'} />
      {open !== undefined && (
        <Requests
          api={props.api}
          offer={props.offers.find((o) => o.offerId === open)!}
          mine={props.offers.find((o) => o.offerId === open)!.sellerId === props.participantId}
          onChange={props.onChange}
        />
      )}
    </>
  );
}

/** An offer's requests: the seller sees all and answers them; a buyer sees its own, requests more or withdraws. */
function Requests(props: { api: ApiClient; offer: Offer; mine: boolean; onChange(): void }) {
  const { api, offer } = props;
  const path = { offerId: offer.offerId };
  const requests = useLoad(() => data(api.GET('/p2p/offers/{offerId}/requests', { params: { path } })), [offer.offerId]);
  const step = useAction<unknown>(() => {
    requests.reload();
    props.onChange();
  });
  const [kwh, setKwh] = useState('');
  const energyWh = parseScaled(kwh, 3);
  const request = (e: FormEvent) => {
    e.preventDefault();
    if (energyWh === undefined) return;
    void step.run(() =>
      data(
        api.POST('/p2p/offers/{offerId}/requests', { params: { path }, body: { clientRequestId: `web-${crypto.randomUUID()}`, energyWh } }),
      ),
    );
  };
  return (
    <div className="sub" data-testid="p2p-requests">
      <h3>Requests for {props.mine ? 'your' : 'this'} offer</h3>
      <Show of={requests} empty={(r) => r.items.length === 0} emptyText="No requests yet.">
        {(r) => (
          <Table columns={[{ label: 'Buyer' }, { label: 'Energy', num: true }, { label: 'State' }, { label: 'Actions', hidden: true }]}>
            {(r.items as Request[]).map((q) => (
              <tr key={q.requestId}>
                <td>{q.buyerId}</td>
                <td className="num">{formatKwh(q.energyWh)}</td>
                <td>{q.status}</td>
                <td>
                  {q.status === 'pending' && props.mine && (
                    <>
                      <button
                        type="button"
                        onClick={() =>
                          void step.run(() =>
                            data(api.POST('/p2p/offers/{offerId}/acceptances', { params: { path }, body: { requestIds: [q.requestId] } })),
                          )
                        }
                      >
                        Accept<span className="sr-only"> request {q.requestId}</span>
                      </button>{' '}
                      <button
                        type="button"
                        onClick={() =>
                          void step.run(() =>
                            data(
                              api.POST('/p2p/offers/{offerId}/refusals', {
                                params: { path },
                                body: { requestIds: [q.requestId], reason: 'other' },
                              }),
                            ),
                          )
                        }
                      >
                        Refuse<span className="sr-only"> request {q.requestId}</span>
                      </button>
                    </>
                  )}
                  {q.status === 'pending' && !props.mine && (
                    <button
                      type="button"
                      onClick={() =>
                        void step.run(() =>
                          data(
                            api.DELETE('/p2p/offers/{offerId}/requests/{requestId}', {
                              params: { path: { ...path, requestId: q.requestId } },
                            }),
                          ),
                        )
                      }
                    >
                      Withdraw<span className="sr-only"> request {q.requestId}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
      {!props.mine && (offer.phase ?? offer.status) === 'open' && (
        <form className="form inline" onSubmit={request}>
          <label>
            Energy to request (kWh)
            <input
              inputMode="decimal"
              value={kwh}
              onChange={(e) => setKwh(e.target.value)}
              aria-invalid={kwh !== '' && energyWh === undefined}
            />
          </label>
          <button type="submit" disabled={step.busy || !energyWh}>
            Send request
          </button>
        </form>
      )}
      <Outcome of={step} done={() => 'Done.'} />
    </div>
  );
}

function NewOffer(props: {
  api: ApiClient;
  communityId: string;
  meterIds: string[];
  params: MarketParams;
  intervalStart: string;
  onOffered(): void;
}) {
  const [meterId, setMeterId] = useState(props.meterIds[0] ?? '');
  const [kwh, setKwh] = useState('1');
  const [minKwh, setMinKwh] = useState('0.1');
  const [price, setPrice] = useState('');
  const energyWh = parseScaled(kwh, 3);
  const minEnergyWh = parseScaled(minKwh, 3);
  const priceMicrosPerKwh = parseScaled(price, 6);
  const offered = useAction<{ offerId: string }>(props.onOffered);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!energyWh || minEnergyWh === undefined || priceMicrosPerKwh === undefined) return;
    void offered.run(async () => {
      const answer = await data(
        props.api.POST('/p2p/offers', {
          body: {
            clientOfferId: `web-${crypto.randomUUID()}`,
            communityId: props.communityId,
            meterId: meterId || props.meterIds[0],
            intervalStart: props.intervalStart,
            energyWh,
            minEnergyWh,
            priceMicrosPerKwh,
          },
        }),
      );
      return answer.offer;
    });
  };
  if (props.meterIds.length === 0) return <p className="muted">Register a meter to offer energy.</p>;
  return (
    <form className="form" onSubmit={submit} data-testid="new-offer">
      <h3>Offer energy of this interval</h3>
      <label>
        From meter
        <select value={meterId || props.meterIds[0]} onChange={(e) => setMeterId(e.target.value)}>
          {props.meterIds.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </select>
      </label>
      <label>
        Energy (kWh)
        <input inputMode="decimal" value={kwh} onChange={(e) => setKwh(e.target.value)} aria-invalid={energyWh === undefined} />
      </label>
      <label>
        Smallest request (kWh)
        <input inputMode="decimal" value={minKwh} onChange={(e) => setMinKwh(e.target.value)} aria-invalid={minEnergyWh === undefined} />
      </label>
      <label>
        Price (credits/kWh)
        <input
          inputMode="decimal"
          value={price}
          onChange={(e) => setPrice(e.target.value)}
          aria-invalid={price !== '' && priceMicrosPerKwh === undefined}
        />
      </label>
      <p className="muted">
        Price band {formatPrice(props.params.feedInMicrosPerKwh)} to {formatPrice(props.params.retailMicrosPerKwh)}
      </p>
      <button type="submit" disabled={offered.busy || !energyWh || minEnergyWh === undefined || priceMicrosPerKwh === undefined}>
        Offer
      </button>
      <Outcome of={offered} done={(o) => `Offered (${o.offerId}).`} />
    </form>
  );
}
