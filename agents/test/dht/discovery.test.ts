/**
 * Discovery on ten real libp2p nodes over loopback TCP (noise, yamux, the community's kad-dht),
 * checked against a ledger behind a real HTTP server: records found from any node, forged and
 * stale ones refused and counted, and discovery going on with a node stopped.
 */
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createLibp2p } from 'libp2p';
import {
  communityLibp2pOptions,
  discover,
  HttpLedgerCheck,
  intervalKey,
  lookupRecord,
  publishRecord,
  recordKey,
  signRecord,
  shardOf,
  startCommunityNode,
  type CommunityNode,
  type SurplusRecord,
} from '../../src/dht/index.js';
import { startLedgerServer, type LedgerServer } from './ledger-server.js';

const COMMUNITY = 'community-dht';
const START = 1_800_000_000;
const END = START + 900;
const NOW = START + 60;
const PRICE = 150_000;

let ledger: LedgerServer;
let check: HttpLedgerCheck;
const nodes: CommunityNode[] = [];
let boot: CommunityNode;
let buyer: CommunityNode;
/** Sellers whose records are true; `stale` has an offer the ledger says is closed. */
let honest: CommunityNode[];
let stale: CommunityNode;
/** Signs with its own key but claims honest[0]'s meter. */
let impostor: CommunityNode;
/** Bound to its own meter but announces an offer of honest[1]'s meter. */
let borrower: CommunityNode;
/** Runs a DHT that accepts anything, and stores a record whose signature is not its own. */
let forger: Awaited<ReturnType<typeof startForger>>;

const idOf = (n: CommunityNode) => n.libp2p.peerId.toString();
const meterOf = (i: number) => `meter-${i}`;

function recordFor(node: CommunityNode, meterId: string, offerId: string, energyWh: number, seq = 1): SurplusRecord {
  return {
    communityId: COMMUNITY,
    agentId: idOf(node),
    meterId,
    zoneId: 'z01',
    intervalStart: START,
    intervalEnd: END,
    balance: 'surplus',
    energyWh,
    offers: [{ offerId, energyWh, priceMicrosPerKwh: PRICE }],
    seq,
  };
}

function openOffer(offerId: string, sellerMeterId: string, energyWh: number, status = 'open') {
  ledger.offers.set(offerId, { offerId, meterId: sellerMeterId, energyWh, acceptedWh: 0, priceMicrosPerKwh: PRICE, status });
}

/** An attacker's node: the community's protocol, a validator that lets everything through. */
async function startForger(bootstrap: CommunityNode) {
  const privateKey = await generateKeyPair('Ed25519');
  const libp2p = await createLibp2p(
    communityLibp2pOptions(COMMUNITY, privateKey, '/ip4/127.0.0.1/tcp/0', {
      validators: { energy: () => undefined },
      selectors: { energy: () => 0 },
    }),
  );
  await libp2p.dial(bootstrap.addresses()[0]);
  return { libp2p, privateKey };
}

async function drain(events: AsyncIterable<unknown>): Promise<void> {
  for await (const _event of events) {
    // the put or provide is done when its events end
  }
}

const totalRefused = (reason: 'bad-signature' | 'key-mismatch') => nodes.reduce((sum, n) => sum + n.metrics.snapshot().refused[reason], 0);

beforeAll(async () => {
  ledger = await startLedgerServer();
  check = new HttpLedgerCheck({ baseUrl: ledger.url });
  boot = await startCommunityNode({ communityId: COMMUNITY });
  const rest = await Promise.all(
    Array.from({ length: 8 }, () => startCommunityNode({ communityId: COMMUNITY, bootstrap: boot.addresses() })),
  );
  nodes.push(boot, ...rest);
  [buyer, stale, impostor, borrower] = rest.slice(0, 4);
  honest = rest.slice(4);
  forger = await startForger(boot);
  // Let identify tell every node which peers speak the community's DHT.
  await new Promise((resolve) => setTimeout(resolve, 1000));

  honest.forEach((n, i) => ledger.agents.set(meterOf(i), idOf(n)));
  ledger.agents.set('meter-stale', idOf(stale));
  ledger.agents.set('meter-borrower', idOf(borrower));
  honest.forEach((_n, i) => openOffer(`offer-${i}`, meterOf(i), 1000 + i));
  openOffer('offer-stale', 'meter-stale', 800, 'closed');

  await Promise.all([
    ...honest.map((n, i) => publishRecord(n, recordFor(n, meterOf(i), `offer-${i}`, 1000 + i))),
    publishRecord(stale, recordFor(stale, 'meter-stale', 'offer-stale', 800)),
    publishRecord(impostor, recordFor(impostor, meterOf(0), 'offer-0', 1000)),
    publishRecord(borrower, recordFor(borrower, 'meter-borrower', 'offer-1', 1001)),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([...nodes.map((n) => n.stop()), forger?.libp2p.stop()]);
  await ledger?.close();
});

const acceptedMeters = (found: { accepted: SurplusRecord[] }) => found.accepted.map((r) => r.meterId).sort();

describe('discovery over the community DHT', () => {
  test('every node finds the true records, and counts the forged and stale ones', async () => {
    for (const from of [buyer, boot, honest[3]]) {
      const found = await discover(from, { intervalStart: START, ledger: check, nowSeconds: NOW });
      expect(acceptedMeters(found)).toEqual([meterOf(0), meterOf(1), meterOf(2), meterOf(3)]);
      expect(found.accepted.find((r) => r.meterId === meterOf(2))?.agentId).toBe(idOf(honest[2]));
      expect(found.forged).toEqual({ 'agent-not-bound': 1, 'meter-mismatch': 1 });
      expect(found.stale).toEqual({ 'offer-closed': 1 });
      expect(found.providers).toBe(7);
    }
    const metrics = buyer.metrics.snapshot();
    expect(metrics).toMatchObject({ lookups: 1, accepted: 4, found: 7, forged: { 'agent-not-bound': 1, 'meter-mismatch': 1 } });
    expect(metrics.stale['offer-closed']).toBe(1);
  }, 30_000);

  test('a record with a signature not its own is refused by the DHT nodes and never found', async () => {
    const victim = honest[2];
    const forgedValue = new TextDecoder().decode(await signRecord(recordFor(victim, meterOf(2), 'offer-2', 1002, 1), victim.privateKey));
    const tampered = forgedValue.replace('"seq":1', '"seq":9').replaceAll('"energyWh":1002', '"energyWh":5000');
    expect(tampered).not.toBe(forgedValue);
    const key = recordKey(COMMUNITY, START, idOf(victim));
    const before = totalRefused('bad-signature');
    await drain(forger.libp2p.services.dht.put(key, new TextEncoder().encode(tampered)));
    expect(totalRefused('bad-signature')).toBeGreaterThan(before);

    // Its own record, signed with the victim's key instead of its own: only the forger stores it.
    const forgerId = forger.libp2p.peerId.toString();
    const own = new TextDecoder()
      .decode(await signRecord(recordFor(victim, meterOf(2), 'offer-2', 1002), victim.privateKey))
      .replace(idOf(victim), forgerId);
    await drain(forger.libp2p.services.dht.put(recordKey(COMMUNITY, START, forgerId), new TextEncoder().encode(own)));
    await drain(forger.libp2p.services.dht.provide(await intervalKey(COMMUNITY, START, 'surplus', shardOf(forgerId))));

    const beforeBuyer = buyer.metrics.snapshot().refused['bad-signature'];
    const found = await discover(buyer, { intervalStart: START, ledger: check, nowSeconds: NOW });
    expect(found.accepted.find((r) => r.meterId === meterOf(2))).toMatchObject({ energyWh: 1002, seq: 1 });
    expect(acceptedMeters(found)).toEqual([meterOf(0), meterOf(1), meterOf(2), meterOf(3)]);
    expect(found.providers).toBe(8);
    expect(found.missing).toBe(1);
    expect(buyer.metrics.snapshot().refused['bad-signature']).toBeGreaterThan(beforeBuyer);
  }, 30_000);

  test('the newest record wins; records of a passed interval and offers changed on the ledger are stale', async () => {
    openOffer('offer-3', meterOf(3), 700);
    let found = await discover(buyer, { intervalStart: START, ledger: check, nowSeconds: NOW });
    expect(found.stale).toEqual({ 'offer-closed': 1, 'energy-changed': 1 });
    expect(acceptedMeters(found)).toEqual([meterOf(0), meterOf(1), meterOf(2)]);

    await publishRecord(honest[3], recordFor(honest[3], meterOf(3), 'offer-3', 700, 2));
    found = await discover(honest[0], { intervalStart: START, ledger: check, nowSeconds: NOW });
    expect(found.accepted.find((r) => r.meterId === meterOf(3))).toMatchObject({ energyWh: 700, seq: 2 });

    found = await discover(buyer, { intervalStart: START, ledger: check, nowSeconds: END });
    expect(found.accepted).toEqual([]);
    expect(found.stale).toEqual({ expired: 7 });
  }, 30_000);

  test('a lookup stopped at its quorum finds the newest record from every node, as the whole get does', async () => {
    const key = recordKey(COMMUNITY, START, idOf(honest[1]));
    await publishRecord(honest[1], recordFor(honest[1], meterOf(1), 'offer-1', 1001, 3));
    for (const from of [buyer, boot, honest[3], stale]) {
      for (const quorum of [1, 3, Infinity]) {
        expect(await lookupRecord(from, key, { quorum })).toMatchObject({ meterId: meterOf(1), seq: 3 });
      }
    }
    // The forger's own record lives on its node only: fewer copies than the quorum, the get runs to its end and refuses it.
    expect(await lookupRecord(buyer, recordKey(COMMUNITY, START, forger.libp2p.peerId.toString()))).toBeUndefined();
  }, 30_000);

  test('a ledger that cannot answer leaves records unchecked, not accepted', async () => {
    ledger.failWith = 503;
    try {
      const found = await discover(buyer, { intervalStart: START, ledger: check, nowSeconds: NOW });
      expect(found.accepted).toEqual([]);
      expect(found.unchecked).toBe(7);
    } finally {
      ledger.failWith = undefined;
    }
  }, 30_000);

  test('with the bootstrap node and a seller stopped, discovery goes on', async () => {
    await boot.stop();
    await honest[0].stop();
    const found = await discover(buyer, { intervalStart: START, ledger: check, nowSeconds: NOW, timeoutMs: 15_000 });
    // honest[0]'s record and provider entry live on in the nodes closest to their keys.
    expect(acceptedMeters(found)).toEqual(expect.arrayContaining([meterOf(1), meterOf(2), meterOf(3)]));
    expect(found.forged).toEqual({ 'agent-not-bound': 1, 'meter-mismatch': 1 });
  }, 30_000);
});
