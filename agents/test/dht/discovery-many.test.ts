/**
 * Discovery of more sellers than kad-dht's findProviders passes on for one key (20): 24 real
 * libp2p nodes over loopback TCP, 21 of them sellers, every record found and accepted from any node.
 * Before the interval key was split into shards (shard.ts), a node holding 20 or more providers
 * itself answered with its first 20 and asked nobody else.
 */
import {
  discover,
  HttpLedgerCheck,
  publishRecord,
  startCommunityNode,
  type CommunityNode,
  type SurplusRecord,
} from '../../src/dht/index.js';
import { startLedgerServer, type LedgerServer } from './ledger-server.js';

const COMMUNITY = 'community-many';
const START = 1_800_000_000;
const SELLERS = 21;

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
  await new Promise((resolve) => setTimeout(resolve, 1000));
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
  // A few at a time, as the agents of a community publish over an interval, not all in the same instant.
  for (let i = 0; i < SELLERS; i += 7) {
    await Promise.all(sellers.slice(i, i + 7).map((node, j) => publishRecord(node, recordOf(node, i + j))));
  }
}, 600_000);

afterAll(async () => {
  await Promise.all(nodes.map((n) => n.stop()));
  await ledger?.close();
});

test(`every one of ${SELLERS} sellers is found and accepted, from a seller and from a buyer`, async () => {
  for (const from of [nodes[0], nodes[1], nodes[nodes.length - 1]]) {
    const found = await discover(from, {
      intervalStart: START,
      ledger: new HttpLedgerCheck({ baseUrl: ledger.url }),
      nowSeconds: START + 60,
      timeoutMs: 30_000,
    });
    expect(found).toMatchObject({ providers: SELLERS, fullShards: 0, missing: 0, unchecked: 0, forged: {}, stale: {} });
    expect(found.accepted.map((r) => r.meterId).sort()).toEqual(Array.from({ length: SELLERS }, (_, i) => `meter-${i}`).sort());
  }
}, 120_000);
