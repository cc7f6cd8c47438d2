/**
 * The community's agent process on the real network (agents/src/process, docs/agents.md "The agent
 * process"): 20 homes' agents in one process, each with its own agent key (API key signed by a
 * gl.agent certificate) and its own libp2p node on loopback, for one market interval. Eight
 * surpluses priced and offered, nine deficits served by the best offers; the cheapest seller's
 * owner raises its minimum after the offer, so its agent refuses and the buyers move to the next
 * best; a buyer whose mandate allows no offer falls back to the auction and the utility. In the
 * DHT, a forged record (a key the ledger does not bind to the meter) and a stale one (an offer its
 * owner cancelled) are refused and counted while the community's first node, everyone's entry,
 * has stopped. Then delivery, every trade settled as a contracted position, and credits and
 * energy of the community conserved to the unit.
 *
 * It takes four minutes (a 130 s lead, then delivery and settlement), so it is a load test that
 * `npm run bench` runs (test/bench/load.js), not part of `npm test`:
 * `GRIDLEDGER_LOAD_TESTS=1 npx jest test/e2e/load/74-agents.test.ts --selectProjects e2e`.
 *
 * @metering-interval 60
 * @metering-late-window 2160000
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { formatInstant, UNLIMITED_MANDATE } from '@gridledger/core';
import { firstReading, ONE_MINUTE_MARKET, sleepUntil, trader, Trader, useMeteringInterval, utilityGainIn } from '../market-support';
import { api, closeWindow, credentials, operatorKey, profile, sleep, uid } from '../support';

const C = uid('agents');
const LEN = 60;
const params = ONE_MINUTE_MARKET;
const DEPOSIT = 1_000_000;
const ROOT = join(__dirname, '..', '..', '..');

// Homes: two balanced (the first is the DHT's entry node, stopped mid-cycle), eight sellers of 2,000 Wh whose
// mandates ask 100,000 to 170,000 µ/kWh, nine buyers of 600 Wh, and one buyer whose maximum (90,000) no offer meets.
const SELLERS = 8;
const BUYERS = 9;
const sellerMin = (k: number) => 100_000 + k * 10_000;
interface Home extends Trader {
  name: string;
  netWh: number;
  mandate: typeof UNLIMITED_MANDATE;
  agentId: string;
  agentKeyPem: string;
  agentApiKey: string;
}

interface Event {
  event: string;
  [field: string]: unknown;
}

useMeteringInterval(LEN);

const op = (method: string, path: string) => api('community', operatorKey(), method, path);
const as = (t: { apiKey: string }, method: string, path: string, body?: unknown) => api('community', t.apiKey, method, path, body);

let agentProcess: ChildProcessWithoutNullStreams | undefined;
let forger: ChildProcessWithoutNullStreams | undefined;
afterAll(async () => {
  const exited = [agentProcess, forger].filter((c) => c !== undefined && c.exitCode === null).map((c) => once(c!, 'exit'));
  agentProcess?.kill('SIGTERM');
  forger?.stdin.end();
  await Promise.all(exited);
});

it(
  '20 home agents in one process: surpluses offered, deficits served by the best offers, a refusal moves the buyer on, ' +
    'a fallback to the utility; forged and stale DHT records refused with the entry node stopped; every trade settled, ' +
    'credits and energy conserved',
  async () => {
    expect((await api('community', operatorKey(), 'PATCH', `/markets/${C}/params`, params)).status).toBe(200);
    const plan: { name: string; netWh: number; mandate: typeof UNLIMITED_MANDATE }[] = [
      { name: 'h0', netWh: 0, mandate: UNLIMITED_MANDATE },
      { name: 'h1', netWh: 0, mandate: UNLIMITED_MANDATE },
      ...Array.from({ length: SELLERS }, (_, k) => ({
        name: `s${k}`,
        netWh: 2000,
        mandate: { ...UNLIMITED_MANDATE, minSellPriceMicrosPerKwh: sellerMin(k) },
      })),
      ...Array.from({ length: BUYERS }, (_, k) => ({ name: `b${k}`, netWh: -600, mandate: UNLIMITED_MANDATE })),
      { name: 'u', netWh: -500, mandate: { ...UNLIMITED_MANDATE, maxBuyPriceMicrosPerKwh: 90_000 } },
    ];
    // Each owner makes its agent's key and names the agent in its mandate; the agent's API key comes from the owner.
    const keygen = spawnSync(process.execPath, [join(ROOT, 'agents/dist/process/cli.js'), 'keygen', '--count', String(plan.length)]);
    expect(keygen.status).toBe(0);
    const keys = keygen.stdout
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { agentKeyPem: string; agentId: string });
    const homes: Home[] = await Promise.all(
      plan.map(async (p, k) => {
        const t = await trader(p.name, C);
        const mandate = { ...p.mandate, agentId: keys[k].agentId };
        const set = await as(t, 'PUT', `/p2p/mandates/${t.participantId}`, mandate);
        if (set.status !== 200) throw new Error(`mandate: ${set.status} ${JSON.stringify(set.body)}`);
        const agentKey = await as(t, 'POST', `/participants/${t.participantId}/agent-keys`);
        if (agentKey.status !== 201) throw new Error(`agent key: ${agentKey.status} ${JSON.stringify(agentKey.body)}`);
        if (p.netWh < 0)
          await api('utility', credentials().apiKeys.utility.utility, 'POST', '/credits/deposits', {
            participantId: t.participantId,
            amountMicros: DEPOSIT,
            reference: `dep-${t.participantId}`,
          });
        return {
          ...t,
          ...p,
          mandate,
          agentId: keys[k].agentId,
          agentKeyPem: keys[k].agentKeyPem,
          agentApiKey: String(agentKey.body.apiKey),
        };
      }),
    );
    const byName = new Map(homes.map((h) => [h.name, h]));
    const at = (name: string) => byName.get(name)!;
    const nameOf = new Map(homes.map((h) => [h.participantId, h.name]));
    const sellers = homes.filter((h) => h.netWh > 0);
    const buyers = homes.filter((h) => h.name.startsWith('b'));

    // The agent process: the homes' planned positions for the interval it will act on, its configuration, its events.
    // The process acts on every interval from the next one it can reach; the plan has positions for I only (the
    // cycles before it find nothing to do): far enough ahead for the process to start.
    const lead = 130;
    const I = Math.ceil((Date.now() / 1000 + lead + 20) / LEN) * LEN;
    const dir = mkdtempSync(join(tmpdir(), 'gl-agents-'));
    const positionsFile = join(dir, 'positions.json');
    writeFileSync(
      positionsFile,
      JSON.stringify(Object.fromEntries(homes.map((h) => [h.participantId, { [formatInstant(I)]: { netWh: h.netWh, batteryWh: 0 } }]))),
    );
    const config = {
      communityId: C,
      gatewayUrl: profile().orgs.community.gateway.url,
      leadSeconds: lead,
      buyerDelaySeconds: 70,
      bidMarginSeconds: 10,
      dhtTimeoutSeconds: 30,
      answerTimeoutSeconds: 8,
      pollMs: 500,
      positionsFile,
      homes: homes.map((h) => ({
        participantId: h.participantId,
        meterIds: [h.meterId],
        apiKey: h.agentApiKey,
        agentKeyPem: h.agentKeyPem,
      })),
    };
    writeFileSync(join(dir, 'agents.json'), JSON.stringify(config));
    const events: Event[] = [];
    const child = spawn(process.execPath, [join(ROOT, 'agents/dist/process/cli.js'), '--config', join(dir, 'agents.json')]);
    agentProcess = child;
    const stderr: string[] = [];
    child.stderr.on('data', (d) => stderr.push(String(d)));
    createInterface({ input: child.stdout }).on('line', (line) => events.push(JSON.parse(line)));
    const waitFor = async (pred: (e: Event) => boolean, what: string, timeoutMs = 150_000): Promise<Event> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find(pred);
        if (found) return found;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${what}: ${stderr.join('')} ${events.map((e) => JSON.stringify(e)).join('\n')}`);
        await sleep(200);
      }
    };
    const ready = await waitFor((e) => e.event === 'ready', 'ready');
    const readyHomes = ready.homes as { participantId: string; agentId: string; addresses: string[] }[];
    expect(readyHomes.map((h) => h.agentId)).toEqual(homes.map((h) => h.agentId));
    await waitFor((e) => e.event === 'cycle' && e.intervalStart === formatInstant(I), 'cycle');
    await waitFor((e) => e.event === 'offers-out' && e.intervalStart === formatInstant(I), 'offers');

    // Surpluses offered at the owners' minimums (the community's supply exceeds its demand: the SDR price is feed-in).
    const offered = new Map(events.filter((e) => e.event === 'offered').map((e) => [nameOf.get(e.participantId as string)!, e]));
    expect([...offered.keys()].sort()).toEqual(sellers.map((s) => s.name).sort());
    for (const [k, s] of sellers.entries()) expect(offered.get(s.name)).toMatchObject({ energyWh: 2000, priceMicrosPerKwh: sellerMin(k) });

    // Before the buyers look: s0's owner raises its minimum (its agent will refuse), s7's owner cancels its offer (its
    // record goes stale), a forger announces s1's meter and offer under its own key, and the entry node's agent stops.
    const s0 = at('s0');
    expect((await as(s0, 'PUT', `/p2p/mandates/${s0.participantId}`, { ...s0.mandate, minSellPriceMicrosPerKwh: 250_000 })).status).toBe(
      200,
    );
    const s7Offer = offered.get('s7')!.offerId as string;
    expect((await as(at('s7'), 'DELETE', `/p2p/offers/${s7Offer}`)).body.offer.status).toBe('cancelled');
    const s1Offer = offered.get('s1')!;
    forger = spawn(process.execPath, [
      join(__dirname, '..', 'agents-forger.mjs'),
      JSON.stringify({
        communityId: C,
        bootstrap: readyHomes[1].addresses[0],
        meterId: at('s1').meterId,
        zoneId: 'default',
        intervalStart: I,
        intervalEnd: I + LEN,
        offer: { offerId: s1Offer.offerId, energyWh: 2000, priceMicrosPerKwh: sellerMin(1) },
      }),
    ]);
    const forged = await new Promise<string>((resolve, reject) => {
      forger!.stdout.once('data', (d) => resolve(String(d)));
      let stderr = '';
      forger!.stderr.on('data', (d) => (stderr += String(d)));
      forger!.once('exit', (code) => reject(new Error(`forger exited ${code}: ${stderr}`)));
    });
    expect(forged).toMatch(/^published /);
    child.stdin.write(`stop ${at('h0').participantId}\n`);
    await waitFor((e) => e.event === 'stopped', 'stop');
    const stoppedAt = Date.now();

    const done = await waitFor((e) => e.event === 'cycle-done' && e.intervalStart === formatInstant(I), 'cycle end', 120_000);
    child.stdin.write('quit\n');
    const of = (event: string, name?: string) =>
      events.filter((e) => e.event === event && (name === undefined || e.participantId === at(name).participantId));

    // Discovery went on without the entry node: the buyers' discovery (the process runs one for its agents that look at
    // the same time, from the node of the first that asks) ran after it stopped, found the seven open offers' records,
    // and refused the forger's and s7's. Found from any agent: the sellers' look ran from a seller's node.
    const looks = events.filter((e) => e.event === 'discovery' && e.balance === 'surplus' && e.intervalStart === formatInstant(I));
    const buyersLook = looks.filter((e) => Date.parse(e.at as string) > stoppedAt);
    expect(buyersLook).toHaveLength(1);
    expect(buyersLook[0]).toMatchObject({ accepted: 7, missing: 0, forged: { 'agent-not-bound': 1 }, stale: { 'offer-closed': 1 } });
    expect(nameOf.get(looks[0].participantId as string)).toMatch(/^s/);
    expect(nameOf.get(buyersLook[0].participantId as string)).toMatch(/^[bu]/);
    const dht = done.dht as { forged: Record<string, number>; stale: Record<string, number> };
    expect(dht.forged['agent-not-bound']).toBeGreaterThanOrEqual(1);
    expect(dht.stale['offer-closed']).toBeGreaterThanOrEqual(1);

    // The best offer first: every buyer asked s0, which refused on price; each moved on and was served in full.
    const trades = of('trade');
    for (const b of buyers) {
      expect(of('requested', b.name)[0]).toMatchObject({ offerId: offered.get('s0')!.offerId });
      expect(of('refused').filter((e) => e.buyerId === b.participantId)[0]).toMatchObject({ sellerId: s0.participantId, reason: 'price' });
      expect(trades.filter((t) => t.buyerId === b.participantId).reduce((s, t) => s + (t.energyWh as number), 0)).toBe(600);
    }
    expect(trades.every((t) => t.sellerId !== s0.participantId && t.sellerId !== at('s7').participantId)).toBe(true);
    // s1, the cheapest seller that sells, sold all it could to 600 Wh buyers before s6 sold anything.
    const sold = (name: string) =>
      trades.filter((t) => t.sellerId === at(name).participantId).reduce((s, t) => s + (t.energyWh as number), 0);
    expect(sold('s1')).toBeGreaterThanOrEqual(1800);
    expect(
      trades.every((t) => (t.told as string[]).includes(t.sellerId as string) && (t.told as string[]).includes(t.buyerId as string)),
    ).toBe(true);
    // The buyer no offer suits: nothing requested, its deficit bid into the auction at its maximum.
    expect(of('requested', 'u')).toEqual([]);
    expect(of('no-peer', 'u')[0]).toMatchObject({ energyWh: 500 });
    expect(of('bid', 'u')[0]).toMatchObject({ side: 'buy', energyWh: 500, priceMicrosPerKwh: 90_000 });
    expect(of('error')).toEqual([]);

    // The interval: closed and cleared at its gate; delivered as planned; its trades settled as contracted positions.
    await sleepUntil(I - params.gateClosureSeconds + 1);
    const interval = `/markets/${C}/intervals/${formatInstant(I)}`;
    expect((await op('POST', `${interval}/close`)).status).toBe(200);
    expect((await op('POST', `${interval}/clear`)).status).toBe(200);
    await sleepUntil(I + LEN + 1);
    const readings = homes.map((h) => firstReading(h, formatInstant(I), Math.max(0, -h.netWh), Math.max(0, h.netWh)));
    const sent = await api('community', operatorKey(), 'POST', '/readings', { readings });
    expect(sent.body.results.filter((r: { status: string }) => r.status !== 'accepted')).toEqual([]);
    expect((await closeWindow(formatInstant(I), C)).status).toBe(200);
    const contracts = await op('POST', `${interval}/contract-settlement`);
    expect(contracts.status).toBe(200);
    expect([...contracts.body.contractIds].sort()).toEqual(trades.map((t) => t.contractId).sort());
    expect((await op('POST', `${interval}/settle`)).status).toBe(200);

    // Energy: what the sellers sold peer to peer the buyers bought, Wh for Wh, and the buyers hold it as tokens.
    const p2pWh = trades.reduce((s, t) => s + (t.energyWh as number), 0);
    expect(p2pWh).toBe(BUYERS * 600);
    const tokens = await Promise.all(buyers.map((b) => as(b, 'GET', `/participants/${b.participantId}/tokens`)));
    expect(tokens.map((t) => t.body.balanceWh)).toEqual(buyers.map(() => 600));
    // Credits: what the community's homes gained, the utility lost, to the micro-unit (the interval's postings hold the
    // contract settlement's too: the trades and their grid fees).
    const credits = await Promise.all(homes.map((h) => as(h, 'GET', `/credits/${h.participantId}`)));
    const homesGain = credits.reduce((s, c, k) => s + c.body.availableMicros + c.body.escrowMicros - (homes[k].netWh < 0 ? DEPOSIT : 0), 0);
    expect(homesGain + (await utilityGainIn(C, [formatInstant(I)]))).toBe(0);
    // Each trade paid at its offer's price: the seller got energy × price, the buyer paid that and the grid fee.
    for (const t of trades) expect(t.priceMicrosPerKwh).toBe(sellerMin(Number(nameOf.get(t.sellerId as string)!.slice(1))));
  },
  420_000,
);
