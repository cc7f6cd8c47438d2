// A forger for test/e2e/74-agents.test.ts: a DHT node of its own key that joins the community's DHT and
// announces a record naming another home's meter and offer (the record is signed, but by a key the
// ledger does not bind to that meter). It prints `published` and stays until its standard input closes.
// Arguments: one JSON object { communityId, bootstrap, meterId, zoneId, intervalStart, intervalEnd, offer }.
import { publishRecord, startCommunityNode } from '@gridledger/agents/dht';

const a = JSON.parse(process.argv[2]);
const node = await startCommunityNode({ communityId: a.communityId, bootstrap: [a.bootstrap] });
const record = {
  communityId: a.communityId,
  agentId: node.libp2p.peerId.toString(),
  meterId: a.meterId,
  zoneId: a.zoneId,
  intervalStart: a.intervalStart,
  intervalEnd: a.intervalEnd,
  balance: 'surplus',
  energyWh: a.offer.energyWh,
  offers: [a.offer],
  seq: 1,
};
// On a loaded machine a put or provide can time out or reach nobody: published again, up to three times.
for (let attempt = 1; ; attempt++) {
  const reached = await publishRecord(node, record, { signal: AbortSignal.timeout(60_000) }).catch((e) => {
    process.stderr.write(`publish ${attempt}: ${e}\n`);
    return { stored: 0, announced: 0 };
  });
  if (reached.stored > 0 && reached.announced > 0) break;
  if (attempt === 3) throw new Error(`the record reached ${reached.stored} nodes, its provider entry ${reached.announced}`);
}
process.stdout.write(`published ${record.agentId}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await node.stop();
  process.exit(0);
});
