/**
 * The portal's views beyond today (docs/portal.md) in Debian's Chromium against the platform's gateways,
 * on a community of the file's own: a household reads yesterday's readings as a day and a week, sets its
 * agent's mandate and is refused an offer below it (the code's message), offers energy; the utility calls a
 * demand-response event and the household, whose page is open, sees it arrive and opts in, which the
 * utility's page then shows; the household sees its community's battery, a storage contract that does not
 * exist by its code, reserves storage (quoted, then confirmed) and sees its meter's forecast; the operator lists the
 * community's participants, meters and contracts from the paged routes and opens the household from the list. axe on every view;
 * screenshots at desktop and phone width into test/artifacts/portal/.
 */
import { type Page } from 'playwright-core';
import { formatInstant } from '@gridledger/core/core';
import { QUARTER_HOUR_MARKET, trader, type Trader } from './market-support';
import { checkView, portalBrowser, signIn } from './portal-support';
import { battery, provider } from './storage-support';
import { api, credentials, operatorKey, signReading, uid } from './support';

const C = uid('views');
const browser = portalBrowser();
const utilityKey = () => credentials().apiKeys.utility.utility;
let household: Trader;
let home: Page;
let batteryId: string;

/** Yesterday in the browser's zone (Europe/Berlin), and three intervals at noon UTC of it, inside that local day. */
const yesterday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date(Date.now() - 86_400_000));
const noon = Date.parse(`${yesterday}T12:00:00Z`) / 1000;
const READINGS = [
  { at: noon, exportWh: 1_000, importWh: 200 },
  { at: noon + 900, exportWh: 1_500, importWh: 0 },
  { at: noon + 1_800, exportWh: 500, importWh: 101 },
];

const tab = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name, exact: true }).click();

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(pending: ReturnType<typeof api>, status = 200): Promise<any> {
  const answer = await pending;
  if (answer.status !== status) throw new Error(`${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

beforeAll(async () => {
  await ok(api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, QUARTER_HOUR_MARKET));
  let bp;
  [household, bp] = await Promise.all([trader('views', C), provider(C), browser.launch()]);
  // A site in zone z1 makes the household's meter eligible for demand response there.
  const site = {
    siteId: `${household.participantId}.site`,
    participantId: household.participantId,
    connectionCapacityW: 100_000,
    zone: 'z1',
  };
  await ok(api('community', household.apiKey, 'POST', '/sites', site), 201);
  await ok(api('community', household.apiKey, 'PUT', `/meters/${household.meterId}/site`, { siteId: site.siteId }));
  let importRegisterWh = 0;
  let exportRegisterWh = 0;
  const readings = READINGS.map((r, k) => {
    importRegisterWh += r.importWh;
    exportRegisterWh += r.exportWh;
    const reading = {
      meterId: household.meterId,
      intervalStart: formatInstant(r.at),
      seq: k + 1,
      importWh: r.importWh,
      exportWh: r.exportWh,
    };
    return signReading({ ...reading, importRegisterWh, exportRegisterWh }, household.privateKeyPem);
  });
  const submitted = await ok(api('community', operatorKey(), 'POST', '/readings', { readings }));
  expect(submitted.results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
  batteryId = uid('bat');
  await ok(api('community', bp.apiKey, 'POST', '/batteries', battery(bp, C, batteryId)), 201);
  home = await browser.newPage();
  await signIn(home, 'community', household.apiKey);
  await home.getByTestId('stream').filter({ hasText: 'Live' }).waitFor();
});

afterAll(() => browser.close());

test("a household reads yesterday as a day and as a week, with exact totals and the interval's UTC on hover", async () => {
  // Today's view reads the household's contracts from the ledger's list (none yet) before the tabs are opened.
  await home.getByText('No contracts yet.').waitFor();
  await tab(home, 'History');
  await expect(home.getByLabel('Day', { exact: true }).inputValue()).resolves.toBe(yesterday);
  const totals = home.getByTestId('history-totals');
  await totals.waitFor();
  await expect(totals.textContent()).resolves.toBe('Produced3.000 kWhConsumed0.301 kWhNet+2.699 kWhIntervals with readings3');
  await home
    .getByRole('img', { name: /The day per interval/ })
    .locator('canvas')
    .waitFor();
  // The chart's legend, on hover, gives the interval in local time and in UTC, and the Wh exactly.
  const box = (await home
    .getByRole('img', { name: /The day per interval/ })
    .locator('.u-over')
    .boundingBox())!;
  await home.mouse.move(box.x + box.width * ((noon + 450 - (noon - 13 * 3600)) / 86_400), box.y + box.height / 2);
  await home
    .locator('.u-legend')
    .filter({ hasText: `${formatInstant(noon)} – 12:15:00Z UTC` })
    .waitFor({ timeout: 5_000 });
  await expect(home.locator('.u-legend').textContent()).resolves.toContain('1.000 kWh');
  await checkView(home, 'household-history');

  await home.getByLabel('Period').selectOption('week');
  await home.getByRole('img', { name: /The week per interval/ }).waitFor();
  await expect(totals.textContent()).resolves.toMatch(/^Produced3\.000 kWhConsumed0\.301 kWh/);
});

test('a household sets its mandate, is refused an offer below it with the reason, and offers energy', async () => {
  await tab(home, 'P2P');
  const mandate = home.getByTestId('mandate');
  await mandate.getByText('No mandate yet').waitFor();
  await home.getByLabel('Lowest selling price (credits/kWh)').fill('0.1');
  await home.getByLabel('Most energy per interval and side (kWh)').fill('2.5');
  await home.getByLabel('Let my agent trade for me').check();
  await home.getByRole('button', { name: 'Save mandate' }).click();
  await mandate.getByText('Mandate saved (automation on).').waitFor({ timeout: 30_000 });
  const stored = await ok(api('community', household.apiKey, 'GET', `/p2p/mandates/${household.participantId}`));
  expect(stored).toMatchObject({
    minSellPriceMicrosPerKwh: 100_000,
    maxEnergyWhPerInterval: 2_500,
    automation: true,
    maxBuyPriceMicrosPerKwh: null,
  });

  const form = home.getByTestId('new-offer');
  await form.getByLabel('Energy (kWh)').fill('1.5');
  await form.getByLabel('Price (credits/kWh)').fill('0.08');
  await form.getByRole('button', { name: 'Offer' }).click();
  await expect(form.getByRole('alert').textContent()).resolves.toMatch(
    /below your mandate's minimum selling price.*MANDATE_PRICE_BELOW_MINIMUM/,
  );
  await form.getByLabel('Price (credits/kWh)').fill('0.15');
  await form.getByRole('button', { name: 'Offer' }).click();
  await form.getByText(/^Offered/).waitFor({ timeout: 30_000 });
  const row = home.getByTestId('p2p-offers').locator('tr', { hasText: 'you' });
  await expect(row.textContent()).resolves.toMatch(/you1\.500 kWh0\.100 kWh0\.15 credits\/kWh0\.000 kWhopen/);
  const intervalStart = await home.getByLabel('Offers of the interval').inputValue();
  const offers = await ok(
    api('community', household.apiKey, 'GET', `/p2p/offers?communityId=${C}&intervalStart=${encodeURIComponent(intervalStart)}`),
  );
  expect(offers.items.map((o: { energyWh: number; priceMicrosPerKwh: number }) => [o.energyWh, o.priceMicrosPerKwh])).toEqual([
    [1_500, 150_000],
  ]);
  await checkView(home, 'household-p2p');
});

test('the utility calls a demand-response event, the household sees it arrive and opts in, the utility sees the answer', async () => {
  // By keyboard: the tab, then the opt-in below (Enter in the field submits its form).
  const flexTab = home.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Flexibility', exact: true });
  await flexTab.focus();
  await flexTab.press('Enter');
  await home.getByText('No events in your community in the last two days.').waitFor();

  const utility = await browser.newPage();
  await signIn(utility, 'utility', utilityKey());
  await utility.getByRole('textbox', { name: 'Community' }).fill(C);
  await utility.getByRole('button', { name: 'Show', exact: true }).click();
  await tab(utility, 'Flexibility');
  const eventId = uid('ev');
  await utility.getByRole('button', { name: 'Call event' }).waitFor();
  await utility.getByRole('textbox', { name: 'Event id' }).first().fill(eventId);
  await utility.getByLabel('Target reduction (kW)').fill('2');
  await utility.getByRole('button', { name: 'Call event' }).click();
  await utility.getByText(`Event ${eventId} called.`).waitFor({ timeout: 30_000 });

  const event = home.locator(`[data-testid="flex-event"][data-event-id="${eventId}"]`);
  await event.getByText(/Target reduction/).waitFor({ timeout: 30_000 });
  await expect(event.textContent()).resolves.toMatch(/Target reduction2\.000 kWPaid per kWh reduced0\.40 credits\/kWh/);
  await event.getByText('You have not answered.').waitFor();
  await event.getByText(/Not fixed yet/).waitFor();
  await event.getByLabel('Reduction I commit to (kW, optional)').fill('0.5');
  await event.getByLabel('Reduction I commit to (kW, optional)').press('Enter');
  await event.getByText('You opted in, committing 0.500 kW.').waitFor({ timeout: 30_000 });
  const answered = await ok(api('community', household.apiKey, 'GET', `/flex/events/${eventId}`));
  expect(answered.optIns).toMatchObject([{ participantId: household.participantId, optedIn: true, committedW: 500 }]);
  await checkView(home, 'household-flex');

  // A page opened after the call finds the event in the community's list (GET /communities/{c}/flex-events), with the answer.
  const later = await browser.newPage();
  await signIn(later, 'community', household.apiKey);
  await tab(later, 'Flexibility');
  const listed = later.locator(`[data-testid="flex-event"][data-event-id="${eventId}"]`);
  await listed.getByText('You opted in, committing 0.500 kW.').waitFor({ timeout: 30_000 });
  await later.close();

  const optIns = utility.locator(`[data-event-id="${eventId}"]`).getByTestId('flex-opt-ins');
  await optIns.getByText(household.participantId).waitFor({ timeout: 30_000 });
  await expect(optIns.textContent()).resolves.toContain('opted in0.500 kWnot fixed');
  await checkView(utility, 'utility-flex');
});

test("a household sees its community's battery, a missing storage contract by its code, reserves storage, sees its forecast", async () => {
  await tab(home, 'Storage');
  await home.getByTestId('batteries').getByText(batteryId, { exact: true }).waitFor();
  await expect(home.getByTestId('batteries').locator('tr', { hasText: batteryId }).textContent()).resolves.toMatch(
    /z110\.000 kWh50\.000 kW \/ 50\.000 kW90 %0\.05 credits\/kWh0\.24 credits/,
  );
  await home.getByRole('textbox', { name: 'Contract id' }).fill('no-such-contract');
  await home.getByRole('button', { name: 'Look up contract' }).click();
  await expect(home.getByTestId('storage-contract').getByRole('alert').textContent()).resolves.toMatch(
    /storage contract does not exist.*STORAGE_CONTRACT_NOT_FOUND/,
  );
  // With credits deposited by the utility, the household reserves 1 kWh for two hours: quoted, then confirmed.
  const deposit = { participantId: household.participantId, amountMicros: 5_000_000, reference: uid('dep') };
  await ok(api('utility', utilityKey(), 'POST', '/credits/deposits', deposit), 201);
  const reserve = home.getByTestId('reserve');
  await reserve.getByRole('button', { name: 'Get a quote' }).click();
  await reserve.getByText(/^Reservation fee .* held now; 10\.000 kWh free in the window\.$/).waitFor({ timeout: 30_000 });
  await reserve.getByRole('button', { name: 'Confirm reservation' }).click();
  const reserved = await reserve.getByText(/^Reserved: contract /).textContent({ timeout: 30_000 });
  const contractId = reserved!.replace(/^Reserved: contract (.*)\.$/, '$1');
  const contract = await ok(api('community', household.apiKey, 'GET', `/storage/contracts/${contractId}`));
  expect(contract).toMatchObject({ batteryId, buyerId: household.participantId, reservedWh: 1_000, status: 'confirmed' });
  const card = home.getByRole('article', { name: `Storage contract ${contractId}` });
  await expect(card.getByTestId('storage-status').textContent()).resolves.toBe('confirmed');
  await checkView(home, 'household-storage');

  await tab(home, 'Forecast');
  await home.getByTestId('forecast-totals').waitFor({ timeout: 30_000 });
  await expect(home.getByText(/fitted on \d+ readings/).textContent()).resolves.toMatch(/PV by \w+, load by \w+/);
  await checkView(home, 'household-forecast');
});

test("the operator lists the community's participants, meters and contracts and opens the household from the list", async () => {
  const page = await browser.newPage();
  await signIn(page, 'community', operatorKey());
  await page.getByRole('textbox', { name: 'Community' }).fill(C);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await tab(page, 'Participants');
  const listed = page.getByTestId('participant-list');
  await listed.getByText(household.participantId, { exact: true }).waitFor();
  await page.getByTestId('meter-list').getByText(household.meterId, { exact: true }).waitFor();
  await page.getByText('No bilateral contracts in this community yet.').waitFor();
  await page.getByRole('button', { name: `Details of ${household.participantId}` }).click();
  await page.getByTestId('meters').getByText(household.meterId).waitFor();
  await checkView(page, 'operator-lists');

  await tab(page, 'Storage');
  await page.getByTestId('batteries').getByText(batteryId, { exact: true }).waitFor();
  await tab(page, 'Forecast');
  await page.getByTestId('forecast-totals').waitFor({ timeout: 30_000 });
  await expect(page.getByText(/the sum of \d+ meters/).count()).resolves.toBe(1);
  await checkView(page, 'operator-forecast');
});
