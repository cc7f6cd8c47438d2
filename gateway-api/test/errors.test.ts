import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '@gridledger/core/core';
import { HTTP_STATUS } from '../src';

describe('HTTP_STATUS', () => {
  it('has one status for every code, client errors for refusals and 5xx only for the platform', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.values(ErrorCodes).sort());
    const serverSide = Object.entries(HTTP_STATUS)
      .filter(([, s]) => s >= 500)
      .map(([c]) => c)
      .sort();
    expect(serverSide).toEqual([
      'BECKN_REGISTRY_UNAVAILABLE',
      'BROKER_UNAVAILABLE',
      'CA_REQUEST_FAILED',
      'INTERNAL',
      'LEDGER_UNAVAILABLE',
      'PRIVATE_DATA_UNAVAILABLE',
      'TELEMETRY_UNAVAILABLE',
    ]);
  });
});

describe('docs/api.md', () => {
  it('explains every error code in its table of error codes', () => {
    const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## Error codes'), doc.indexOf('## Metering API'));
    // A row may name several codes that share a meaning (`A`, `B` | ...).
    const firstCells = [...table.matchAll(/^\| (`[A-Z0-9_]+`(?:, `[A-Z0-9_]+`)*) \|/gm)].map((m) => m[1]);
    const shown = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1])));
    expect(Object.values(ErrorCodes).filter((c) => !shown.has(c))).toEqual([]);
  });
});
