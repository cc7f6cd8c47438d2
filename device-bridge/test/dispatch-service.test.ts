/** The dispatch service against a fake ledger, without a broker: silent devices replaced, deliveries measured, acks, the overload rule. */
import { ErrorCodes, formatInstant, GridLedgerError, type DispatchRecord, type DispatchRequest, type FlexResource } from '@gridledger/core';
import { silentLogger } from '@gridledger/network';
import { DispatchService, replacementIdOf, type SampleSource } from '../src/dispatch/service';
import type { DispatchLedger } from '../src/dispatch/ledger';

const C = 'c1';
const T = 1_800_000_000;

const resource = (resourceId: string, maxPowerW: number, missedAcks = 0): FlexResource => ({
  resourceId,
  communityId: C,
  ownerId: `owner-${resourceId}`,
  kind: 'battery',
  zone: 'z1',
  meterId: `m-${resourceId}`,
  maxPowerW,
  capacityWh: 10_000,
  minSocWh: 2_000,
  socWh: 6_000,
  departureAt: null,
  targetWh: null,
  registeredAt: formatInstant(T),
  updatedAt: formatInstant(T),
  missedAcks,
});

const dispatch = (o: Partial<DispatchRecord>): DispatchRecord => ({
  dispatchId: 'd1',
  communityId: C,
  resourceId: 'a',
  ownerId: 'owner-a',
  zone: 'z1',
  meterId: 'm-a',
  powerW: 2_000,
  startAt: formatInstant(T),
  durationSeconds: 60,
  priceMicrosPerKwh: 1_000,
  ackTimeoutSeconds: 5,
  readingsWaitSeconds: 1_800,
  replaces: null,
  alertId: null,
  status: 'requested',
  requestedBy: 'utility',
  requestedAt: formatInstant(T),
  ackBy: formatInstant(T + 5),
  readingsBy: formatInstant(T + 60 + 1_800),
  ack: null,
  replacedBy: null,
  delivery: null,
  ...o,
});

class FakeLedger implements DispatchLedger {
  open: DispatchRecord[] = [];
  requested: DispatchRequest[] = [];
  marked: string[] = [];
  acks: { dispatchId: string; status: string }[] = [];
  settled: { dispatchId: string; delivery: object }[] = [];
  /** Settlements the chaincode refuses for missing readings before it takes one. */
  pendingReadings = 0;
  constructor(readonly list: FlexResource[]) {}
  async openDispatches() {
    return this.open;
  }
  async resources() {
    return this.list;
  }
  async request(r: DispatchRequest) {
    this.requested.push(r);
    return dispatch({ ...r, status: 'requested' });
  }
  async recordAck(_c: string, dispatchId: string, ack: { status: 'accepted' | 'refused' }) {
    this.acks.push({ dispatchId, status: ack.status });
    return dispatch({ dispatchId, status: ack.status });
  }
  async markNonResponsive(_c: string, dispatchId: string) {
    this.marked.push(dispatchId);
    return dispatch({ dispatchId, status: 'non-responsive' });
  }
  async settle(_c: string, dispatchId: string, delivery: object) {
    if (this.pendingReadings-- > 0) throw new GridLedgerError(ErrorCodes.DISPATCH_READINGS_PENDING, 'waits for readings');
    this.settled.push({ dispatchId, delivery });
    return dispatch({ dispatchId, status: 'settled' });
  }
  resettled: string[] = [];
  /** Re-settlements the chaincode refuses for missing readings before it takes one. */
  pendingResettle = 0;
  async resettle(_c: string, dispatchId: string) {
    if (this.pendingResettle-- > 0) throw new GridLedgerError(ErrorCodes.DISPATCH_READINGS_PENDING, 'waits for readings');
    this.resettled.push(dispatchId);
    return dispatch({ dispatchId, status: 'settled' });
  }
  soc: [string, number][] = [];
  async reportStateOfCharge(batteryId: string, socWh: number) {
    if (socWh > 10_000) throw new Error('STORAGE_INPUT_INVALID: socWh beyond the capacity');
    this.soc.push([batteryId, socWh]);
  }
}

async function service(ledger: FakeLedger, nowSeconds: number, samples: SampleSource = () => []) {
  return DispatchService.start({
    communityId: C,
    mqttUrl: '',
    mqttOptions: {},
    ledger,
    samples,
    pollMs: 60_000,
    autoPriceMicrosPerKwh: 300_000,
    logger: silentLogger,
    now: () => nowSeconds * 1000,
  });
}

const settle = () => new Promise((r) => setTimeout(r, 20));

it('publishes a new dispatch, and after its deadline marks it and sends the rest to the zone resource with the most room', async () => {
  const ledger = new FakeLedger([resource('a', 3_000), resource('b', 3_000), resource('c', 5_000, 1), resource('d', 4_000)]);
  ledger.open = [dispatch({})];
  const s = await service(ledger, T + 6);
  await s.poll(); // first round: published
  expect(ledger.marked).toEqual([]);
  await s.poll();
  await settle();
  expect(ledger.marked).toEqual(['d1']);
  // c has the most room but missed an acknowledgement before: d comes first.
  expect(ledger.requested).toEqual([
    expect.objectContaining({
      dispatchId: replacementIdOf('d1'),
      resourceId: 'd',
      powerW: 2_000,
      startAt: formatInstant(T + 7),
      durationSeconds: 53,
      replaces: 'd1',
      priceMicrosPerKwh: 1_000,
    }),
  ]);
  await s.stop();
});

it("settles an ended, accepted dispatch with its meter's mean power before and during the setpoint", async () => {
  const ledger = new FakeLedger([resource('a', 3_000)]);
  ledger.open = [dispatch({ status: 'accepted' })];
  const asked: [string, number, number][] = [];
  const s = await service(ledger, T + 62, (meterId: string, from: number, to: number) => {
    asked.push([meterId, from, to]);
    return from < T ? [{ powerW: -500 }, { powerW: -502 }] : [{ powerW: 1_500 }, { powerW: 1_400 }, { powerW: 1_600 }];
  });
  await s.poll();
  await settle();
  expect(asked).toEqual([
    ['m-a', T - 60, T],
    ['m-a', T, T + 60],
  ]);
  expect(ledger.settled).toEqual([{ dispatchId: 'd1', delivery: { baselineW: -501, duringW: 1_500, samples: 3 } }]);
  await s.stop();
});

it('measures telemetry once and tries a settlement refused for missing readings again after the retry time, or at readingsBy', async () => {
  const ledger = new FakeLedger([resource('a', 3_000)]);
  ledger.open = [dispatch({ status: 'accepted' })];
  ledger.pendingReadings = 2;
  let nowMs = (T + 62) * 1000;
  let measured = 0;
  const s = await DispatchService.start({
    communityId: C,
    mqttUrl: '',
    mqttOptions: {},
    ledger,
    samples: (_m: string, from: number) => {
      measured++;
      return from < T ? [{ powerW: -500 }] : [{ powerW: 1_500 }];
    },
    pollMs: 60_000,
    readingsRetryMs: 5_000,
    autoPriceMicrosPerKwh: 300_000,
    logger: silentLogger,
    now: () => nowMs,
  });
  await s.poll();
  await settle();
  expect(ledger.settled).toEqual([]);
  nowMs += 4_000;
  await s.poll(); // not yet: the retry time has not passed
  await settle();
  expect(ledger.pendingReadings).toBe(1);
  nowMs += 1_000;
  await s.poll(); // refused again
  await settle();
  expect(ledger.pendingReadings).toBe(0);
  nowMs = (T + 60 + 1_800) * 1000; // readingsBy: at once, whatever the retry time
  await s.poll();
  await settle();
  expect(ledger.settled).toEqual([{ dispatchId: 'd1', delivery: { baselineW: -500, duringW: 1_500, samples: 1 } }]);
  expect(measured).toBe(2); // before and during, once
  await s.stop();
});

it("records a device's acknowledgement of its own open dispatch only", async () => {
  const ledger = new FakeLedger([resource('a', 3_000)]);
  ledger.open = [dispatch({})];
  const s = await service(ledger, T + 1);
  const ack = (dispatchId: string) =>
    Buffer.from(JSON.stringify({ dispatchId, status: 'accepted', socWh: 6_000, at: formatInstant(T + 1) }));
  await s.onAck(`gridledger/v1/${C}/devices/b/acks`, ack('d1'));
  await s.onAck(`gridledger/v1/${C}/devices/a/acks`, ack('d1'));
  await s.onAck(`gridledger/v1/${C}/devices/a/acks`, Buffer.from('{"dispatchId":"d1"}'));
  expect(ledger.acks).toEqual([{ dispatchId: 'd1', status: 'accepted' }]);
  await s.stop();
});

it('an overloaded feeder: the zone resources are asked for what brings it back to 80 % of its limit', async () => {
  const ledger = new FakeLedger([resource('a', 3_000), resource('b', 3_000)]);
  const s = await service(ledger, T);
  // Importing 12 kW over a 10 kW limit: 4 kW more export needed.
  await s.onOverload('alert-1', 'z1', -12_000, 10_000);
  expect(ledger.requested.map((r) => [r.resourceId, r.powerW, r.alertId, r.priceMicrosPerKwh, r.durationSeconds])).toEqual([
    ['a', 3_000, 'alert-1', 300_000, 900],
    ['b', 1_000, 'alert-1', 300_000, 900],
  ]);
  expect(await s.onOverload('alert-2', 'z1', 7_000, 10_000)).toEqual([]);
  await s.stop();
});

it("records a battery's state of charge from its topic, and drops one of another form, another community or a refused value", async () => {
  const ledger = new FakeLedger([]);
  const s = await service(ledger, T);
  const soc = (topic: string, body: string) => s.onStateOfCharge(topic, Buffer.from(body));
  await soc(`gridledger/v1/${C}/batteries/bat-1/soc`, '{"socWh":6500}');
  await soc(`gridledger/v1/${C}/batteries/bat-1/soc`, '{"socWh":6500.5}');
  await soc(`gridledger/v1/${C}/batteries/bat-1/soc`, '{"socWh":-1}');
  await soc(`gridledger/v1/${C}/batteries/bat-1/soc`, 'not json');
  await soc(`gridledger/v1/other/batteries/bat-2/soc`, '{"socWh":1}');
  await soc(`gridledger/v1/${C}/batteries/bat-1/soc`, '{"socWh":20000}'); // the ledger refuses it: logged, not thrown
  await soc(`gridledger/v1/${C}/batteries/bat-3/soc`, '{"socWh":0}');
  expect(ledger.soc).toEqual([
    ['bat-1', 6_500],
    ['bat-3', 0],
  ]);
  await s.stop();
});

it('re-settles a dispatch paid from telemetry alone, trying again at doubling gaps while its readings are missing', async () => {
  const ledger = new FakeLedger([resource('a', 3_000)]);
  const delivery = { baselineW: 0, duringW: 2_000, samples: 3, telemetryWh: 33, source: 'telemetry' as const, capped: false };
  ledger.open = [dispatch({ status: 'settled', delivery: { ...delivery, readings: null, deliveredWh: 33, paymentMicros: 9_900 } })];
  ledger.pendingResettle = 2;
  let nowMs = (T + 4_000) * 1000;
  const s = await DispatchService.start({
    communityId: C,
    mqttUrl: '',
    mqttOptions: {},
    ledger,
    samples: () => [],
    pollMs: 60_000,
    readingsRetryMs: 5_000,
    autoPriceMicrosPerKwh: 300_000,
    logger: silentLogger,
    now: () => nowMs,
  });
  const round = async (advanceMs: number) => {
    nowMs += advanceMs;
    await s.poll();
    await settle();
  };
  await round(0); // refused: next try in 5 s
  expect(ledger.pendingResettle).toBe(1);
  await round(4_999); // not yet
  expect(ledger.pendingResettle).toBe(1);
  await round(1); // refused again: next try in 10 s
  expect(ledger.pendingResettle).toBe(0);
  await round(9_999);
  expect(ledger.resettled).toEqual([]);
  await round(1);
  expect(ledger.resettled).toEqual(['d1']);
  expect(ledger.settled).toEqual([]); // never settled twice
  await s.stop();
});
