/**
 * docs/api.md's "Transactions" section, generated from the catalogue (`node core/dist/catalogue/markdown.js
 * docs/api.md` rewrites it; core/test/catalogue.test.ts fails when it differs).
 */
import type { TSchema } from '@sinclair/typebox';
import { replaceDocSection } from '../core/doc-section';
import { TRANSACTIONS } from './index';
import type { Access, Transaction } from './transaction';

/** A schema's name in the table: its title, `X[]` for an array, else its JSON type. */
export function typeName(schema: TSchema): string {
  const s = schema as { title?: string; type?: string; items?: TSchema; enum?: string[]; nullable?: boolean; anyOf?: TSchema[] };
  const base =
    s.title ??
    (s.anyOf ? s.anyOf.map(typeName).join(' or ') : undefined) ??
    (s.type === 'array' && s.items ? `${typeName(s.items)}[]` : s.enum ? s.enum.map((v) => `'${v}'`).join(' \\| ') : (s.type ?? 'any'));
  return s.nullable ? `${base} \\| null` : base;
}

const who = (a: Access): string => {
  const roles = a.roles === 'any' ? 'any role' : a.roles === 'identity' ? 'any identity' : a.roles.join(', ');
  return (
    [roles, ...(a.msps ? [`of ${a.msps.join(' or ')}`] : []), ...(a.ownRecords ? ['(households: own records)'] : [])].join(' ') +
    `: ${a.rule}`
  );
};

const row = (t: Transaction): string => {
  const args = t.args.map((a) => `${a.name}: ${typeName(a.schema)}`).join(', ') || '—';
  const events = t.events.map((e) => `\`${e}\``).join(', ') || '—';
  return `| \`${t.fn}\` | ${t.kind} | ${args} | ${typeName(t.result)} | ${who(t.access)} | ${events} | ${t.summary} |`;
};

/** The "Transactions" section of docs/api.md, from its heading to the line before the next section. */
export function catalogueMarkdown(): string {
  return [
    '## Transactions',
    '',
    'Generated from the transaction catalogue, `core/src/catalogue/` (`node core/dist/catalogue/markdown.js docs/api.md`',
    'rewrites this section; `core/test/catalogue.test.ts` fails when it differs). Every transaction of the chaincode:',
    'submit (ordered and committed) or evaluate (read on one peer); its arguments, strings as they are and anything',
    'else as JSON text; the JSON it answers with (the schemas are in the served OpenAPI document, under each route',
    'that calls it); who the chaincode lets call it; the chaincode event it sets.',
    '',
    '| transaction | kind | arguments | result | who may call | events | what |',
    '|---|---|---|---|---|---|---|',
    ...TRANSACTIONS.map(row),
    '',
  ].join('\n');
}

/** Replaces the "Transactions" section of a docs/api.md text (up to the next `## ` heading). */
export const withCatalogue = (doc: string): string => replaceDocSection(doc, 'Transactions', catalogueMarkdown());

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { readFileSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
  const file = process.argv[2] ?? 'docs/api.md';
  writeFileSync(file, withCatalogue(readFileSync(file, 'utf8')));
}
