/**
 * Discovery of more sellers than kad-dht's findProviders passes on for one key (20): 24 real
 * libp2p nodes over loopback TCP, 21 of them sellers, every record found and accepted from any node.
 * Before the interval key was split into shards (shard.ts), a node holding 20 or more providers
 * itself answered with its first 20 and asked nobody else. Nothing here is timed: each discovery is
 * repeated until it has judged as many records as it found providers (eventually.ts).
 */
import { discover, HttpLedgerCheck, startCommunityNode, type CommunityNode, type SurplusRecord } from '../../src/dht/index.js';
import { publishWidely, routingTableSize, TEST_MS, until, waitFor } from './eventually.js';
import { startLedgerServer, type LedgerServer } from './ledger-server.js';

const COMMUNITY = 'community-many';
const START = 1_800_000_000;
const SELLERS = 21;
/** Nodes a seller's record and provider entry must reach: most of the 20 (kBucketSize) closest to each key. */
const REACH = 16;

let ledger: LedgerServer;

const recordOf = (node: CommunityNode, i: number): SurplusRecord => ({
  communityId: COMMUNITY,
  agentId: node.libp2p.peerId.toString(),
  meterId: `meter-${i}`,
  zoneId: 'z01',
  intervalStart: START,
  intervalEnd: START + 900,
  balance: 'surplus',
  energyWh: 500 + i,
  offers: [{ offerId: `offer-${i}`, energyWh: 500 + i, priceMicrosPerKwh: 150_000 }],
  seq: 1,
});
const nodes: CommunityNode[] = [];

beforeAll(async () => {
  ledger = await startLedgerServer();
  const boot = await startCommunityNode({ communityId: COMMUNITY });
  nodes.push(boot);
  for (let i = 1; i < 24; i += 8) {
    const known = nodes.slice(-3).flatMap((n) => n.addresses().slice(0, 1));
    nodes.push(...(await Promise.all(Array.from({ length: 8 }, () => startCommunityNode({ communityId: COMMUNITY, bootstrap: known })))));
  }
  // Identify tells each node which of its peers speak the community's DHT: every node knows one,
  // the first node the eight that joined through it.
  expect(await waitFor(() => routingTableSize(boot) >= 8 && nodes.every((n) => routingTableSize(n) >= 1))).toBe(true);
  const sellers = nodes.slice(nodes.length - SELLERS);
  for (const [i, node] of sellers.entries()) {
    const agentId = node.libp2p.peerId.toString();
    ledger.agents.set(`meter-${i}`, agentId);
    ledger.offers.set(`offer-${i}`, {
      offerId: `offer-${i}`,
      meterId: `meter-${i}`,
      energyWh: 500 + i,
      acceptedWh: 0,
      priceMicrosPerKwh: 150_000,
      status: 'open',
    });
  }
  // One at a time: on a loaded machine, publications at once mostly time each other's requests out.
  for (const [i, node] of sellers.entries()) await publishWidely(node, recordOf(node, i), REACH);
}, TEST_MS);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await ledger?.close();
});

test(
  `every one of ${SELLERS} sellers is found and accepted, from a seller and from a buyer`,
  async () => {
    for (const from of [nodes[0], nodes[1], nodes[nodes.length - 1]]) {
      const attempts = await until(
        () =>
          discover(from, {
            intervalStart: START,
            // The ledger's answers are awaited as long as the DHT's: a loaded machine can be slow to serve them.
            ledger: new HttpLedgerCheck({ baseUrl: ledger.url, timeoutMs: 60_000 }),
            nowSeconds: START + 60,
            timeoutMs: 60_000,
          }),
        (d) => d.providers >= SELLERS && d.missing === 0 && d.unchecked === 0,
      );
      const found = attempts[attempts.length - 1];
      expect(found).toMatchObject({ providers: SELLERS, fullShards: 0, missing: 0, unchecked: 0, forged: {}, stale: {} });
      expect(found.accepted.map((r) => r.meterId).sort()).toEqual(Array.from({ length: SELLERS }, (_, i) => `meter-${i}`).sort());
    }
  },
  TEST_MS,
);
