/**
 * The portal's storage, EV and report views (docs/portal.md) in Debian's Chromium against the platform's gateways,
 * on communities of the file's own: a battery provider registers a battery with the storage tab's form (checked
 * on the API, every figure exact); a household searches the storage offers of every community (its own and
 * another's battery, as the API answers the same search) and of its own only, and is told a field it typed cannot
 * be taken; the household finds its EV charger listed and plans a charging session: the slots, the energy and the
 * cost the API answers for the same request; it sees the dispatch the utility sent to its EV, and another household
 * sees neither; the regulator shows the certificate report's figures of today (the
 * API's JSON, exactly) and the empty report's message. axe on every view; screenshots at desktop and phone width
 * into test/artifacts/portal/.
 */
import { type Page } from 'playwright-core';
import { formatInstant } from '@gridledger/core/core';
import { QUARTER_HOUR_MARKET, trader, type Trader } from './market-support';
import { checkView, portalBrowser, signIn } from './portal-support';
import { battery, provider, type Provider } from './storage-support';
import { api, credentials, operatorKey, uid } from './support';

const C = uid('more');
const C2 = uid('more2');
const browser = portalBrowser();
const regulatorKey = () => credentials().apiKeys.regulator.regulator;
let household: Trader;
let bp: Provider;
let elsewhere: string;

const tab = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true }).click();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(pending: ReturnType<typeof api>, status = 200): Promise<any> {
  const answer = await pending;
  if (answer.status !== status) throw new Error(`${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Numbers as the page shows them in en-US. */
const fixed = (value: number, min: number, max = min) =>
  new Intl.NumberFormat('en-US', { minimumFractionDigits: min, maximumFractionDigits: max }).format(value);
const kwh = (wh: number) => `${fixed(wh / 1000, 3)} kWh`;
const credits = (micros: number) => `${fixed(micros / 1e6, 2, 6)} credits`;

beforeAll(async () => {
  await Promise.all([ok(api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, QUARTER_HOUR_MARKET)), browser.launch()]);
  let other: Provider;
  [household, bp, other] = await Promise.all([trader('more', C), provider(C), provider(C2)]);
  elsewhere = uid('bat');
  await ok(api('community', other.apiKey, 'POST', '/batteries', battery(other, C2, elsewhere, { zone: 'z9' })), 201);
});

afterAll(() => browser.close());

test('a battery provider registers a battery with the form; the API has it with every figure exact', async () => {
  const page = await browser.newPage();
  await signIn(page, 'community', bp.apiKey);
  await tab(page, 'Storage');
  const form = page.getByTestId('register-battery');
  await form.waitFor({ timeout: 30_000 });
  await checkView(page, 'provider-storage');
  const batteryId = uid('bat');
  await form.getByLabel('Battery id').fill(batteryId);
  await form.getByLabel('Zone').fill('z1');
  await form.getByLabel('Capacity (kWh)').fill('12.345');
  await form.getByLabel('Charge power (kW)', { exact: true }).fill('4.6');
  await form.getByLabel('Latitude (degrees)').fill('52.520008');
  await form.getByLabel('Longitude (degrees)').fill('13.404954');
  await form.getByLabel('Stored energy price (credits/kWh)').fill('0.0500001');
  await form.getByText(/Stored energy price \(credits\/kWh\): not an amount that can be taken exactly/).waitFor();
  await form.getByLabel('Stored energy price (credits/kWh)').fill('0.055');
  await form.getByLabel('Battery id').press('Enter');
  const outcome = form.getByRole('status').or(form.getByRole('alert'));
  await outcome.waitFor({ timeout: 30_000 });
  await expect(outcome.textContent()).resolves.toBe(`Battery ${batteryId} registered.`);
  const stored = await ok(api('community', bp.apiKey, 'GET', `/batteries/${batteryId}`));
  expect(stored).toMatchObject({
    batteryId,
    providerId: bp.participantId,
    communityId: C,
    zone: 'z1',
    meterId: bp.meterId,
    capacityWh: 12_345,
    maxChargeW: 4_600,
    maxDischargeW: 5_000,
    roundTripEfficiencyPpm: 900_000,
    latitudeMicro: 52_520_008,
    longitudeMicro: 13_404_954,
    storedPriceMicrosPerKwh: 55_000,
    reservedPriceMicrosPerKwhDay: 240_000,
    penaltyMicrosPerKwh: 100_000,
  });
  // One window of 30 days (the form's default) from the start of the hour of the registration.
  const [window] = stored.availability;
  expect([
    stored.availability.length,
    (Date.parse(window.to) - Date.parse(window.from)) / 1000,
    Date.parse(window.from) % 3_600_000,
  ]).toEqual([1, 30 * 86_400, 0]);
  expect(Date.parse(window.from)).toBeLessThanOrEqual(Date.now());
  // The provider's own batteries are read again: the new one is there.
  await page.getByRole('region', { name: 'Your batteries' }).getByText(batteryId).waitFor({ timeout: 30_000 });
});

test('a household searches the storage offers beyond its community, as the API answers, and of its own only', async () => {
  const page = await browser.newPage();
  await signIn(page, 'community', household.apiKey);
  await tab(page, 'Storage');
  const form = page.getByTestId('storage-search');
  await form.waitFor({ timeout: 30_000 });
  // Every community, 1 kWh free over two hours from the next full hour but one.
  await form.getByLabel('Free capacity at least (kWh)').fill('1');
  await form.getByRole('button', { name: 'Search' }).click();
  const offers = page.getByTestId('storage-offers');
  await offers.waitFor({ timeout: 30_000 });
  const from = Math.ceil(Date.now() / 1000 / 3600) * 3600 + 3600;
  const everywhere = await ok(
    api(
      'community',
      household.apiKey,
      'GET',
      `/storage/offers?minFreeWh=1000&from=${formatInstant(from)}&to=${formatInstant(from + 7200)}`,
    ),
  );
  const ids = everywhere.hits.map((h: { battery: { batteryId: string } }) => h.battery.batteryId);
  expect(ids).toContain(elsewhere);
  const rows = offers.locator('tbody tr');
  await expect(rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-battery')))).resolves.toEqual(ids);
  const hit = everywhere.hits.find((h: { battery: { batteryId: string } }) => h.battery.batteryId === elsewhere);
  await expect(offers.locator(`tr[data-battery="${elsewhere}"] td`).nth(3).textContent()).resolves.toBe(kwh(hit.freeWh));
  await expect(offers.locator(`tr[data-battery="${elsewhere}"] td`).nth(1).textContent()).resolves.toBe(C2);
  await checkView(page, 'household-storage-search');

  // Its own community only: the other community's battery is gone.
  await form.getByLabel('Community (empty: every community)').fill(C);
  await form.getByRole('button', { name: 'Search' }).click();
  await offers.locator(`tr[data-battery="${elsewhere}"]`).waitFor({ state: 'detached', timeout: 30_000 });
  const own = await ok(api('community', household.apiKey, 'GET', `/storage/offers?communityId=${C}`));
  expect(own.hits.every((h: { battery: { communityId: string } }) => h.battery.communityId === C)).toBe(true);
  // A place needs all three of latitude, longitude and radius.
  await form.getByLabel('Near latitude (degrees)').fill('52.5');
  await form.getByRole('button', { name: 'Search' }).click();
  await page.getByText(/Near longitude \(degrees\): not an amount that can be taken exactly \(a place needs all three\)/).waitFor();
});

test('a household plans its EV charging session: the slots and the cost the API answers; its dispatch is its own', async () => {
  const resourceId = uid('ev');
  const first = Math.ceil(Date.now() / 1000 / 900) * 900 + 900;
  await ok(
    api('community', household.apiKey, 'POST', '/resources', {
      resourceId,
      communityId: C,
      kind: 'ev',
      meterId: household.meterId,
      ...{ maxPowerW: 7_400, capacityWh: 60_000, minSocWh: 0, socWh: 20_000, targetWh: 48_000 },
      departureAt: formatInstant(first + 4 * 900),
    }),
    201,
  );
  // A setpoint of more charging in the first interval (this community has no dispatch service: it stays requested).
  const dispatchId = uid('d');
  const setpoint = { dispatchId, resourceId, powerW: -2_000, startAt: formatInstant(first), durationSeconds: 900, priceMicrosPerKwh: 1 };
  await ok(api('utility', credentials().apiKeys.utility.utility, 'POST', `/communities/${C}/dispatches`, setpoint), 201);
  const page = await browser.newPage();
  await signIn(page, 'community', household.apiKey);
  await tab(page, 'Flexibility');
  const row = page.getByTestId('dispatches').locator('tbody tr');
  await row.first().waitFor({ timeout: 30_000 });
  await expect(row.allTextContents()).resolves.toEqual([
    `${dispatchId}${resourceId}2.000 kW more import${await row.locator('time').textContent()}15 minsent, awaiting the device requested––`,
  ]);
  const resource = page.getByRole('article', { name: `Resource ${resourceId}` });
  const charging = resource.getByTestId('charging');
  await charging.waitFor({ timeout: 30_000 });
  // The arrival as the browser's zone (Europe/Berlin) reads the first interval.
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'short' })
    .format(new Date(first * 1000))
    .replace(' ', 'T');
  await charging.getByLabel(/Energy to charge/).fill('5');
  await charging.getByLabel(/Plugged in from/).fill(local);
  await charging.getByLabel(/Energy to charge/).press('Enter');
  const schedule = await ok(
    api('community', household.apiKey, 'POST', `/resources/${resourceId}/charging-schedule`, {
      arrivalAt: formatInstant(first),
      energyWh: 5_000,
    }),
  );
  expect(schedule.feasible).toBe(true);
  await resource
    .getByText(`${kwh(schedule.energyWh)} in ${schedule.slots.length} intervals for ${credits(schedule.costMicros)}.`)
    .waitFor({ timeout: 30_000 });
  const slots = resource.getByTestId('charging-slots').locator('tbody tr');
  await expect(slots.count()).resolves.toBe(schedule.slots.length);
  await expect(slots.locator('td:nth-child(2)').allTextContents()).resolves.toEqual(
    schedule.slots.map((s: { energyWh: number }) => kwh(s.energyWh)),
  );
  await expect(slots.first().locator('time').getAttribute('datetime')).resolves.toBe(formatInstant(first));
  await resource
    .getByRole('img', { name: /Charging per interval/ })
    .locator('canvas')
    .waitFor();
  await checkView(page, 'household-ev-charging');

  // More than fits before departure: the shortfall is said.
  await charging.getByLabel(/Energy to charge/).fill('10');
  await charging.getByLabel(/Energy to charge/).press('Enter');
  const short = await ok(
    api('community', household.apiKey, 'POST', `/resources/${resourceId}/charging-schedule`, {
      arrivalAt: formatInstant(first),
      energyWh: 10_000,
    }),
  );
  await resource
    .getByText(`Only ${kwh(short.energyWh)} fits before departure (${kwh(short.shortfallWh)} short)`, { exact: false })
    .waitFor({ timeout: 30_000 });

  // Another household of the community: no resource, no dispatch.
  const other = await browser.newPage();
  await signIn(other, 'community', bp.apiKey);
  await tab(other, 'Flexibility');
  await other.getByText('No dispatch was sent to your resources.').waitFor({ timeout: 30_000 });
  await other.getByText('You have registered no battery or EV charger.').waitFor();
  await expect(other.getByText(dispatchId).count()).resolves.toBe(0);
  await checkView(other, 'household-no-dispatches');
});

test("the regulator shows the certificate report's figures as the API answers them", async () => {
  const page = await browser.newPage();
  await signIn(page, 'regulator', regulatorKey());
  await page.getByRole('textbox', { name: 'Community' }).fill(C);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await tab(page, 'Figures');
  await page.getByRole('button', { name: 'Show report' }).click();
  const figures = page.getByTestId('report-figures');
  await figures.waitFor({ timeout: 60_000 });
  const from = await page.getByLabel('First day').inputValue();
  const to = new Date(`${from}T00:00:00Z`);
  to.setUTCDate(to.getUTCDate() + 1);
  const report = await ok(
    api(
      'regulator',
      regulatorKey(),
      'GET',
      `/reports/certificates?from=${from}T00:00:00Z&to=${formatInstant(to.getTime() / 1000)}&communityId=${C}`,
    ),
  );
  expect(report.producers).toEqual([]);
  await figures.getByText('No certificate was issued in this period.').waitFor();
  const m = report.market;
  await expect(figures.getByTestId('report-market').textContent()).resolves.toContain(
    `Spot volume${kwh(m.spotVolumeWh)}Contract volume${kwh(m.contractVolumeWh)}` +
      `P2P volume${kwh(m.p2pVolumeWh)}Consumption${kwh(m.consumptionWh)}`,
  );
  await expect(figures.getByTestId('report-market').textContent()).resolves.toMatch(new RegExp(`^Intervals${m.intervals}(,|Spot)`));
  await checkView(page, 'regulator-report');
  // A period the route refuses (over 92 days) is shown by its code.
  await page.getByLabel('First day').fill('2026-01-01');
  await page.getByLabel('Last day').fill('2026-12-31');
  await page.getByRole('button', { name: 'Show report' }).click();
  await page
    .getByRole('alert')
    .filter({ hasText: /_INVALID/ })
    .waitFor({ timeout: 30_000 });
});
