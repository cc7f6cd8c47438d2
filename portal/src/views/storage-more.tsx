/**
 * More of the storage tab (docs/portal.md, Storage): a battery provider registers a battery behind one of its
 * meters (`POST /batteries`); anyone searches the storage offers of every community, or of one, by zone, free
 * capacity over a window, prices and distance (`GET /storage/offers`: nearest first, then cheaper).
 */
import { useState, type FormEvent } from 'react';
import { data, type ApiClient } from '../api/client';
import type { operations } from '../api/schema.gen';
import { Outcome, useAction } from '../action';
import { ErrorNote } from '../load';
import { batteryOf, searchQueryOf, type BatteryForm, type SearchForm } from '../storage-form';
import { Table } from '../table';
import { formatCredits, formatKw, formatKwh, formatPpm, formatPrice, scaledDecimal } from '../units';

type Hit = operations['searchStorage']['responses'][200]['content']['application/json']['hits'][number];

const BATTERY_LABELS: Record<keyof BatteryForm, string> = {
  batteryId: 'Battery id',
  communityId: 'Community',
  zone: 'Zone',
  meterId: 'Meter',
  capacityKwh: 'Capacity (kWh)',
  chargeKw: 'Charge power (kW)',
  dischargeKw: 'Discharge power (kW)',
  roundTripPercent: 'Round trip efficiency (%)',
  latitude: 'Latitude (degrees)',
  longitude: 'Longitude (degrees)',
  storedPrice: 'Stored energy price (credits/kWh)',
  reservedPrice: 'Reservation price (credits per kWh and day)',
  penaltyPrice: 'Penalty for energy not delivered (credits/kWh)',
  availableDays: 'Available for (days from this hour)',
};

/** A battery provider's registration of a battery behind one of its meters; `meters` its meters with their community. */
export function RegisterBattery(props: { api: ApiClient; meters: { meterId: string; communityId: string }[]; onRegistered(): void }) {
  const first = props.meters[0];
  const [form, setForm] = useState<BatteryForm>({
    batteryId: '',
    communityId: first?.communityId ?? '',
    zone: '',
    meterId: first?.meterId ?? '',
    capacityKwh: '10',
    chargeKw: '5',
    dischargeKw: '5',
    roundTripPercent: '90',
    latitude: '',
    longitude: '',
    storedPrice: '0.05',
    reservedPrice: '0.24',
    penaltyPrice: '0.1',
    availableDays: '30',
  });
  const parsed = batteryOf(form, Date.now() / 1000);
  const invalid = 'invalid' in parsed ? parsed.invalid : undefined;
  const registered = useAction<{ batteryId: string }>(props.onRegistered);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!('battery' in parsed)) return;
    void registered.run(async () => (await data(api.POST('/batteries', { body: parsed.battery }))).battery);
  };
  const api = props.api;
  const text = (key: keyof BatteryForm, decimal = true) => (
    <label key={key}>
      {BATTERY_LABELS[key]}
      <input
        inputMode={decimal ? 'decimal' : undefined}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        aria-invalid={invalid === key && form[key] !== ''}
        required
      />
    </label>
  );
  if (props.meters.length === 0) return null;
  return (
    <section aria-labelledby="register-battery-h" className="card">
      <h2 id="register-battery-h">Register a battery</h2>
      <form className="form" onSubmit={submit} data-testid="register-battery">
        {text('batteryId', false)}
        <label>
          {BATTERY_LABELS.meterId}
          <select
            value={form.meterId}
            onChange={(e) =>
              setForm({
                ...form,
                meterId: e.target.value,
                communityId: props.meters.find((m) => m.meterId === e.target.value)!.communityId,
              })
            }
          >
            {props.meters.map((m) => (
              <option key={m.meterId} value={m.meterId}>
                {m.meterId} ({m.communityId})
              </option>
            ))}
          </select>
        </label>
        {text('zone', false)}
        {(['capacityKwh', 'chargeKw', 'dischargeKw', 'roundTripPercent', 'latitude', 'longitude'] as const).map((k) => text(k))}
        {(['storedPrice', 'reservedPrice', 'penaltyPrice', 'availableDays'] as const).map((k) => text(k))}
        {invalid && form[invalid] !== '' && (
          <p className="error" role="alert">
            {BATTERY_LABELS[invalid]}: not an amount that can be taken exactly.
          </p>
        )}
        <button type="submit" disabled={registered.busy || invalid !== undefined}>
          Register battery
        </button>
        <Outcome of={registered} done={(b) => `Battery ${b.batteryId} registered.`} />
      </form>
    </section>
  );
}

const SEARCH_LABELS: Record<keyof SearchForm, string> = {
  communityId: 'Community (empty: every community)',
  zone: 'Zone',
  minFreeKwh: 'Free capacity at least (kWh)',
  startsInHours: 'From (whole hours after the next full hour)',
  hours: 'For (hours)',
  maxStoredPrice: 'Stored energy price at most (credits/kWh)',
  maxReservedPrice: 'Reservation price at most (credits per kWh and day)',
  latitude: 'Near latitude (degrees)',
  longitude: 'Near longitude (degrees)',
  radiusKm: 'Within (km)',
};

/** The storage offers of every community (or of one), filtered as a person fills the form. */
export function StorageSearch({ api }: { api: ApiClient }) {
  const [form, setForm] = useState<SearchForm>({
    communityId: '',
    zone: '',
    minFreeKwh: '',
    startsInHours: '1',
    hours: '2',
    maxStoredPrice: '',
    maxReservedPrice: '',
    latitude: '',
    longitude: '',
    radiusKm: '',
  });
  const found = useAction<Hit[]>();
  const [refused, setRefused] = useState<keyof SearchForm>();
  const search = (e: FormEvent) => {
    e.preventDefault();
    const parsed = searchQueryOf(form, Date.now() / 1000);
    if ('invalid' in parsed) return setRefused(parsed.invalid);
    setRefused(undefined);
    void found.run(async () => (await data(api.GET('/storage/offers', { params: { query: parsed.query } }))).hits);
  };
  const input = (key: keyof SearchForm) => (
    <label key={key}>
      {SEARCH_LABELS[key]}
      <input
        inputMode={key === 'communityId' || key === 'zone' ? undefined : 'decimal'}
        value={form[key]}
        onChange={(e) => setForm({ ...form, [key]: e.target.value })}
        aria-invalid={refused === key}
      />
    </label>
  );
  return (
    <section aria-labelledby="storage-search-h" className="card wide">
      <h2 id="storage-search-h">Search storage offers</h2>
      <form className="form" onSubmit={search} data-testid="storage-search">
        <div className="form inline">{(['communityId', 'zone', 'minFreeKwh', 'startsInHours', 'hours'] as const).map(input)}</div>
        <div className="form inline">
          {(['maxStoredPrice', 'maxReservedPrice', 'latitude', 'longitude', 'radiusKm'] as const).map(input)}
        </div>
        {refused && (
          <p className="error" role="alert">
            {SEARCH_LABELS[refused]}: not an amount that can be taken exactly
            {refused === 'latitude' || refused === 'longitude' || refused === 'radiusKm' ? ' (a place needs all three)' : ''}.
          </p>
        )}
        <button type="submit" disabled={found.busy}>
          Search
        </button>
      </form>
      {found.busy && (
        <p className="muted" aria-busy="true">
          Searching…
        </p>
      )}
      {found.error !== undefined && <ErrorNote error={found.error} />}
      {found.result && !found.busy && <Hits hits={found.result} />}
    </section>
  );
}

function Hits({ hits }: { hits: Hit[] }) {
  if (hits.length === 0) return <p className="muted">No battery offers storage with these conditions.</p>;
  return (
    <Table
      testId="storage-offers"
      columns={[
        { label: 'Battery' },
        { label: 'Community' },
        { label: 'Zone' },
        { label: 'Free', num: true },
        { label: 'Capacity', num: true },
        { label: 'Charge / discharge', num: true },
        { label: 'Round trip', num: true },
        { label: 'Stored energy price', num: true },
        { label: 'Reservation per kWh and day', num: true },
        { label: 'Distance', num: true },
      ]}
    >
      {hits.map(({ battery: b, freeWh, distanceM }) => (
        <tr key={b.batteryId} data-battery={b.batteryId}>
          <td>
            <code>{b.batteryId}</code> of {b.providerId}
          </td>
          <td>{b.communityId}</td>
          <td>{b.zone}</td>
          <td className="num">{formatKwh(freeWh)}</td>
          <td className="num">{formatKwh(b.capacityWh)}</td>
          <td className="num">
            {formatKw(b.maxChargeW)} / {formatKw(b.maxDischargeW)}
          </td>
          <td className="num">{formatPpm(b.roundTripEfficiencyPpm)}</td>
          <td className="num">{formatPrice(b.storedPriceMicrosPerKwh)}</td>
          <td className="num">{formatCredits(b.reservedPriceMicrosPerKwhDay)}</td>
          <td className="num">{distanceM === null ? '—' : `${scaledDecimal(distanceM, 3)} km`}</td>
        </tr>
      ))}
    </Table>
  );
}
