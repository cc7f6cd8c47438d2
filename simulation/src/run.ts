/**
 * Runs a scenario on a running platform: the community of the run (its own id, so runs never mix),
 * its homes onboarded (their meters in one batch; keys in `<outDir>/meters`, capacity scaled with time),
 * the channel's metering parameters and the community's market set for the scenario, credits
 * deposited by the utility, then interval by interval each home's order (from its forecast, with
 * its own key) and, once the interval has ended, each meter's signed reading published over MQTT
 * with the meter's own credential, as a real meter publishes it. A market scheduler for the
 * community (the gateway's own class, as the operator) closes, clears and settles. When every
 * interval is settled, the report is read from the ledger and written.
 */
import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { formatInstant, MAX_METER_BATCH } from '@gridledger/core';
import { FabricLedger, MarketScheduler } from '@gridledger/gateway-api';
import {
  mqttClientOptions,
  mqttCredentialPath,
  readCredential,
  silentLogger,
  usernameOf,
  type Logger,
  type LogFields,
  type NetworkProfile,
} from '@gridledger/network';
import type { Credentials } from '@gridledger/network/dist/platform';
import { setMeteringParams } from '@gridledger/network/dist/demo';
import { demoOrder } from '@gridledger/network/dist/demo-plan';
import { ensureMeterKeys, loadMeterKey } from '@gridledger/device-bridge/dist/simulator/keys';
import { mqttMeterLink, simulatedMeter, type Meter } from '@gridledger/device-bridge/dist/simulator/meter';
import { AGENT_TIMING, AGENTS_MIN_INTERVAL_SECONDS, AgentProcess, type AgentEvent } from './agents';
import { CountingClient, inParallel } from './client';
import { firstRealStart, pipelineOf, realIntervalStart, simIntervalStart, simOf, speedOf, timeScale, type TimeScale } from './clock';
import { profileEnergyModel, type EnergyModel } from './energy';
import { homeFlows, type HomeInterval } from './flows';
import { report } from './kpi';
import { readInterval, readPeriod } from './ledger-read';
import { writeReport, type Phases, type RunReport } from './report-files';
import { homesOf, type Scenario, type SimHome } from './scenario';

export interface RunOptions {
  scenario: Scenario;
  profile: NetworkProfile;
  credentials: Credentials;
  /** Where the report and the meters' keys go. */
  outDir: string;
  /** The run's community (default sim-<scenario>-<time>). */
  communityId?: string;
  /** Run only the first n intervals of the scenario. */
  intervals?: number;
  energyModel?: EnergyModel;
  say?: (line: string) => void;
  logger?: Logger;
  /** Give up waiting for settlement this long after the last interval's end (default 600 s). */
  settleTimeoutSeconds?: number;
}

export interface RunResult {
  report: RunReport;
  files: string[];
  /** What each home's meter measured per interval, for checks. */
  flows: Map<string, HomeInterval[]>;
  homes: (SimHome & { participantId: string; meterId: string; apiKey: string })[];
  scale: TimeScale;
  /** With the scenario's `orders: "agents"`: the agent process's events (JSON lines), in order. */
  agentEvents?: AgentEvent[];
}

/** Time left before the first interval's gate to place its orders (100 homes' took 4.5 s in e2e 66, at most 11.9 s in a day's run). */
const GATE_MARGIN_SECONDS = 20;
const sleepUntil = async (epochSeconds: number) => {
  const ms = epochSeconds * 1000 - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
};

export async function runScenario(o: RunOptions): Promise<RunResult> {
  const s = o.scenario;
  const say = o.say ?? ((line: string) => process.stdout.write(`${line}\n`));
  const began = Date.now();
  // Where the wall time goes (client clock, seconds): each phase from the end of the one before.
  const phases: Phases = {
    setup: 0,
    onboarding: 0,
    agents: 0,
    untilFirstInterval: 0,
    intervals: 0,
    settlementAfterLast: 0,
    readingLedger: 0,
  };
  let last = began;
  const mark = (phase: keyof Phases, at = Date.now()) => {
    phases[phase] = Math.round((at - last) / 100) / 10;
    last = at;
  };
  const placing: number[] = [];
  const publishing: number[] = [];
  const communityId = o.communityId ?? `sim-${s.name}-${Math.floor(began / 1000).toString(36)}`.slice(0, 48);
  const gateway = new CountingClient(o.profile.orgs.community.gateway.url);
  const utility = new CountingClient(o.profile.orgs.utility.gateway.url);
  const operatorKey = o.credentials.apiKeys.community['community-operator'];
  const utilityKey = o.credentials.apiKeys.utility.utility;
  const model = o.energyModel ?? profileEnergyModel;
  const pipeline = pipelineOf(s.ledgerIntervalSeconds);
  if (s.orders === 'agents' && s.ledgerIntervalSeconds < AGENTS_MIN_INTERVAL_SECONDS)
    throw new Error(
      `the agents' cycle needs a ledger interval of at least ${AGENTS_MIN_INTERVAL_SECONDS} s, not ${s.ledgerIntervalSeconds}`,
    );
  const market = {
    intervalSeconds: s.ledgerIntervalSeconds,
    gateClosureSeconds: pipeline.gateClosureSeconds,
    openingHorizonSeconds: 3600,
    ...s.tariffs,
  };

  say(`scenario ${s.name}: ${s.homes} homes in community ${communityId}`);
  await setMeteringParams(
    { profile: o.profile, credentials: o.credentials, say },
    { intervalSeconds: s.ledgerIntervalSeconds, lateWindowSeconds: pipeline.lateWindowSeconds },
  );
  await gateway.ok(operatorKey, 'PATCH', `/markets/${communityId}/params`, market);
  mark('setup');

  // The homes' flows are known before the run (pure, from the seed): they size the meters and the deposits.
  const planned = homesOf(s);
  const provisional = timeScale(s, firstRealStart(Math.floor(Date.now() / 1000), s.ledgerIntervalSeconds, 0));
  const intervals = Math.min(provisional.intervals, o.intervals ?? provisional.intervals);
  const flows = new Map(
    planned.map((h) => [h.homeId, homeFlows(h, { ...provisional, intervals }, model, s.seed, s.mix.evChargeKw * 1000)]),
  );
  const speed = speedOf(provisional);
  const meterIds = planned.map((h) => `${communityId}-${h.homeId}.main`);
  const publicKeys = ensureMeterKeys(join(o.outDir), meterIds);

  say(`  onboarding ${planned.length} homes, their meters in one batch`);
  const homes = await inParallel(planned, 16, async (h) => {
    const participantId = `${communityId}-${h.homeId}`;
    const meterId = `${participantId}.main`;
    const onboarded = await gateway.ok(operatorKey, 'POST', '/participants', { participantId, role: 'prosumer' });
    const apiKey = String(onboarded.apiKey);
    // Time runs `speed` times as fast, so a meter's power does: its capacity is the array's (at least 1 kW) times the speed.
    const exportCapacityW = Math.max(1000, Math.round(h.pvKwp * 1000)) * speed;
    const need = flows.get(h.homeId)!.reduce((sum, f) => sum + f.expectedImportWh, 0);
    const amountMicros = Math.ceil((need * (s.tariffs.retailMicrosPerKwh + s.tariffs.gridFeeMicrosPerKwh)) / 1000) * 2 + 1_000_000;
    await utility.ok(utilityKey, 'POST', '/credits/deposits', { participantId, amountMicros, reference: `sim-${participantId}` });
    return { ...h, participantId, meterId, apiKey, exportCapacityW };
  });
  // One transaction for the community's meters (docs/metering.md, Batch registration): no broker credential
  // each, the readings go out on the head-end connection (headEnd below).
  for (let i = 0; i < homes.length; i += MAX_METER_BATCH) {
    const meters = homes.slice(i, i + MAX_METER_BATCH).map((h) => ({
      meterId: h.meterId,
      participantId: h.participantId,
      kind: 'bidirectional',
      publicKeyPem: publicKeys[h.meterId],
      exportCapacityW: h.exportCapacityW,
      communityId,
    }));
    await gateway.ok(operatorKey, 'POST', '/meter-batches', { batchId: `${communityId}-meters-${i / MAX_METER_BATCH}`, meters });
  }

  mark('onboarding');
  const tariffs = s.homeTariffs.map(({ weight: _, ...t }) => t);
  const tariffOf = (h: SimHome) => tariffs.find((t) => t.name === h.tariff)!;
  let agents: AgentProcess | undefined;
  if (s.orders === 'agents') {
    say(`  the homes' agents: a mandate and an agent key each, the community's agent process started`);
    const agentHomes = homes.map((h) => ({ ...h, tariff: tariffOf(h) }));
    agents = await AgentProcess.start(gateway, o.profile.orgs.community.gateway.url, communityId, agentHomes, join(o.outDir, 'agents'));
  }

  mark('agents');
  // The flows depend on simulated time only: the same on the run's real grid, fixed once the set-up is done.
  const lead = agents === undefined ? market.gateClosureSeconds + GATE_MARGIN_SECONDS : AGENT_TIMING.leadSeconds + 5;
  const scale = timeScale(s, firstRealStart(Math.floor(Date.now() / 1000), s.ledgerIntervalSeconds, lead));
  const run = { ...scale, intervals };
  const starts = Array.from({ length: intervals }, (_, k) => realIntervalStart(run, k));
  agents?.plan(
    homes.map((h) => ({ participantId: h.participantId, netWh: flows.get(h.homeId)!.map((f) => f.expectedExportWh - f.expectedImportWh) })),
    starts,
  );
  say(
    `  ${intervals} intervals of ${s.ledgerIntervalSeconds} s from ${formatInstant(run.realStart)}, ` +
      `each ${s.simulatedSecondsPerInterval / 60} ` +
      `simulated minutes from ${formatInstant(run.simStart)} (${speed}x real time)`,
  );

  const operator = o.profile.orgs.community.users['community-operator'];
  const ledger = new FabricLedger({
    peer: o.profile.orgs.community.peer,
    channel: o.profile.channel,
    chaincode: o.profile.chaincode,
    serviceUser: operator,
  });
  const log = o.logger ?? { ...silentLogger, error: (f: LogFields | string) => say(`  scheduler: ${JSON.stringify(f)}`) };
  const scheduler = new MarketScheduler({
    ledger,
    operator,
    communities: [communityId],
    log,
    tickMs: 2000,
    lookbackIntervals: pipeline.lookbackIntervals,
  });
  const meters = new Map<string, Meter>();
  for (const h of homes) {
    const key = loadMeterKey(o.outDir, h.meterId);
    if (createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString() !== publicKeys[h.meterId])
      throw new Error('meter key changed');
    const series = flows.get(h.homeId)!;
    const measure = (t: number) => series[(t - run.realStart) / run.realIntervalSeconds];
    meters.set(h.meterId, simulatedMeter(h.meterId, key, measure, { seq: 0, importRegisterWh: 1_000_000, exportRegisterWh: 500_000 }));
  }
  const relay = headEnd(o.profile);

  scheduler.start();
  try {
    // With agents, the agent process bids (and trades bilaterally) from the positions file.
    const orders = (async () => {
      for (let k = 0; k < intervals && agents === undefined; k++) {
        const start = realIntervalStart(run, k);
        await sleepUntil(start - pipeline.ordersAheadIntervals * run.realIntervalSeconds);
        const from = Date.now();
        await inParallel(homes, 10, async (h) => {
          const f = flows.get(h.homeId)![k];
          const index = Number(h.homeId.slice(5));
          const capacityWh = Math.floor((h.exportCapacityW * run.realIntervalSeconds) / 3600);
          const forecast = {
            participantId: h.participantId,
            index,
            capacityWh,
            importWh: f.expectedImportWh,
            exportWh: f.expectedExportWh,
          };
          const order = demoOrder(forecast, communityId, start, market);
          if (order !== undefined) await gateway.ok(h.apiKey, 'POST', '/orders', { ...order, clientOrderId: `sim-${start}` });
        });
        placing.push((Date.now() - from) / 1000);
      }
    })();
    const readings = (async () => {
      for (let k = 0; k < intervals; k++) {
        const start = realIntervalStart(run, k);
        await sleepUntil(start + run.realIntervalSeconds + 1);
        const link = mqttMeterLink(relay, o.profile.mqtt.communityId);
        const from = Date.now();
        await Promise.all(homes.map((h) => link.publish(meters.get(h.meterId)!.read(start))));
        publishing.push((Date.now() - from) / 1000);
        say(
          `  ${formatInstant(start).slice(11, 19)} (simulated ${formatInstant(simIntervalStart(run, k)).slice(11, 16)}): ` +
            `${homes.length} readings published`,
        );
      }
    })();
    await Promise.all([orders, readings]);
    const end = realIntervalStart(run, intervals);
    mark('untilFirstInterval', run.realStart * 1000);
    mark('intervals', end * 1000);
    const deadline = end + (o.settleTimeoutSeconds ?? 600);
    // Waiting is not part of the run's requests: its own client.
    const poll = new CountingClient(o.profile.orgs.community.gateway.url);
    for (let k = 0; k < intervals; k++) {
      const start = realIntervalStart(run, k);
      for (;;) {
        const res = await poll.call(operatorKey, 'GET', `/markets/${communityId}/intervals/${formatInstant(start)}/figures`);
        if (res.status === 200) break;
        if (Date.now() / 1000 > deadline)
          throw new Error(`interval ${formatInstant(start)} not settled ${o.settleTimeoutSeconds ?? 600} s after the run`);
        await new Promise((r) => setTimeout(r, 2000));
      }
      say(`  ${formatInstant(start).slice(11, 19)} settled`);
    }
    mark('settlementAfterLast');
  } finally {
    await agents?.stop();
    await scheduler.stop();
    ledger.close();
    await relay.endAsync();
  }

  const requests = {
    sent: gateway.counts.sent + utility.counts.sent,
    failed: gateway.counts.failed + utility.counts.failed,
    retried: gateway.counts.retried + utility.counts.retried,
  };
  const reader = new CountingClient(o.profile.orgs.community.gateway.url);
  const ledgerIntervals = [];
  for (let k = 0; k < intervals; k++) ledgerIntervals.push(await readInterval(reader, operatorKey, communityId, realIntervalStart(run, k)));
  const period = await readPeriod(reader, operatorKey, communityId, run.realStart, realIntervalStart(run, intervals));
  const computed = report({
    simIntervalSeconds: run.simIntervalSeconds,
    simulatedStart: (instant) => simOf(run, instant),
    homes: homes.map((h) => ({ participantId: h.participantId, homeId: h.homeId, tariff: tariffOf(h) })),
    intervals: ledgerIntervals,
    period,
    requests,
  });
  mark('readingLedger');
  say(`  wall time by phase (s): ${JSON.stringify(phases)}`);
  const full: RunReport = {
    run: {
      scenario: s.name,
      description: s.description,
      communityId,
      homes: homes.length,
      from: formatInstant(run.realStart),
      to: formatInstant(realIntervalStart(run, intervals)),
      simulatedFrom: formatInstant(run.simStart),
      simulatedTo: formatInstant(simIntervalStart(run, intervals)),
      ledgerIntervalSeconds: run.realIntervalSeconds,
      simulatedSecondsPerInterval: run.simIntervalSeconds,
      speed,
      wallSeconds: Math.round((Date.now() - began) / 1000),
      phases,
      ordersPlacedSeconds: maxOf(placing),
      readingsPublishedSeconds: maxOf(publishing),
      participants: Object.fromEntries(homes.map((h) => [h.homeId, h.participantId])),
      tariffs,
      orders: s.orders,
    },
    ...computed,
  };
  const simClock = (instant: string) => formatInstant(simOf(run, instant)).slice(11, 16);
  const files = await writeReport(o.outDir, full, simClock);
  return { report: full, files, flows, homes, scale: run, agentEvents: agents?.events };
}

const maxOf = (values: number[]) => (values.length === 0 ? null : Math.round(Math.max(...values) * 10) / 10);

/**
 * The connection the readings go out on. A meter's own credential lets it publish on its own
 * community's topics, and the platform's bridge listens to the platform's community only; a run's
 * community is one of its own, so its meters' signed readings are relayed by the platform's
 * head-end connection, as a head-end system relays the meters it reads (docs/simulation.md).
 */
function headEnd(profile: NetworkProfile): MqttClient {
  const communityId = profile.mqtt.communityId;
  const file = mqttCredentialPath(profile.stateDir, usernameOf({ kind: 'head-end', communityId, name: communityId }));
  const credential = readCredential(file);
  if (!credential) throw new Error(`no head-end credential in ${file}: the platform's up makes it`);
  return connect(profile.mqtt.url, { ...mqttClientOptions(profile.mqtt, credential), clean: true, reconnectPeriod: 1000 });
}
