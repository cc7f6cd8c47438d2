import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../src';
import { ACCESS_TABLE, accessTableMarkdown, CALLERS, withAccessTable } from '../src/access-table';
import { HTTP_STATUS } from '../src/errors';

/** Every transaction of every contract of the chaincode, as `contract:transaction`, from the metadata its decorators give. */
function chaincodeTransactions(): string[] {
  process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'warning';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { contracts } = require('@gridledger/chaincode') as { contracts: (new () => { getName(): string })[] };
  const metadata = Reflect as unknown as { getMetadata(key: string, target: object): { name: string }[] | undefined };
  return contracts.flatMap((C) =>
    (metadata.getMetadata('fabric:transactions', C.prototype) ?? []).map((t) => `${new C().getName()}:${t.name}`),
  );
}

const operations = Object.entries(openApiDocument.paths as Record<string, Record<string, { operationId: string }>>).flatMap(
  ([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ operationId: op.operationId, route: `${method.toUpperCase()} ${path}` })),
);

describe('the access table', () => {
  it('has exactly one row per operation of the served OpenAPI document, with its method and path', () => {
    expect(operations.length).toBeGreaterThan(70);
    const routed = ACCESS_TABLE.filter((r) => r.route !== undefined);
    expect(routed.map((r) => r.operation).sort()).toEqual(operations.map((o) => o.operationId).sort());
    for (const o of operations) expect(routed.find((r) => r.operation === o.operationId)?.route).toBe(o.route);
  });

  it('names every chaincode transaction, and only transactions the chaincode has; a row without a route is one transaction', () => {
    const transactions = chaincodeTransactions();
    expect(transactions.length).toBeGreaterThan(70);
    const named = new Set(ACCESS_TABLE.flatMap((r) => r.tx));
    expect(transactions.filter((t) => !named.has(t))).toEqual([]);
    expect([...named].filter((t) => !transactions.includes(t))).toEqual([]);
    for (const r of ACCESS_TABLE.filter((x) => x.route === undefined)) expect(r.tx).toEqual([r.operation]);
    expect(new Set(ACCESS_TABLE.map((r) => r.operation)).size).toBe(ACCESS_TABLE.length);
  });

  it('refuses with a stable code and its HTTP status, and says something for every caller', () => {
    for (const r of ACCESS_TABLE) {
      expect(Object.keys(r.callers).sort()).toEqual([...CALLERS].sort());
      for (const access of Object.values(r.callers)) {
        if (access === null || access.allowed) continue;
        expect(HTTP_STATUS[access.code as keyof typeof HTTP_STATUS]).toBe(access.status);
      }
      // Someone may call every operation.
      expect(Object.values(r.callers).some((a) => a?.allowed)).toBe(true);
    }
  });

  it('is what docs/security.md shows (node gateway-api/dist/access-table.js docs/security.md rewrites it)', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'security.md'), 'utf8');
    expect(doc).toContain(accessTableMarkdown());
    expect(withAccessTable(doc)).toBe(doc);
  });
});
