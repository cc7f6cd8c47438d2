import { TRANSACTIONS } from '@gridledger/core/catalogue';
import { openApiDocument } from '../src';
import { ACCESS_TABLE } from '../src/access-table';
import { answerSchema } from '../src/openapi/answers';

type Response = { content?: Record<string, { schema: Record<string, unknown> }> };
type Operation = { operationId: string; responses: Record<string, Response> };
const operations = Object.values(openApiDocument.paths as Record<string, Record<string, Operation>>).flatMap((methods) =>
  Object.values(methods),
);
const successes = (op: Operation) =>
  Object.entries(op.responses).filter(([status, r]) => status.startsWith('2') && r.content?.['application/json'] !== undefined);

/**
 * Operations whose answer the gateway makes itself (health, keys, broker credentials) or wraps (a new meter with its credential,
 * a certificate's proof with signatures checked again and block numbers: gateway-api/src/openapi/provenance.ts;
 * certificate exports: openapi/certificate-exports.ts; the certificate report: openapi/certificate-audit.ts).
 */
const GATEWAY_ANSWERS = new Set([
  'health',
  'healthLive',
  'healthReady',
  'openapi',
  'onboardParticipant',
  'registerMeter',
  'submitReadings',
  'issueMeterMqttCredential',
  'issueHouseholdMqttCredential',
  'listApiKeys',
  'rotateApiKey',
  'revokeApiKey',
  'verifyCertificate',
  'getCertificateProvenance',
  'exportCertificatesEnergyTag',
  'exportCertificatesMwh',
  // The resolution with the certificates its lowered figure withdrew (openapi/certificate-lifecycle.ts, DisputeResolutionAnswer).
  'resolveDispute',
  'getCertificateReport',
  // A meter's telemetry series comes from the telemetry service (routes/telemetry.ts); registry:getMeter only checks who asks.
  'getMeterTelemetry',
  // A storage quote is computed by the gateway's storage service from the battery and its free capacity (storage/service.ts).
  'quoteStorage',
  // One transaction per opted-in participant, answered as a list (routes/flex.ts).
  'fixFlexBaselines',
  'settleFlexEvent',
  // A new resource with its device's credential, the device's credential, an EV's charging schedule (openapi/dispatch.ts).
  'registerFlexResource',
  'issueDeviceMqttCredential',
  'scheduleEvCharging',
  // Forecasts are computed by the gateway from the meters and their readings (routes/forecasts.ts, openapi/forecasts.ts).
  'getMeterForecast',
  'getCommunityForecast',
  // A backfill page: the indexes written and the bookmark of the page read before (routes/lists.ts).
  'backfillListIndexes',
  // A storage battery's broker credential (routes/storage.ts).
  'issueBatteryMqttCredential',
  // A trading agent's broker credential (routes/mqtt.ts).
  'issueAgentMqttCredential',
]);

describe("the OpenAPI document's answers come from the transaction catalogue", () => {
  it('every operation that answers with a transaction result documents that result, as the catalogue types it', () => {
    const checked: string[] = [];
    for (const op of operations.filter((o) => !GATEWAY_ANSWERS.has(o.operationId))) {
      // The transaction whose result the route answers with: the last one its access-table row names.
      const fn = ACCESS_TABLE.find((row) => row.operation === op.operationId)?.tx.at(-1);
      const tx = TRANSACTIONS.find((t) => t.fn === fn);
      if (tx === undefined) continue;
      for (const [, response] of successes(op)) expect(response.content!['application/json'].schema).toEqual(answerSchema(tx));
      checked.push(op.operationId);
    }
    // Every route of the access table that calls the chaincode is checked, the certificates' too.
    const routed = ACCESS_TABLE.filter((row) => row.route !== undefined && row.tx.length > 0 && !GATEWAY_ANSWERS.has(row.operation));
    expect([...checked].sort()).toEqual(routed.map((row) => row.operation).sort());
    expect(checked.length).toBeGreaterThan(70);
  });

  it('leaves no answer untyped: no 2xx JSON response is an object of anything', () => {
    const untyped = operations.filter((op) =>
      successes(op).some(([, r]) => r.content!['application/json'].schema.additionalProperties === true),
    );
    expect(untyped.map((op) => op.operationId)).toEqual([]);
  });

  it('adds the transaction id to what a write answers', () => {
    const placed = answerSchema(TRANSACTIONS.find((t) => t.fn === 'market:placeOrder')!) as {
      required: string[];
      properties: Record<string, unknown>;
    };
    expect(placed.required).toEqual(['order', 'replayed', 'txId']);
    expect(placed.properties.txId).toEqual({ type: 'string' });
    const read = TRANSACTIONS.find((t) => t.fn === 'market:getOrder')!;
    expect(answerSchema(read)).toBe(read.result);
  });
});

describe('the access table and the catalogue', () => {
  it('name the same transactions: every one the table names is in the catalogue, and every catalogue entry has a row', () => {
    const named = new Set(ACCESS_TABLE.flatMap((row) => row.tx));
    const catalogued = TRANSACTIONS.map((t) => t.fn);
    expect([...named].filter((fn) => !catalogued.includes(fn))).toEqual([]);
    expect(catalogued.filter((fn) => !named.has(fn))).toEqual([]);
  });
});
