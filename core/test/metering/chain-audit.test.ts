import { auditMeterChain, type ChainTransactionFound, readingKeyMeter } from '../../src/metering/chain-audit';
import { CHAIN_START, extendChain, type MeterChain } from '../../src/metering/meter-chain';

const key = (start: string) => `\u0000!reading\u0000${start.slice(0, 13)}\u0000m1\u0000${start}\u0000`;
const rec = (start: string, n: number) => ({ key: key(start), value: Buffer.from(`{"intervalStart":"${start}","seq":${n}}`) });

/** Three transactions of m1, as the chaincode writes them: newest first. */
function walk(): { chain: MeterChain; transactions: ChainTransactionFound[] } {
  const batches = [
    [rec('2026-11-21T00:00:00Z', 1), rec('2026-11-21T00:15:00Z', 2)],
    [rec('2026-11-21T00:30:00Z', 3)],
    [rec('2026-11-21T00:45:00Z', 4), rec('2026-11-21T00:30:00Z', 3)],
  ];
  let root = CHAIN_START;
  let prevTxId = '';
  const txs: ChainTransactionFound[] = batches.map((records, i) => {
    root = extendChain(root, records);
    const chain = { root, txId: `t${i}`, prevTxId };
    prevTxId = chain.txId;
    return {
      txId: chain.txId,
      found: true,
      valid: true,
      head: { intervalStart: 'x', chain },
      records,
      deleted: i === 2 ? [key('2026-08-22T23:00:00Z')] : [],
    };
  });
  return { chain: txs[2].head!.chain!, transactions: txs.reverse() };
}

describe('auditMeterChain', () => {
  it('holds for the transactions the heads link, and proves every record they wrote, oldest first', () => {
    const report = auditMeterChain({ meterId: 'm1', ...walk() });
    expect(report.findings).toEqual([]);
    expect(report).toMatchObject({ holds: true, reachedStart: true, transactionsWalked: 3 });
    expect(report.records.map((r) => [r.txId, r.key.split('\u0000')[4]])).toEqual([
      ['t0', '2026-11-21T00:00:00Z'],
      ['t0', '2026-11-21T00:15:00Z'],
      ['t1', '2026-11-21T00:30:00Z'],
      ['t2', '2026-11-21T00:30:00Z'],
      ['t2', '2026-11-21T00:45:00Z'],
    ]);
    expect(report.deleted).toEqual([{ key: key('2026-08-22T23:00:00Z'), txId: 't2' }]);
  });

  it('names a changed byte, a dropped or missing transaction, an invalid one and a state that is not the head', () => {
    const input = { meterId: 'm1', ...walk() };
    const tampered = structuredClone(input);
    tampered.transactions[1].records[0] = rec('2026-11-21T00:30:00Z', 9);
    expect(auditMeterChain(tampered).findings.map((f) => [f.code, f.txId])).toEqual([['ROOT_MISMATCH', 't1']]);

    const dropped = { ...input, transactions: [input.transactions[0], input.transactions[2]] };
    expect(auditMeterChain(dropped).findings.map((f) => f.code)).toEqual(['LINK_MISMATCH', 'ROOT_MISMATCH']);

    const missing = {
      ...input,
      transactions: [input.transactions[0], { txId: 't1', found: false, valid: false, records: [], deleted: [] }],
    };
    const m = auditMeterChain(missing);
    expect(m.findings.map((f) => [f.code, f.txId])).toEqual([['TRANSACTION_MISSING', 't1']]);
    expect(m.holds).toBe(false);

    const invalid = structuredClone(input);
    invalid.transactions[2].valid = false;
    expect(auditMeterChain(invalid).findings.map((f) => [f.code, f.txId])).toEqual([['TRANSACTION_INVALID', 't0']]);

    const otherState = { ...input, chain: { ...input.chain, root: CHAIN_START } };
    expect(auditMeterChain(otherState).findings.map((f) => f.code)).toEqual(['ROOT_MISMATCH']);
  });

  it('stops early without failing: the oldest transaction walked anchors the root and is not itself proven', () => {
    const { chain, transactions } = walk();
    const report = auditMeterChain({ meterId: 'm1', chain, transactions: transactions.slice(0, 2) });
    expect(report).toMatchObject({ holds: true, reachedStart: false });
    expect(report.records.map((r) => r.txId)).toEqual(['t2', 't2']);
  });

  it('reads the meter out of a reading key only', () => {
    expect(readingKeyMeter(key('2026-11-21T00:00:00Z'))).toBe('m1');
    expect(readingKeyMeter('\u0000readingHead\u0000m1\u0000')).toBeUndefined();
  });
});
