/**
 * The portal's views of the operator, the utility and the regulator (docs/portal.md) in Debian's
 * Chromium against the platform's gateways, on an interval of a community of the file's own that
 * has a household's reading, its window closed and the market closed, cleared and settled: the
 * household disputes the reading in its view; the operator follows the interval through its
 * stages, sees an open interval's book drawn and resolves the dispute; the utility sees the
 * settlement's deviations and records a deposit; the regulator audits the interval, is refused a
 * household's data and verifies the household's asset. axe on every view; screenshots at desktop
 * and phone width into test/artifacts/portal/.
 */
import { readFileSync } from 'node:fs';
import { type Page } from 'playwright-core';
import { formatInstant } from '@gridledger/core/core';
import { QUARTER_HOUR_MARKET, trader, type Trader } from './market-support';
import { checkView, portalBrowser, signIn } from './portal-support';
import { api, closeWindow, credentials, eventually, operatorKey, pastInterval, signReading, uid } from './support';

const C = uid('roles');
const T = pastInterval(1);
const browser = portalBrowser();
let household: Trader;
const assetId = () => `${household.participantId}.pv`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(pending: ReturnType<typeof api>, status = 200): Promise<any> {
  const answer = await pending;
  if (answer.status !== status) throw new Error(`${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Signs in at `org`, shows community C and opens the tab named `tab` (the market tab when none). */
async function open(org: 'community' | 'utility' | 'regulator', key: string, tab?: string): Promise<Page> {
  const page = await browser.newPage();
  await signIn(page, org, key);
  await page.getByRole('textbox', { name: 'Community' }).fill(C);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  if (tab) await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: tab }).click();
  return page;
}

const tab = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true }).click();

beforeAll(async () => {
  await ok(api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, QUARTER_HOUR_MARKET));
  [household] = await Promise.all([trader('roles', C), browser.launch()]);
  const reading = { meterId: household.meterId, intervalStart: T, seq: 1, importWh: 300, exportWh: 1_000 };
  const signed = signReading({ ...reading, importRegisterWh: 300, exportRegisterWh: 1_000 }, household.privateKeyPem);
  expect((await ok(api('community', operatorKey(), 'POST', '/readings', { readings: [signed] }))).results[0].status).toBe('accepted');
  // The interval's metering window, then the market: closed, cleared (an empty book: its gate passed long ago) and settled.
  expect((await closeWindow(T, C)).status).toBe(200);
  for (const step of ['close', 'clear', 'settle'])
    await ok(api('community', operatorKey(), 'POST', `/markets/${C}/intervals/${encodeURIComponent(T)}/${step}`));
  const asset = {
    assetId: assetId(),
    participantId: household.participantId,
    meterId: household.meterId,
    source: 'solar',
    capacityW: 4_000,
    zone: 'z',
    feeder: 'f1',
    location: '52.40 N 13.10 E',
    commissionedOn: '2024-05-01',
    certificationHash: 'c0'.repeat(32),
  };
  await ok(api('community', household.apiKey, 'POST', '/assets', asset), 201);
});

afterAll(() => browser.close());

test('a household disputes its reading; the operator follows the interval, sees a book drawn and resolves the dispute', async () => {
  const { body: market } = await api('community', operatorKey(), 'GET', `/markets/${C}/params`);
  const { gateClosureSeconds: gate, intervalSeconds: step } = market.params;
  const next = formatInstant(Math.ceil((Date.now() / 1000 + gate + 30) / step) * step);
  const order = { clientOrderId: uid('o'), communityId: C, intervalStart: next, side: 'sell', energyWh: 800, priceMicrosPerKwh: 150_000 };
  await ok(api('community', household.apiKey, 'POST', '/orders', order), 201);

  // The household disputes its reading in its own view.
  const home = await browser.newPage();
  await signIn(home, 'community', household.apiKey);
  await home.getByRole('combobox', { name: 'Reading of' }).selectOption(T);
  await home.getByLabel('Reason').fill('my display showed 0.8 kWh');
  await home.getByRole('button', { name: 'Open dispute' }).click();
  await home.getByText('Dispute opened: the operator will check the reading.').waitFor({ timeout: 30_000 });
  await checkView(home, 'household-dispute');

  const page = await open('community', operatorKey());
  await expect(page.getByTestId('role').textContent()).resolves.toBe('Community operator');
  await page.getByRole('button', { name: `Show the clearing of ${T}` }).click();
  await expect(page.getByTestId('clearing').textContent()).resolves.toMatch(
    /^Cleared at no price \(nothing matched\): 0\.000 kWh in 0 trades/,
  );
  await page.getByRole('combobox', { name: 'Interval', exact: true }).selectOption(next);
  await page.getByRole('button', { name: 'Show its book' }).click();
  await page
    .getByRole('img', { name: /Bids and asks/ })
    .locator('canvas')
    .waitFor();
  await checkView(page, 'operator-market');

  await tab(page, 'Community');
  const row = page.locator(`[data-testid="lifecycle"] tr:has(time[datetime="${T}"])`);
  await expect(row.getAttribute('data-status')).resolves.toBe('settled');
  await expect(row.textContent()).resolves.toMatch(/(✓ done){4}settled/);
  await page.getByRole('combobox', { name: 'Metering interval' }).selectOption(T);
  await page.getByTestId('community-balance').filter({ hasText: 'Production 1.000 kWh, consumption 0.300 kWh' }).waitFor();
  await checkView(page, 'operator-community');

  await tab(page, 'Participants');
  await page.getByLabel('Participant id').fill(household.participantId);
  await page.getByRole('button', { name: 'Look up' }).click();
  await page.getByTestId('meters').getByText(household.meterId).waitFor();
  await page.getByText('awaiting verification').waitFor();
  await checkView(page, 'operator-participants');

  await tab(page, 'Parameters and figures');
  await page.getByTestId('figures').waitFor();
  await checkView(page, 'operator-figures');

  // The dispute from the event history, resolved with the household's figure.
  await tab(page, 'Disputes');
  const resolve = page.getByRole('button', { name: `Resolve the dispute of ${household.meterId} at ${T}` });
  await resolve.waitFor({ timeout: 90_000 });
  await checkView(page, 'operator-disputes');
  await resolve.click();
  // The form starts from the recorded reading.
  await eventually(async () => (await page.getByLabel('Corrected export (kWh)').inputValue()) === '1.000', 15_000);
  await page.getByLabel('Corrected export (kWh)').fill('0.8');
  await page.getByLabel('Note').fill('per the household display');
  await page.getByLabel('Note').press('Enter');
  await page.getByText('Resolved: the corrected reading is settled again.').waitFor({ timeout: 30_000 });
  await resolve.waitFor({ state: 'detached', timeout: 30_000 });
  const dispute = await ok(api('community', operatorKey(), 'GET', `/meters/${household.meterId}/disputes/${encodeURIComponent(T)}`));
  expect(dispute).toMatchObject({
    status: 'resolved',
    reason: 'my display showed 0.8 kWh',
    correction: { exportWh: 800, note: 'per the household display' },
  });
  // The household's view learns of the resolution from its event stream.
  await home.getByText('Your dispute was resolved by the operator').waitFor({ timeout: 30_000 });
});

test("the utility sees the interval's settlement and deviations and records a deposit", async () => {
  const page = await open('utility', credentials().apiKeys.utility.utility, 'Settlement');
  await expect(page.getByTestId('role').textContent()).resolves.toBe('Utility');
  await page.getByRole('combobox', { name: 'Cleared interval' }).selectOption(T);
  await expect(page.getByTestId('deviations').textContent()).resolves.toMatch(
    /^Participants settled0Supplied by the utility0\.000 kWhTaken by the utility0\.000 kWh/,
  );
  await checkView(page, 'utility-settlement');

  await tab(page, 'Deposits and withdrawals');
  const reference = uid('web-dep');
  await page.getByLabel('Participant').fill(household.participantId);
  await page.getByLabel('Amount (credits)').fill('2.5');
  await page.getByLabel('Reference').fill(reference);
  await page.getByRole('button', { name: 'Record' }).click();
  await page.getByText(`Deposited: 2.50 credits for ${household.participantId}.`).waitFor({ timeout: 30_000 });
  await page.getByTestId('bank').getByText(reference).waitFor({ timeout: 90_000 });
  const { body: statement } = await api(
    'utility',
    credentials().apiKeys.utility.utility,
    'GET',
    `/credits/${household.participantId}/statement`,
  );
  expect(statement.items).toEqual(
    expect.arrayContaining([expect.objectContaining({ kind: 'deposit', availableMicros: 2_500_000, ref: reference })]),
  );
  await checkView(page, 'utility-bank');
  await tab(page, 'Community');
  await page.getByRole('heading', { name: 'Grid alerts' }).waitFor();
  await page.getByText('No active grid alerts.').waitFor();
  await checkView(page, 'utility-community');
  await tab(page, 'Market');
  await page.getByText('In circulation').waitFor();
  await checkView(page, 'utility-market');
});

test("the regulator audits the interval, is refused a household's data and verifies its asset", async () => {
  const page = await open('regulator', credentials().apiKeys.regulator.regulator);
  await page.getByRole('button', { name: `Show the clearing of ${T}` }).click();
  await page.getByRole('button', { name: 'Audit this interval' }).click();
  await expect(page.getByTestId('verdict').textContent()).resolves.toMatch(
    /^Verified: recomputed in this browser from the 0 recorded orders/,
  );
  await page.getByLabel('Participant').fill(household.participantId);
  await page.getByRole('button', { name: 'Ask for its positions' }).click();
  await expect(page.getByRole('alert').textContent()).resolves.toMatch(/Your role may not do this.*ACCESS_DENIED/);
  await checkView(page, 'regulator-audit');

  // Aggregates: the community's metered balance per zone and the interval's stages.
  await tab(page, 'Community');
  await expect(page.locator(`[data-testid="lifecycle"] tr:has(time[datetime="${T}"])`).getAttribute('data-status')).resolves.toBe(
    'settled',
  );
  await checkView(page, 'regulator-community');

  await tab(page, 'Asset verification');
  const verify = page.getByRole('button', { name: `Verify asset ${assetId()}` });
  await verify.waitFor({ timeout: 90_000 });
  await checkView(page, 'regulator-assets');
  await verify.click();
  await page.getByText(`Asset ${assetId()} verified.`).waitFor({ timeout: 30_000 });
  await verify.waitFor({ state: 'detached', timeout: 30_000 });
  const asset = await ok(api('regulator', credentials().apiKeys.regulator.regulator, 'GET', `/assets/${assetId()}`));
  expect(asset.verification).toEqual(expect.objectContaining({ verifiedAt: expect.any(String) }));

  await tab(page, 'Figures');
  await page.getByTestId('figures').waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
  expect(download.suggestedFilename()).toMatch(new RegExp(`^certificates-${C}-\\d{4}-\\d{2}-\\d{2}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
  expect(readFileSync(await download.path(), 'utf8').length).toBeGreaterThan(0);
  await checkView(page, 'regulator-figures');
});
