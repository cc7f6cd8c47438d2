/** A VEN's OpenADR report recorded on an event (chaincode/src/flex/reports.ts) on the fake ledger. */
import { FlexContract } from '../src/flex';
import { FakeFabric, identity, meterKeys } from './fake-fabric';
import { codeOf, expectOk, operator, regulator, setupMarket, utility } from './market-support';

const flex = new FlexContract();
const p1 = identity('CommunityMSP', 'consumer', 'p1');
const p2 = identity('CommunityMSP', 'consumer', 'p2');
const NOW = Date.parse('2026-11-23T16:00:00Z') / 1000;
const event = {
  eventId: 'ev-1',
  programId: 'dr-c1',
  communityId: 'c1',
  zoneIds: ['z1'],
  start: '2026-11-23T18:00:00Z',
  end: '2026-11-23T18:30:00Z',
  targetReductionW: 2_000,
  priceMicrosPerKwh: 500_000,
  optInDeadline: '2026-11-23T17:00:00Z',
};
const report = {
  reportId: 'rep-1',
  clientName: 'ven-client',
  resourceNames: ['p1.battery', 'p1.heater', 'p1.battery'],
  payloadTypes: ['USAGE'],
  sha256: 'ab'.repeat(32),
};

async function withEvent(): Promise<FakeFabric> {
  const fabric = await setupMarket({ p1: meterKeys(), p2: meterKeys() });
  fabric.now = NOW;
  expectOk(await fabric.run(utility, (ctx) => flex.callEvent(ctx, JSON.stringify(event))));
  return fabric;
}

it('records a report once, shows it to its household and the privileged, not to another household', async () => {
  const fabric = await withEvent();
  const out = await fabric.run(p1, (ctx) => flex.recordReport(ctx, 'ev-1', 'p1', JSON.stringify(report)));
  const recorded = expectOk(out);
  expect(recorded).toEqual({
    eventId: 'ev-1',
    participantId: 'p1',
    reportId: 'rep-1',
    clientName: 'ven-client',
    resourceNames: ['p1.battery', 'p1.heater'],
    payloadTypes: ['USAGE'],
    sha256: 'ab'.repeat(32),
    at: '2026-11-23T16:00:00Z',
    txId: out.txId,
  });
  expect(out.events.map((e) => e.name)).toEqual(['FlexReportRecorded']);
  // The same report again answers the record; other content under its id is refused.
  expect(expectOk(await fabric.run(p1, (ctx) => flex.recordReport(ctx, 'ev-1', 'p1', JSON.stringify(report))))).toEqual(recorded);
  const changed = JSON.stringify({ ...report, sha256: 'cd'.repeat(32) });
  expect(codeOf(await fabric.run(p1, (ctx) => flex.recordReport(ctx, 'ev-1', 'p1', changed)))).toBe('FLEX_EVENT_INVALID');
  for (const who of [p1, operator, regulator])
    expect(expectOk(await fabric.run(who, (ctx) => flex.listReports(ctx, 'ev-1'), false))).toEqual([recorded]);
  expect(expectOk(await fabric.run(p2, (ctx) => flex.listReports(ctx, 'ev-1'), false))).toEqual([]);
});

it('refuses a report for another household, on an unknown event, or not of the shape', async () => {
  const fabric = await withEvent();
  const body = JSON.stringify(report);
  expect(codeOf(await fabric.run(p2, (ctx) => flex.recordReport(ctx, 'ev-1', 'p1', body)))).toBe('ACCESS_DENIED');
  expect(codeOf(await fabric.run(p1, (ctx) => flex.recordReport(ctx, 'ev-9', 'p1', body)))).toBe('FLEX_EVENT_NOT_FOUND');
  for (const bad of [{ sha256: 'xyz' }, { resourceNames: [] }, { clientName: '' }, { extra: 1 }]) {
    const out = await fabric.run(p1, (ctx) => flex.recordReport(ctx, 'ev-1', 'p1', JSON.stringify({ ...report, ...bad })));
    expect(['FLEX_EVENT_INVALID', 'REQUEST_INVALID']).toContain(codeOf(out));
  }
});
