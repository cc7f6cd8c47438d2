import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogue, catalogueMarkdown, encodeArgs, TRANSACTIONS, withCatalogue } from '../src/catalogue';

/** Every subschema of a schema (properties, items, additionalProperties, anyOf/allOf). */
function* subschemas(schema: Record<string, unknown>): Generator<Record<string, unknown>> {
  yield schema;
  const children = [
    ...Object.values((schema.properties as Record<string, unknown>) ?? {}),
    schema.items,
    typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined,
    ...((schema.anyOf as unknown[]) ?? []),
    ...((schema.allOf as unknown[]) ?? []),
  ];
  for (const child of children) if (child !== undefined) yield* subschemas(child as Record<string, unknown>);
}

describe('the transaction catalogue', () => {
  it('names each transaction contract:name, once', () => {
    for (const t of TRANSACTIONS) expect(t.fn).toBe(`${t.contract}:${t.name}`);
    expect(new Set(TRANSACTIONS.map((t) => t.fn)).size).toBe(TRANSACTIONS.length);
  });

  it('describes results in what OpenAPI 3.0 reads: no const, no null type, no patternProperties, nullable only beside a type', () => {
    const misfits: string[] = [];
    for (const t of TRANSACTIONS) {
      for (const s of [...subschemas(t.result as never), ...t.args.flatMap((a) => [...subschemas(a.schema as never)])]) {
        if ('const' in s || s.type === 'null' || 'patternProperties' in s || (s.nullable === true && s.type === undefined))
          misfits.push(`${t.fn}: ${JSON.stringify(s)}`);
      }
    }
    expect(misfits).toEqual([]);
  });

  it('passes string arguments as they are and any other as JSON', () => {
    expect(encodeArgs(catalogue.market.getOrder, ['o-1'])).toEqual(['o-1']);
    expect(
      encodeArgs(catalogue.metering.listReadings, [{ meterId: 'm-1', from: '2026-11-21T12:00:00Z', to: '2026-11-21T13:00:00Z' }]),
    ).toEqual(['{"meterId":"m-1","from":"2026-11-21T12:00:00Z","to":"2026-11-21T13:00:00Z"}']);
    expect(encodeArgs(catalogue.market.listResults, ['c-1', '10', ''])).toEqual(['c-1', '10', '']);
    expect(() => encodeArgs(catalogue.market.getOrder, [] as never)).toThrow('market:getOrder takes 1 arguments, not 0');
  });

  it('is what docs/api.md shows (node core/dist/catalogue/markdown.js docs/api.md rewrites it)', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    expect(withCatalogue(doc)).toBe(doc);
    expect(doc).toContain(catalogueMarkdown());
    for (const t of TRANSACTIONS) expect(catalogueMarkdown()).toContain(`| \`${t.fn}\` | ${t.kind} |`);
  });
});
