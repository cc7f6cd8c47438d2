/**
 * Prometheus metrics and health on the real platform: the three gateways, the bridge, a peer and an
 * orderer (Fabric's own, on their operations endpoints). A reading and an order move the counters;
 * no label holds a participant or meter id.
 *
 * @e2e-alone
 */
import { ORGS, type OrgName } from '@gridledger/network';
import {
  api,
  eventually,
  newProsumerWithMeter,
  pastInterval,
  profile,
  publish,
  readingSeries,
  readingsTopic,
  receiptsCollector,
} from './support';

/** The samples of one metric in Prometheus text: labels and value. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m?.[1] !== name) continue;
    out.push({
      labels: Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]])),
      value: Number(m[3]),
    });
  }
  return out;
}

/** The sum of a metric's samples whose labels include `labels` (0 when there is none yet). */
const total = (text: string, name: string, labels: Record<string, string> = {}) =>
  samples(text, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return res.text();
}

const gatewayUrl = (org: OrgName) => profile().orgs[org].gateway.url;
const peerOps = () => profile().orgs.community.peer.operationsUrl;
const ordererOps = () => profile().orderers.find((o) => o.org === 'community')!.operationsUrl;
/** Every orderer's metrics: a peer gateway hands a transaction to any orderer of the channel. */
const allOrderers = () => Promise.all(profile().orderers.map((o) => scrape(o.operationsUrl)));
const broadcasts = (texts: string[], channel: string) =>
  texts.reduce((sum, text) => sum + total(text, 'broadcast_processed_count', { channel }), 0);

it(
  'gateways, bridge, peer and orderer serve metrics that a reading ' + 'and an order move, with no participant or meter id in any label',
  async () => {
    const p = profile();
    expect(p.bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const before = {
      gateways: Object.fromEntries(await Promise.all(ORGS.map(async (org) => [org, await scrape(gatewayUrl(org))] as const))) as Record<
        OrgName,
        string
      >,
      bridge: await scrape(p.bridge.url),
      peer: await scrape(peerOps()),
      orderer: await scrape(ordererOps()),
      orderers: await allOrderers(),
    };

    // A prosumer with a meter (a submission on the community gateway), three readings through the
    // broker and the bridge, one of them again (a duplicate) and one message that is no reading.
    const meter = await newProsumerWithMeter();
    const receipts = await receiptsCollector(meter, meter.meterId);
    const readings = readingSeries(meter, 3);
    try {
      await publish(
        readings.map((r) => ({ topic: readingsTopic(meter.meterId), payload: JSON.stringify(r) })),
        meter.mqtt,
      );
      await receipts.waitFor(3);
      await publish(
        [
          { topic: readingsTopic(meter.meterId), payload: JSON.stringify(readings[0]) },
          { topic: readingsTopic(meter.meterId), payload: 'not a reading' },
        ],
        meter.mqtt,
      );
      await receipts.waitFor(5);
    } finally {
      await receipts.close();
    }
    expect(receipts.receipts.map((r) => r.status).sort()).toEqual(['accepted', 'accepted', 'accepted', 'duplicate', 'rejected']);

    // An order on the community gateway (accepted or refused by the market: a request either way),
    // and a readiness probe on every gateway.
    const order = await api('community', meter.apiKey, 'POST', '/orders', {
      clientOrderId: `c-${meter.participantId}`,
      communityId: p.mqtt.communityId,
      intervalStart: pastInterval(0),
      side: 'sell',
      energyWh: 100,
      priceMicrosPerKwh: 90_000,
    });
    for (const org of ORGS) {
      const live = await fetch(`${gatewayUrl(org)}/api/v1/health/live`);
      expect(live.status).toBe(200);
      const ready = await fetch(`${gatewayUrl(org)}/api/v1/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', org });
    }

    // Gateways: the requests by route pattern and status, and the community's Fabric submissions.
    const after = Object.fromEntries(await Promise.all(ORGS.map(async (org) => [org, await scrape(gatewayUrl(org))] as const))) as Record<
      OrgName,
      string
    >;
    for (const org of ORGS) {
      const ready = { method: 'GET', route: '/api/v1/health/ready', status: '200' };
      expect(total(after[org], 'gridledger_http_requests_total', ready)).toBeGreaterThanOrEqual(
        total(before.gateways[org], 'gridledger_http_requests_total', ready) + 1,
      );
      expect(total(after[org], 'gridledger_http_request_duration_seconds_count', ready)).toBeGreaterThanOrEqual(
        total(before.gateways[org], 'gridledger_http_request_duration_seconds_count', ready) + 1,
      );
    }
    const orders = { method: 'POST', route: '/api/v1/orders', status: String(order.status) };
    expect(total(after.community, 'gridledger_http_requests_total', orders)).toBe(
      total(before.gateways.community, 'gridledger_http_requests_total', orders) + 1,
    );
    const meters = { method: 'POST', route: '/api/v1/meters', status: '201' };
    expect(total(after.community, 'gridledger_http_requests_total', meters)).toBe(
      total(before.gateways.community, 'gridledger_http_requests_total', meters) + 1,
    );
    const registerMeter = { transaction: 'registry:registerMeter' };
    expect(total(after.community, 'gridledger_fabric_submit_duration_seconds_count', registerMeter)).toBeGreaterThanOrEqual(
      total(before.gateways.community, 'gridledger_fabric_submit_duration_seconds_count', registerMeter) + 1,
    );
    expect(total(after.community, 'gridledger_fabric_commit_duration_seconds_count', registerMeter)).toBeGreaterThanOrEqual(
      total(before.gateways.community, 'gridledger_fabric_commit_duration_seconds_count', registerMeter) + 1,
    );

    // Bridge: received, committed, duplicate, refused by code; latencies; journal and broker gauges.
    const bridge = await eventually(async () => {
      const text = await scrape(p.bridge.url);
      return total(text, 'gridledger_bridge_readings_duplicate_total') >=
        total(before.bridge, 'gridledger_bridge_readings_duplicate_total') + 1
        ? text
        : undefined;
    }, 10_000);
    const moved = (name: string, labels: Record<string, string> = {}) => total(bridge, name, labels) - total(before.bridge, name, labels);
    expect(moved('gridledger_bridge_readings_received_total')).toBeGreaterThanOrEqual(5);
    expect(moved('gridledger_bridge_readings_committed_total')).toBeGreaterThanOrEqual(3);
    expect(moved('gridledger_bridge_readings_duplicate_total')).toBeGreaterThanOrEqual(1);
    expect(moved('gridledger_bridge_readings_refused_total', { code: 'READING_MALFORMED' })).toBeGreaterThanOrEqual(1);
    expect(moved('gridledger_fabric_submit_duration_seconds_count', { transaction: 'metering:submitReadings' })).toBeGreaterThanOrEqual(1);
    expect(moved('gridledger_fabric_commit_duration_seconds_count', { transaction: 'metering:submitReadings' })).toBeGreaterThanOrEqual(1);
    expect(samples(bridge, 'gridledger_bridge_mqtt_connected')).toEqual([{ labels: {}, value: 1 }]);
    expect(samples(bridge, 'gridledger_bridge_journal_pending')).toHaveLength(1);
    // Nothing parked and no conflict here: declared all the same.
    expect(bridge).toContain('# TYPE gridledger_bridge_readings_parked_total counter');
    expect(bridge).toContain('# TYPE gridledger_fabric_mvcc_retries_total counter');
    expect((await fetch(`${p.bridge.url}/health/live`)).status).toBe(200);
    const bridgeReady = await fetch(`${p.bridge.url}/health/ready`);
    expect(bridgeReady.status).toBe(200);
    expect(await bridgeReady.json()).toEqual({ status: 'ok' });

    // Peer and orderer: Fabric's own metrics; the channel grew by the blocks of the readings and the meter.
    const height = (text: string) => total(text, 'ledger_blockchain_height', { channel: p.channel });
    const peer = await scrape(peerOps());
    const orderer = await scrape(ordererOps());
    expect(height(peer)).toBeGreaterThan(height(before.peer));
    expect(height(orderer)).toBeGreaterThan(height(before.orderer));
    expect(total(peer, 'endorser_proposals_received')).toBeGreaterThan(total(before.peer, 'endorser_proposals_received'));
    expect(broadcasts(await allOrderers(), p.channel)).toBeGreaterThan(broadcasts(before.orderers, p.channel));

    // No participant or meter id anywhere; every route label is a documented pattern or `unmatched`.
    const documented = new Set(
      Object.keys(((await api('community', undefined, 'GET', '/openapi.json')).body as { paths: object }).paths).map(
        (path) => `/api/v1${path.replace(/\{(\w+)\}/g, ':$1')}`,
      ),
    );
    for (const text of [...Object.values(after), bridge, peer, orderer]) {
      expect(text).not.toContain(meter.participantId);
      expect(text).not.toContain(meter.meterId);
    }
    for (const text of Object.values(after)) {
      const routes = new Set(samples(text, 'gridledger_http_requests_total').map((s) => s.labels.route));
      expect([...routes].filter((r) => r !== 'unmatched' && !documented.has(r))).toEqual([]);
    }
  },
);
