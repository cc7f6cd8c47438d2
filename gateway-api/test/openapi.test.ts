import { ErrorCodes, GridLedgerError, parseInstant } from '@gridledger/core/core';
import { MAX_READINGS_PER_BATCH } from '@gridledger/core/metering';
import { openApiDocument } from '../src';
import { HTTP_STATUS } from '../src/errors';
import { Harness, startHarness } from './support/fakes';

type Operation = {
  operationId: string;
  requestBody?: object;
  parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
};
const operations = new Map<string, Operation>();
for (const methods of Object.values(openApiDocument.paths as Record<string, Record<string, Operation>>)) {
  for (const op of Object.values(methods)) operations.set(op.operationId, op);
}
const schemaOf = (operationId: string, status = '200') =>
  operations.get(operationId)!.responses[status].content!['application/json'].schema;

/**
 * The not-found codes each operation's chaincode function (or the gateway) can answer with, read
 * from chaincode/src: registry, assets, energy, credits, market, contracts, figures.
 */
const NOT_FOUND: Record<string, string[]> = {
  getParticipant: ['PARTICIPANT_NOT_FOUND'],
  registerMeter: ['PARTICIPANT_NOT_FOUND'],
  getMeter: ['METER_NOT_REGISTERED'],
  getReading: ['READING_NOT_FOUND'],
  registerSite: ['PARTICIPANT_NOT_FOUND'],
  attachMeter: ['ASSET_NOT_FOUND', 'METER_NOT_REGISTERED'],
  registerAsset: ['PARTICIPANT_NOT_FOUND', 'METER_NOT_REGISTERED'],
  getAsset: ['ASSET_NOT_FOUND'],
  getAssetHistory: ['ASSET_NOT_FOUND'],
  verifyAsset: ['ASSET_NOT_FOUND'],
  addAssetRecord: ['ASSET_NOT_FOUND'],
  getPreferences: ['ASSET_NOT_FOUND'],
  setPreferences: ['PARTICIPANT_NOT_FOUND'],
  exchangeMeter: ['METER_NOT_REGISTERED'],
  retireMeter: ['METER_NOT_REGISTERED'],
  getEstimate: ['READING_NOT_FOUND'],
  getPosition: ['POSITION_NOT_FOUND'],
  getConsumption: ['POSITION_NOT_FOUND'],
  verifyConsumption: ['POSITION_NOT_FOUND'],
  disputeReading: ['METER_NOT_REGISTERED', 'READING_NOT_FOUND'],
  resolveDispute: ['METER_NOT_REGISTERED'],
  getDispute: ['METER_NOT_REGISTERED', 'DISPUTE_NOT_FOUND'],
  depositCredits: ['PARTICIPANT_NOT_FOUND'],
  withdrawCredits: ['PARTICIPANT_NOT_FOUND'],
  transferCredits: ['PARTICIPANT_NOT_FOUND'],
  placeOrder: ['MARKET_NOT_FOUND'],
  placeOrders: ['MARKET_NOT_FOUND'],
  cancelOrder: ['ORDER_NOT_FOUND'],
  closeInterval: ['MARKET_NOT_FOUND'],
  correctSettlement: ['INTERVAL_NOT_FOUND'],
  proposeContract: ['MARKET_NOT_FOUND'],
  getContract: ['CONTRACT_NOT_FOUND'],
  acceptContract: ['CONTRACT_NOT_FOUND'],
  withdrawContract: ['CONTRACT_NOT_FOUND'],
  getContractSettlement: ['INTERVAL_NOT_FOUND'],
  correctContractSettlement: ['INTERVAL_NOT_FOUND'],
  getIntervalFigures: ['INTERVAL_NOT_FOUND'],
};

describe('the OpenAPI document', () => {
  it.each(Object.entries(NOT_FOUND))('%s documents 404 with the codes it can answer', (operationId, codes) => {
    const notFound = operations.get(operationId)?.responses['404'];
    expect(notFound).toBeDefined();
    for (const code of codes) {
      expect(HTTP_STATUS[code as keyof typeof HTTP_STATUS]).toBe(404);
      expect(notFound!.description).toContain(code);
    }
  });

  it('every operation that takes a body documents its refusal for size (413) and media type (415)', () => {
    const withBody = [...operations.values()].filter((op) => op.requestBody !== undefined);
    expect(withBody).not.toHaveLength(0);
    for (const op of withBody)
      expect([op.operationId, op.responses['413']?.description, op.responses['415']?.description]).toEqual([
        op.operationId,
        expect.stringContaining('REQUEST_INVALID'),
        expect.stringContaining('REQUEST_INVALID'),
      ]);
  });

  it.each(['listSites', 'listAssets', 'listMeters'])('%s answers a JSON array', (operationId) => {
    expect(schemaOf(operationId)).toMatchObject({ type: 'array' });
  });

  it('listReadings answers a JSON array, or with archived=true the readings and the archived hours', () => {
    const answers = (schemaOf('listReadings') as { anyOf: { type: string; title?: string }[] }).anyOf;
    expect(answers.map((a) => a.title ?? a.type)).toEqual(['array', 'ReadingsWithArchive']);
  });

  it("a batch of readings holds at most the chaincode's limit", () => {
    const batch = (openApiDocument.components.schemas.ReadingBatch as { properties: { readings: { maxItems: number } } }).properties
      .readings;
    expect(batch.maxItems).toBe(MAX_READINGS_PER_BATCH);
  });

  it('every instant parameter admits what parseInstant accepts and nothing else', () => {
    const patterns = new Set<string>();
    for (const op of operations.values())
      for (const p of op.parameters ?? [])
        if (['intervalStart', 'from', 'to', 'at'].includes(p.name)) patterns.add(String(p.schema.pattern));
    expect(patterns.size).toBe(1);
    const pattern = new RegExp([...patterns][0]);
    for (const text of [
      '0000-00-00T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-11-21T24:00:00Z',
      '2024-02-29T00:00:00Z',
      '2026-11-21T12:15:00Z',
    ]) {
      expect(pattern.test(text)).toBe(parseInstant(text) !== undefined);
    }
  });
});

describe('the gateway behaves as its document says', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  it('refuses an instant that does not exist before the ledger: 400 REQUEST_INVALID', async () => {
    const res = await h.fetch('/api/v1/meters/alice.main/readings/0000-00-00T00:00:00Z', { key: h.key.alice });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ErrorCodes.REQUEST_INVALID);
    expect(h.ledger.calls).toEqual([]);
  });

  it('answers a body that is not JSON with 415 and one that is too large with 413, before the ledger', async () => {
    const notJson = await h.fetch('/api/v1/sites', {
      method: 'POST',
      key: h.key.alice,
      body: 'siteId=s-1',
      headers: { 'content-type': 'text/plain' },
    });
    expect(notJson.status).toBe(415);
    const large = await h.fetch('/api/v1/sites', { method: 'POST', key: h.key.alice, json: { siteId: 'x'.repeat(1_100_000) } });
    expect(large.status).toBe(413);
    for (const res of [notJson, large])
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(ErrorCodes.REQUEST_INVALID);
    expect(h.ledger.calls).toEqual([]);
  });

  it('takes an empty bookmark as the first page', async () => {
    h.ledger.evaluateHandler = () => ({ items: [], bookmark: '' });
    for (const path of [
      'positions?from=2026-11-21T12:00:00Z&to=2026-11-21T12:00:00Z&bookmark=',
      'tokens/moves?bookmark=',
      'orders?bookmark=',
    ]) {
      const res = await h.fetch(`/api/v1/participants/alice/${path}`, { key: h.key.alice });
      expect(res.status).toBe(200);
    }
    const [positions, moves, orders] = h.ledger.calls;
    expect([JSON.parse(positions.args[0]).bookmark, JSON.parse(moves.args[0]).bookmark, orders.args[2]]).toEqual(['', '', '']);
  });

  it("refuses a batch above the chaincode's limit before the ledger", async () => {
    const reading = {
      meterId: 'alice.main',
      intervalStart: '2026-11-21T12:00:00Z',
      seq: 1,
      importWh: 0,
      exportWh: 0,
      importRegisterWh: 0,
      exportRegisterWh: 0,
      sig: 'MEUCIQDx',
    };
    const res = await h.fetch('/api/v1/readings', {
      method: 'POST',
      key: h.key.bridge,
      json: { readings: new Array(MAX_READINGS_PER_BATCH + 1).fill(reading) },
    });
    expect(res.status).toBe(400);
    expect(h.ledger.calls).toEqual([]);
  });

  it.each([
    ['POST', '/api/v1/assets/a-1/verification', 'ASSET_NOT_FOUND'],
    ['POST', '/api/v1/meters/alice.main/retirement', 'METER_NOT_REGISTERED'],
    ['PUT', '/api/v1/participants/op-1/preferences', 'PARTICIPANT_NOT_FOUND'],
  ] as const)("%s %s answers the ledger's %s with 404", async (method, path, code) => {
    h.ledger.submitHandler = () => {
      throw new GridLedgerError(code, 'not there');
    };
    const json = method === 'PUT' ? { sources: [], locality: 'any' } : undefined;
    const res = await h.fetch(path, { method, key: h.key.operator, json });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(code);
  });
});
