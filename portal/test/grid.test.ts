/** The grid view's pure figures: each zone's state in an interval, the sheddings not over, one zone's series. */
import {
  CONGESTED_PPM,
  islandNotes,
  sheddingsNotOver,
  zoneSeries,
  zoneStates,
  type IntervalZones,
  type IslandView,
  type LiveZone,
  type Shedding,
} from '../src/grid';

const T0 = '2026-12-06T10:00:00Z';
const T1 = '2026-12-06T10:01:00Z';
const zone = (zoneId: string, parentZoneId: string | null) => ({
  zoneId,
  parentZoneId,
  exportLimitW: 40_000,
  importLimitW: 60_000,
  lossPpm: 0,
  priceMicrosPerKwh: null,
  areaZoneId: null,
  feeder: null,
  measured: null,
});
const measured = (meanSupplyW: number, meanDemandW: number, peakLoadingPpm: number | null) => ({
  intervalSeconds: 60,
  ticks: 12,
  meanSupplyW,
  meanDemandW,
  meanFeederFlowW: meanSupplyW - meanDemandW,
  peakLoadingPpm,
  minFrequencyMHz: null,
  maxFrequencyMHz: null,
  minVoltageMv: null,
  maxVoltageMv: null,
});
/** cp ← f1 ← f2, cp ← f3: f1 measured near its limit, f3's feeder held at its import limit by the clearing, f2 unmeasured. */
const view = (intervalStart: string, mode: 'islanded' | 'connected'): IntervalZones => ({
  communityId: 'c',
  intervalStart,
  status: 'cleared',
  mode,
  modelEffectiveFrom: T0,
  clearingMethod: 'zonal',
  congested: true,
  priceMicrosPerKwh: 120_000,
  shedWh: 0,
  zones: [
    zone('cp', null),
    { ...zone('f1', 'cp'), measured: measured(5_000, 56_000, CONGESTED_PPM) },
    zone('f2', 'f1'),
    {
      ...zone('f3', 'cp'),
      priceMicrosPerKwh: 150_000,
      feeder: { flowWh: -1_000, binding: 'import', lossWh: 0, lossMicros: 0, congestionRentMicros: 3 },
      measured: measured(2_000, 1_000, 100_000),
    },
  ],
});
const live = (zoneId: string, supplyW: number, demandW: number): LiveZone => ({
  zone: zoneId,
  supplyW,
  demandW,
  netW: supplyW - demandW,
  feederFlowW: supplyW - demandW,
  feederMeasured: false,
  limitW: 60_000,
  loadingPpm: 10_000,
  devices: 1,
  staleDevices: 0,
});
const shedding = (sheddingId: number, zoneId: string | null, from: string, to: string, intervals: string[]): Shedding => ({
  communityId: 'c',
  sheddingId,
  zoneId,
  from,
  to,
  shedW: 30_000,
  shedWhPerInterval: 500,
  reason: 'overload',
  loadPriorities: {},
  intervals,
  orderedBy: 'utility',
  mspId: 'UtilityMSP',
  orderedAt: T0,
  txId: 'tx',
});

describe('the grid view', () => {
  it('marks each zone congested, islanded, shed and under demand response as the interval has it', () => {
    const states = zoneStates(view(T0, 'islanded'), {
      live: [live('f2', 700, 300), live('f1', 1, 1)],
      // #1 reaches f1 and f2 below it in T0; #2 (the whole community) is for T1 only.
      sheddings: [shedding(1, 'f1', T0, T1, [T0]), shedding(2, null, T1, '2026-12-06T10:02:00Z', [T1])],
      flexEvents: [
        { eventId: 'ev-1', zoneIds: ['f3'], intervals: [T0] },
        { eventId: 'ev-2', zoneIds: ['f1'], intervals: [T1] },
      ],
    });
    const of = (id: string) => states.find((s) => s.zoneId === id)!;
    expect(states.map((s) => [s.zoneId, s.congested, s.islanded, s.sheddingIds, s.flexEventIds])).toEqual([
      ['cp', false, true, [], []],
      ['f1', true, true, [1], []],
      ['f2', false, true, [1], []],
      ['f3', true, true, [], ['ev-1']],
    ]);
    // Measured wins over live; live fills a zone with nothing measured yet.
    expect(of('f1')).toMatchObject({ supplyW: 5_000, demandW: 56_000, source: 'measured', loadingPpm: CONGESTED_PPM });
    expect(of('f2')).toMatchObject({ supplyW: 700, demandW: 300, source: 'live', loadingPpm: 10_000, binding: null });
    expect(of('f3')).toMatchObject({ flowWh: -1_000, binding: 'import', priceMicrosPerKwh: 150_000 });
    expect(of('cp')).toMatchObject({ supplyW: null, source: null, loadingPpm: null });

    // Connected, a loading just under the threshold and no order in force: nothing to notice but f3's binding feeder.
    const calm = view(T1, 'connected');
    calm.zones[1] = { ...calm.zones[1], measured: measured(5_000, 50_000, CONGESTED_PPM - 1) };
    const later = zoneStates(calm, { sheddings: [shedding(1, 'f1', T0, T1, [T0])], flexEvents: [] });
    expect(later.map((s) => [s.zoneId, s.congested, s.islanded, s.sheddingIds])).toEqual([
      ['cp', false, false, []],
      ['f1', false, false, []],
      ['f2', false, false, []],
      ['f3', true, false, []],
    ]);
  });

  it('lists the sheddings not over yet, under way or ahead', () => {
    const at = Date.parse(T1) / 1000;
    const list = [
      shedding(1, null, '2026-12-06T09:00:00Z', T1, []),
      shedding(2, 'f1', T0, '2026-12-06T10:02:00Z', []),
      shedding(3, null, '2026-12-06T10:05:00Z', '2026-12-06T10:06:00Z', []),
    ];
    expect(sheddingsNotOver(list, at).map((s) => [s.sheddingId, s.underWay])).toEqual([
      [2, true],
      [3, false],
    ]);
  });

  it("draws one zone's supply and demand per interval, live for the interval under way only", () => {
    const views = [view(T0, 'connected'), { ...view(T1, 'connected'), zones: [] }, view('2026-12-06T10:02:00Z', 'connected')];
    const liveNow = [live('f2', 700, 300)];
    expect(zoneSeries(views, 'f2', { current: '2026-12-06T10:02:00Z', live: liveNow })).toEqual({
      x: [Date.parse(T0) / 1000, Date.parse(T1) / 1000, Date.parse(T0) / 1000 + 120],
      supplyW: [null, null, 700],
      demandW: [null, null, 300],
    });
    expect(zoneSeries(views, 'f1', { current: T0, live: liveNow }).demandW).toEqual([56_000, null, 56_000]);
  });

  it('says the island mode now and the changes ahead', () => {
    const change = (number: number, mode: 'islanded' | 'connected', since: string) => ({
      communityId: 'c',
      mode,
      since,
      cause: 'utility' as const,
      reason: `change ${number}`,
      alertId: null,
      loadPriorities: {},
      previousSince: null,
      number,
      changedBy: 'utility',
      mspId: 'UtilityMSP',
      changedAt: T0,
      txId: 'tx',
    });
    const opened = change(1, 'islanded', T0);
    const closed = change(2, 'connected', '2026-12-06T10:05:00Z');
    const at = Date.parse(T1) / 1000;
    const base = { communityId: 'c', at: T1, cause: 'utility' };
    const islanded: IslandView = { ...base, mode: 'islanded', since: T0, record: opened, changes: [opened, closed] };
    expect(islandNotes(islanded, at)).toEqual([
      {
        kind: 'bad',
        text: expect.stringMatching(/^Islanded since .* \(utility: change 1\): nothing is bought from or sold to the utility\.$/),
      },
      { kind: 'warn', text: expect.stringMatching(/^From .*: connected \(change 2\)\.$/) },
    ]);
    const never: IslandView = { ...base, mode: 'connected', since: null, record: null, changes: [] };
    expect(islandNotes(never, at)).toEqual([{ text: "Connected to the utility's grid." }]);
    // Before the opening: connected now, the opening ahead.
    expect(islandNotes({ ...never, changes: [opened] }, Date.parse(T0) / 1000 - 1).map((n) => n.kind)).toEqual([undefined, 'warn']);
  });
});
