/**
 * The chaincode serves exactly the transactions of core's catalogue: every contract registered in
 * src/index.ts, every method its @Transaction metadata lists, with the catalogue's kind (submit or
 * evaluate) and argument names; and no catalogue entry without its transaction. A transaction
 * added without a catalogue entry (or renamed, or turned from evaluate into submit) fails here.
 */
import { Contract } from 'fabric-contract-api';
import { TRANSACTIONS } from '@gridledger/core/catalogue';
import { contracts } from '../src';

interface Served {
  fn: string;
  kind: 'submit' | 'evaluate';
  args: string[];
}

/** What fabric-contract-api registers of each contract: its name and @Transaction metadata. */
function served(): Served[] {
  return contracts.flatMap((Class) => {
    const name = (new Class() as Contract).getName();
    // reflect-metadata (loaded by fabric-contract-api) adds getMetadata to Reflect.
    const metadata = (Reflect as unknown as { getMetadata(key: string, target: object): unknown }).getMetadata(
      'fabric:transactions',
      Class.prototype,
    ) as { name: string; tag: string[]; parameters: { name: string }[] }[];
    return metadata.map((t) => ({
      fn: `${name}:${t.name}`,
      kind: t.tag.includes('SUBMIT') ? ('submit' as const) : ('evaluate' as const),
      args: t.parameters.map((p) => p.name),
    }));
  });
}

const byFn = <T extends { fn: string }>(list: readonly T[]) => [...list].sort((a, b) => a.fn.localeCompare(b.fn));

describe('the transaction catalogue', () => {
  it('lists every transaction the chaincode serves, and only those', () => {
    const chaincode = served()
      .map((t) => t.fn)
      .sort();
    const catalogue = TRANSACTIONS.map((t) => t.fn).sort();
    expect(chaincode.filter((fn) => !catalogue.includes(fn))).toEqual([]);
    expect(catalogue.filter((fn) => !chaincode.includes(fn))).toEqual([]);
    expect(new Set(catalogue).size).toBe(catalogue.length);
  });

  it('has each transaction submitted or evaluated as the chaincode declares it, with its arguments in order', () => {
    const fromCatalogue = byFn(TRANSACTIONS.map((t) => ({ fn: t.fn, kind: t.kind, args: t.args.map((a) => a.name) })));
    expect(fromCatalogue).toEqual(byFn(served()));
  });
});
