/**
 * The web portal (portal/, docs/portal.md) in a real headless Chromium (Debian's, driven by
 * playwright-core) against the platform's gateways: a prosumer signs in with its API key, sees a
 * reading of its meter arrive over the event stream, places an order and cancels it; the regulator
 * is refused a household's positions; the operator sees the market. axe finds no serious or critical
 * violation on any view; screenshots at desktop and phone width go to test/artifacts/portal/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Page } from 'playwright-core';
import { formatInstant } from '@gridledger/core/core';
import { QUARTER_HOUR_MARKET, trader, type Trader } from './market-support';
import { expectAccessible, portalBrowser, portalUrl, screenshots, signIn } from './portal-support';
import { api, credentials, operatorKey, pastInterval, stateDir, signReading, uid } from './support';

const C = uid('portal');
const browser = portalBrowser();
let household: Trader;

const newPage = (): Promise<Page> => browser.newPage();

beforeAll(async () => {
  const market = await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, QUARTER_HOUR_MARKET);
  expect(market.status).toBe(200);
  [household] = await Promise.all([trader('web', C), browser.launch()]);
});

afterAll(() => browser.close());

test('a wrong key is refused with a message a person understands, and its code', async () => {
  const page = await newPage();
  await page.goto(portalUrl('community'));
  await expectAccessible(page);
  await screenshots(page, 'sign-in');
  await signIn(page, 'community', 'not-a-key');
  await expect(page.getByRole('alert').textContent()).resolves.toMatch(/API key is not known.*UNAUTHENTICATED/);
});

test('a prosumer sees its reading arrive live, places an order and cancels it', async () => {
  const page = await newPage();
  await signIn(page, 'community', household.apiKey);
  await expect(page.getByTestId('role').textContent()).resolves.toBe('Prosumer');
  await page.getByTestId('stream').filter({ hasText: 'Live' }).waitFor();
  await page.getByText('No readings yet today').waitFor();

  // A reading of the last ended interval of the metering grid, committed while the page is open.
  const { body: metering } = await api('community', household.apiKey, 'GET', '/metering/params');
  const step = Number(metering.intervalSeconds);
  const intervalStart = formatInstant(Math.floor(Date.now() / 1000 / step) * step - step);
  // Registers leave room for the earlier interval's reading that comes while the page is offline (below).
  const reading = {
    meterId: household.meterId,
    intervalStart,
    seq: 1,
    importWh: 250,
    exportWh: 1_234,
    importRegisterWh: 10_350,
    exportRegisterWh: 12_234,
  };
  const submitted = await api('community', operatorKey(), 'POST', '/readings', {
    readings: [signReading(reading, household.privateKeyPem)],
  });
  expect(submitted.body.results[0].status).toBe('accepted');
  const live = page.getByTestId('live');
  await live.getByText('1.234 kWh').first().waitFor({ timeout: 30_000 });
  await expect(live.textContent()).resolves.toMatch(/Production1\.234 kWhConsumption0\.250 kWhNet position\+0\.984 kWh/);
  // The interval in the user's zone on screen, in UTC on hover.
  const shown = page.locator(`time[datetime="${intervalStart}"]`).first();
  await expect(shown.getAttribute('title')).resolves.toBe(
    `${intervalStart} – ${formatInstant(Date.parse(intervalStart) / 1000 + step).slice(11)} UTC`,
  );

  // The live indicator follows the stream: it drops with the network; what came meanwhile shows once it is back.
  await page.context().setOffline(true);
  await page.getByTestId('stream').filter({ hasText: 'Reconnecting' }).waitFor({ timeout: 15_000 });
  const earlier = formatInstant(Date.parse(intervalStart) / 1000 - step);
  const missed = {
    ...reading,
    intervalStart: earlier,
    seq: 0,
    importWh: 100,
    exportWh: 2_000,
    importRegisterWh: 10_100,
    exportRegisterWh: 11_000,
  };
  const during = await api('community', operatorKey(), 'POST', '/readings', { readings: [signReading(missed, household.privateKeyPem)] });
  expect(during.body.results[0]).toEqual(expect.objectContaining({ status: 'accepted' }));
  await page.context().setOffline(false);
  await page.getByTestId('stream').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
  await live.getByText('3.234 kWh').waitFor({ timeout: 15_000 }); // produced today: 2.000 + 1.234 kWh

  // Place a sell order of 2.5 kWh at 0.2 credits/kWh with the keyboard, as a person without a mouse would, for the second
  // open interval: the first one's gate may close before the cancel below on a loaded machine (INTERVAL_CLOSED).
  await page.getByRole('combobox', { name: /^Interval/ }).selectOption({ index: 1 });
  await page.getByLabel('Energy (kWh)').fill('2.5');
  await page.getByLabel('Limit price (credits/kWh)').fill('0.2');
  await page.getByLabel('Limit price (credits/kWh)').press('Enter');
  const row = page.getByTestId('orders').locator('tbody tr');
  await row.first().waitFor({ timeout: 30_000 });
  await expect(row.first().textContent()).resolves.toMatch(/sell2\.500 kWh0\.20 credits\/kWh/);
  const { body: orders } = await api('community', household.apiKey, 'GET', `/participants/${household.participantId}/orders`);
  expect(orders.items).toEqual([expect.objectContaining({ side: 'sell', energyWh: 2_500, priceMicrosPerKwh: 200_000, status: 'open' })]);

  await expectAccessible(page);
  await screenshots(page, 'prosumer');

  await row
    .first()
    .getByRole('button', { name: /Cancel order/ })
    .click();
  await page.getByText('No open orders.').waitFor({ timeout: 30_000 });
  const { body: after } = await api('community', household.apiKey, 'GET', `/participants/${household.participantId}/orders`);
  expect(after.items).toEqual([expect.objectContaining({ status: 'cancelled' })]);

  // The key stays in the tab's session storage: never in the address, never in a gateway log line.
  expect(page.url()).not.toContain(household.apiKey);
  await expect(page.evaluate(() => sessionStorage.getItem('gridledger.apiKey'))).resolves.toBe(household.apiKey);
  expect(readFileSync(join(stateDir(), 'logs', 'gateway.community.log'), 'utf8')).not.toContain(household.apiKey);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('API key').waitFor();
  await expect(page.evaluate(() => sessionStorage.getItem('gridledger.apiKey'))).resolves.toBeNull();
});

test("the regulator audits a cleared interval in the browser and is refused a household's positions", async () => {
  // An interval whose gate has passed, closed and cleared (an empty book: orders go only to open intervals).
  const cleared = pastInterval(1);
  for (const step of ['close', 'clear'])
    expect((await api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${cleared}/${step}`)).status).toBe(200);
  const page = await newPage();
  await signIn(page, 'regulator', credentials().apiKeys.regulator.regulator);
  await expect(page.getByTestId('role').textContent()).resolves.toBe('Regulator');
  await page.getByRole('textbox', { name: 'Community' }).fill(C);
  await page.getByRole('button', { name: 'Show' }).click();
  await page.getByRole('button', { name: `Show the clearing of ${cleared}` }).click();
  await page.getByRole('button', { name: 'Audit this interval' }).click();
  await expect(page.getByTestId('verdict').textContent()).resolves.toMatch(
    /^Verified: recomputed in this browser from the 0 recorded orders/,
  );
  await page.getByLabel('Participant').fill(household.participantId);
  await page.getByRole('button', { name: 'Ask for its positions' }).click();
  await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Your role may not do this.*ACCESS_DENIED/);
  await expectAccessible(page);
  await screenshots(page, 'regulator');
});

test("the operator sees the market, an open interval's book drawn and the credits supply", async () => {
  const { body: market } = await api('community', operatorKey(), 'GET', `/markets/${C}/params`);
  const { gateClosureSeconds: gate, intervalSeconds: step } = market.params;
  const next = formatInstant(Math.ceil((Date.now() / 1000 + gate + 30) / step) * step);
  const order = { clientOrderId: uid('o'), communityId: C, intervalStart: next, side: 'sell', energyWh: 3_000, priceMicrosPerKwh: 120_000 };
  expect((await api('community', household.apiKey, 'POST', '/orders', order)).status).toBe(201);
  const page = await newPage();
  await signIn(page, 'community', operatorKey());
  await expect(page.getByTestId('role').textContent()).resolves.toBe('Community operator');
  await page.getByRole('textbox', { name: 'Community' }).fill(C);
  await page.getByRole('button', { name: 'Show' }).click();
  // Its cleared intervals (the regulator's test clears one) or the empty state.
  await page.getByTestId('results').or(page.getByText('No interval of this community has cleared yet.')).waitFor();
  await page.getByText('In circulation').waitFor();
  await page.getByRole('combobox', { name: 'Interval', exact: true }).selectOption(next);
  await page.getByRole('button', { name: 'Show its book' }).click();
  await page.getByText('Not cleared yet').waitFor();
  const chart = page.getByRole('img', { name: /Bids and asks/ });
  await chart.locator('canvas').waitFor();
  await expect(chart.getAttribute('aria-label')).resolves.toMatch(/Supply \(asks\)/);
  await expectAccessible(page);
  await screenshots(page, 'operator');
});
