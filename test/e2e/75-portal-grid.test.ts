/**
 * The portal's grid view (docs/portal.md, Grid) in Debian's Chromium against the platform's gateways, on a
 * community of the file's own: the utility sets a grid model with feeder limits from the next interval, opens
 * the connection from it (islanded) and orders a load shedding in zone f1 for it; telemetry's aggregate of f1
 * (near its import limit) is recorded. The operator sees every zone of that interval with the API's values,
 * f1 congested, every zone islanded, f1 and f2 below it shed; a second shedding and f2's aggregate arrive
 * on the event stream while the page is open. The utility sees the same view; a household has no grid view
 * and the API refuses it. The regulator sees the same zones (aggregates), the alerts and the model's versions
 * (the one in force, the one ahead) but no device; the operator sees a meter's telemetry published on the
 * broker, its latest sample exactly. axe on each view; screenshots at desktop and phone width into
 * test/artifacts/portal/.
 */
import mqtt from 'mqtt';
import { type Page } from 'playwright-core';
import { formatInstant } from '@gridledger/core/core';
import { ONE_MINUTE_MARKET, operatorClient } from './market-support';
import { checkView, portalBrowser, signIn } from './portal-support';
import { api, credentials, mqttOptions, newProsumerWithMeter, operatorKey, profile, uid } from './support';

const C = uid('grid');
const browser = portalBrowser();
const utilityKey = () => credentials().apiKeys.utility.utility;
/** The interval the file sets up: the first whose gate is at least 5 s away (the model must come before its gate). */
const I1 = Math.ceil((Date.now() / 1000 + ONE_MINUTE_MARKET.gateClosureSeconds + 5) / 60) * 60;
const I1S = formatInstant(I1);
/** A household's key (the demo's home-01): the grid view is refused by role, whatever the community. */
const householdKey = () => credentials().apiKeys.community['home-01'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function ok(pending: ReturnType<typeof api>, status = 200): Promise<any> {
  const answer = await pending;
  if (answer.status !== status) throw new Error(`${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** Telemetry's aggregate of a zone over I1, recorded as the telemetry service would (the operator may). */
async function recordAggregate(zone: string, meanSupplyW: number, meanDemandW: number, peakLoadingPpm: number): Promise<void> {
  const aggregate = {
    zone,
    intervalStart: I1S,
    intervalSeconds: 60,
    ticks: 60,
    meanSupplyW,
    meanDemandW,
    meanFeederFlowW: meanSupplyW - meanDemandW,
    peakLoadingPpm,
    minFrequencyMHz: 49_990,
    maxFrequencyMHz: 50_010,
    minVoltageMv: 229_000,
    maxVoltageMv: 231_000,
  };
  const client = operatorClient();
  try {
    await client.submit('telemetry:recordZoneIntervals', C, I1S, JSON.stringify([aggregate]));
  } finally {
    client.close();
  }
}

/** W as the page shows them in en-US: kW with three decimals. */
const kw = (w: number) => `${new Intl.NumberFormat('en-US', { minimumFractionDigits: 3 }).format(w / 1000)} kW`;

async function openGrid(org: 'community' | 'utility' | 'regulator', key: string, community = C): Promise<Page> {
  const page = await browser.newPage();
  await signIn(page, org, key);
  await page.getByRole('textbox', { name: 'Community' }).fill(community);
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Grid', exact: true }).click();
  if (community !== C) return page;
  await page.getByRole('combobox', { name: 'Interval', exact: true }).selectOption(I1S);
  await page.getByTestId('grid-zones').waitFor({ timeout: 30_000 });
  return page;
}

beforeAll(async () => {
  await ok(api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, ONE_MINUTE_MARKET));
  const model = {
    effectiveFrom: I1S,
    zones: [
      { zoneId: 'cp', parentZoneId: null, exportLimitW: 0, importLimitW: 0, lossPpm: 0 },
      { zoneId: 'f1', parentZoneId: 'cp', exportLimitW: 40_000, importLimitW: 60_000, lossPpm: 10_000 },
      { zoneId: 'f2', parentZoneId: 'f1', exportLimitW: 10_000, importLimitW: 20_000, lossPpm: 5_000 },
    ],
  };
  const island = { mode: 'islanded', since: I1S, reason: 'feeder cp tripped' };
  const shedding = { zoneId: 'f1', from: I1S, to: formatInstant(I1 + 60), shedW: 30_000, reason: 'feeder f1 overload' };
  // The shedding names a zone of the model, so it follows it; the rest needs only the market's parameters.
  await Promise.all([
    browser.launch(),
    ok(api('utility', utilityKey(), 'PUT', `/communities/${C}/grid`, model)).then(() =>
      ok(api('utility', utilityKey(), 'POST', `/communities/${C}/load-sheddings`, shedding), 201),
    ),
    ok(api('utility', utilityKey(), 'POST', `/communities/${C}/island-changes`, island), 201),
    recordAggregate('f1', 4_500, 57_250, 950_000),
  ]);
});

afterAll(() => browser.close());

test('the operator sees every zone of the interval as the API answers it: congested, islanded, shed; updates arrive live', async () => {
  const page = await openGrid('community', operatorKey());
  const view = await ok(api('community', operatorKey(), 'GET', `/communities/${C}/intervals/${I1S}/zones`));
  expect([view.mode, view.zones.map((z: { zoneId: string }) => z.zoneId)]).toEqual(['islanded', ['cp', 'f1', 'f2']]);
  const f1 = view.zones[1];
  const row = (zone: string) => page.getByTestId('grid-zones').locator(`tr[data-zone="${zone}"]`);
  await expect(row('f1').textContent()).resolves.toBe(
    `f1Feeder congestedIslandedLoad shed (#1)${kw(f1.measured.meanSupplyW)}${kw(f1.measured.meanDemandW)}interval mean95 %—` +
      `${kw(f1.importLimitW)} / ${kw(f1.exportLimitW)}—`,
  );
  await expect(row('f2').textContent()).resolves.toBe(`f2IslandedLoad shed (#1)——nothing yet——${kw(20_000)} / ${kw(10_000)}—`);
  await expect(row('cp').textContent()).resolves.toBe('cp (connection point)Islanded——nothing yet————');
  await expect(page.getByTestId('interval-summary').textContent()).resolves.toMatch(/settles islanded/);
  const sheddings = await ok(api('community', operatorKey(), 'GET', `/communities/${C}/load-sheddings`));
  await expect(page.getByTestId('sheddings').textContent()).resolves.toMatch(
    new RegExp(
      `^Load shedding #1 (under way|ordered): ${kw(sheddings.sheddings[0].shedW)} in zone f1 and below, .*\\(feeder f1 overload\\)$`,
    ),
  );
  await expect(page.getByText('feeder cp tripped').first().textContent()).resolves.toMatch(/^(From .*: islanded|Islanded since .*)/);
  await page
    .getByRole('img', { name: /Zone f1: supply and demand per interval/ })
    .locator('canvas')
    .waitFor();

  // While the page is open: a second shedding in f2 and f2's aggregate, on the event stream.
  await ok(
    api('utility', utilityKey(), 'POST', `/communities/${C}/load-sheddings`, {
      zoneId: 'f2',
      from: I1S,
      to: formatInstant(I1 + 60),
      shedW: 5_000,
      reason: 'feeder f2 overload',
    }),
    201,
  );
  await recordAggregate('f2', 1_250, 19_000, 935_000);
  await row('f2').getByText('Load shed (#2)').waitFor({ timeout: 30_000 });
  await row('f2').getByText(kw(19_000)).waitFor({ timeout: 30_000 });
  const f2 = (await ok(api('community', operatorKey(), 'GET', `/communities/${C}/intervals/${I1S}/zones`))).zones[2];
  await expect(row('f2').textContent()).resolves.toBe(
    `f2Feeder congestedIslandedLoad shed (#1)Load shed (#2)` +
      `${kw(f2.measured.meanSupplyW)}${kw(f2.measured.meanDemandW)}interval mean93.5 %—` +
      `${kw(f2.importLimitW)} / ${kw(f2.exportLimitW)}—`,
  );
  await page
    .getByTestId('sheddings')
    .getByText(/^Load shedding #2 .*feeder f2 overload/)
    .waitFor();
  await page.getByRole('combobox', { name: 'Zone drawn' }).selectOption('f2');
  await page
    .getByRole('img', { name: /Zone f2: supply and demand per interval/ })
    .locator('canvas')
    .waitFor();
  await checkView(page, 'operator-grid');
});

test('the utility sees the grid view; a household has none and the API refuses it', async () => {
  const page = await openGrid('utility', utilityKey());
  await page.getByTestId('grid-zones').locator('tr[data-zone="f2"]').getByText('Load shed (#2)').waitFor({ timeout: 30_000 });
  await checkView(page, 'utility-grid');

  const home = await browser.newPage();
  await signIn(home, 'community', householdKey());
  await home.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Today', exact: true }).waitFor();
  await expect(home.getByRole('navigation', { name: 'Views' }).getByRole('button', { name: 'Grid' }).count()).resolves.toBe(0);
  const refused = await api('community', householdKey(), 'GET', `/communities/${C}/intervals/${I1S}/zones`);
  expect([refused.status, refused.body.error?.code]).toEqual([403, 'ACCESS_DENIED']);
});

test("the regulator sees the zones, the alerts and the model's versions, and no device", async () => {
  // A second version from the interval after I1: I1's is in force once I1 has begun, the second ahead.
  const second = {
    effectiveFrom: formatInstant(I1 + 3600),
    zones: [
      { zoneId: 'cp', parentZoneId: null, exportLimitW: 0, importLimitW: 0, lossPpm: 0 },
      { zoneId: 'f1', parentZoneId: 'cp', exportLimitW: 50_000, importLimitW: 70_000, lossPpm: 10_000 },
    ],
  };
  await ok(api('utility', utilityKey(), 'PUT', `/communities/${C}/grid`, second));
  const regulatorKey = credentials().apiKeys.regulator.regulator;
  const page = await openGrid('regulator', regulatorKey);
  const row = (zone: string) => page.getByTestId('grid-zones').locator(`tr[data-zone="${zone}"]`);
  const f1 = (await ok(api('regulator', regulatorKey, 'GET', `/communities/${C}/intervals/${I1S}/zones`))).zones[1];
  await row('f1').getByText('Feeder congested').waitFor({ timeout: 30_000 });
  await expect(row('f1').textContent()).resolves.toContain(`${kw(f1.measured.meanSupplyW)}${kw(f1.measured.meanDemandW)}interval mean`);
  await page.getByRole('heading', { name: 'Grid alerts' }).waitFor();
  const versions = await ok(api('regulator', regulatorKey, 'GET', `/communities/${C}/grid/versions`));
  expect(versions.versions.map((v: { number: number }) => v.number)).toEqual([1, 2]);
  const version = (n: number) => page.getByTestId('grid-versions').locator(`tr[data-version="${n}"]`);
  // I1 may not have begun yet: version 1 is ahead until it does.
  await version(1).getByText('in force').waitFor({ timeout: 120_000 });
  await expect(version(2).locator('td').nth(1).textContent()).resolves.toBe('ahead');
  await expect(version(2).locator('td').nth(3).textContent()).resolves.toBe(`cp, f1 (${kw(70_000)} / ${kw(50_000)})`);
  await expect(version(1).locator('td').nth(4).textContent()).resolves.toBe(`${versions.versions[0].changedBy} (UtilityMSP)`);
  // A meter is a household's: the regulator's grid tab has no device telemetry.
  await expect(page.getByRole('heading', { name: 'Telemetry of a device' }).count()).resolves.toBe(0);
  await checkView(page, 'regulator-grid');
});

test("the operator sees a meter's telemetry published on the broker, its latest sample exactly", async () => {
  const community = profile().mqtt.communityId;
  const meter = await newProsumerWithMeter();
  const client = await mqtt.connectAsync(profile().mqtt.url, { ...mqttOptions(meter.mqtt, { protocolVersion: 5 }), reconnectPeriod: 0 });
  const topic = `gridledger/v1/${community}/meters/${meter.meterId}/telemetry`;
  const base = Math.floor(Date.now() / 1000) - 30;
  const powers = [1_250, -730, 2_015];
  try {
    for (const [i, powerW] of powers.entries()) {
      const sample = {
        deviceId: meter.meterId,
        zone: 'unzoned',
        at: formatInstant(base + 10 * i),
        powerW,
        frequencyMHz: 50_020,
        voltageMv: 231_400,
      };
      await client.publishAsync(topic, JSON.stringify(sample), { qos: 1 });
    }
  } finally {
    await client.endAsync();
  }
  // The samples are stored (the API's series), then the page shows them.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const series = await ok(api('community', operatorKey(), 'GET', `/meters/${meter.meterId}/telemetry`));
    if (series.series.length === powers.length) break;
    if (Date.now() > deadline) throw new Error(`samples: ${JSON.stringify(series)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const page = await openGrid('community', operatorKey(), community);
  await page.getByRole('textbox', { name: 'Meter id' }).fill(meter.meterId);
  await page.getByRole('textbox', { name: 'Meter id' }).press('Enter');
  const latest = page.getByTestId('device-latest');
  await latest.waitFor({ timeout: 30_000 });
  await expect(latest.textContent()).resolves.toContain(
    `Power (+ export)${kw(2_015)}Frequency50.020 HzVoltage231.400 V` + `Samples, lowest and highest power3: ${kw(-730)} to ${kw(2_015)}`,
  );
  await page
    .getByRole('img', { name: new RegExp(`Meter ${meter.meterId}: power per sample`) })
    .locator('canvas')
    .waitFor();
  await checkView(page, 'operator-device-telemetry');
});
