import { ErrorCodes } from '@gridledger/core/core';
import { EndorseError } from '@hyperledger/fabric-gateway';
import { encodeErrorEnvelope, GridLedgerError } from '@gridledger/core/core';
import { ProposalMaker, submitWithRetry } from '../src/fabric/ledger';

/** A contract whose transactions commit with the given validation codes, one per attempt (0 = VALID); `endorseFailure` fails every endorsement, or the first `endorseFailures` ones. */
function contract(codes: number[], endorseFailure?: unknown, endorseFailures = Infinity) {
  const seen: { fn: string; args: unknown }[] = [];
  let n = 0;
  const maker = {
    newProposal: (fn: string, options?: { arguments?: unknown }) => {
      const txId = `tx${++n}`;
      const code = codes[n - 1];
      seen.push({ fn, args: options?.arguments });
      return {
        getTransactionId: () => txId,
        endorse: async () => {
          if (endorseFailure && n <= endorseFailures) throw endorseFailure;
          return {
            getResult: () => Buffer.from(JSON.stringify({ ok: txId })),
            submit: async () => ({ getStatus: async () => ({ blockNumber: 7n, code, successful: code === 0, transactionId: txId }) }),
          };
        },
      };
    },
  } as unknown as ProposalMaker;
  return { maker, seen };
}

describe('submitWithRetry', () => {
  it('returns the result and transaction id of a valid commit', async () => {
    const { maker } = contract([0]);
    expect(await submitWithRetry(maker, 'registry:registerMeter', ['{}'])).toEqual({ result: { ok: 'tx1' }, txId: 'tx1', blockNumber: 7n });
  });

  it('retries MVCC and phantom read conflicts with the same arguments, then succeeds', async () => {
    const { maker, seen } = contract([11, 12, 0]);
    const out = await submitWithRetry(maker, 'metering:submitReadings', ['[1]'], { attempts: 4, backoffMs: 1 });
    expect(out.txId).toBe('tx3');
    expect(seen).toEqual(Array(3).fill({ fn: 'metering:submitReadings', args: ['[1]'] }));
  });

  it('gives up with TRANSACTION_CONFLICT after the last attempt', async () => {
    const { maker, seen } = contract([11, 11, 11]);
    await expect(submitWithRetry(maker, 'f', [], { attempts: 3, backoffMs: 1 })).rejects.toMatchObject({
      code: ErrorCodes.TRANSACTION_CONFLICT,
      details: { txId: 'tx3', attempts: 3 },
    });
    expect(seen).toHaveLength(3);
  });

  it('does not retry other invalidations', async () => {
    const { maker, seen } = contract([10]);
    await expect(submitWithRetry(maker, 'f', [], { backoffMs: 1 })).rejects.toMatchObject({
      code: ErrorCodes.INTERNAL,
      details: { validationCode: 10 },
    });
    expect(seen).toHaveLength(1);
  });

  it("passes the chaincode's own code through, with the transaction id", async () => {
    const env = encodeErrorEnvelope(new GridLedgerError(ErrorCodes.METER_EXISTS, 'exists'));
    const failure = new EndorseError({
      code: 10,
      details: [{ address: 'p', mspId: 'M', message: `chaincode response 500, ${env}` }],
      cause: new Error('x') as never,
      transactionId: 'tx1',
      message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
    });
    const { maker, seen } = contract([0], failure);
    await expect(submitWithRetry(maker, 'f', [])).rejects.toMatchObject({ code: ErrorCodes.METER_EXISTS, details: { txId: 'tx1' } });
    expect(seen).toHaveLength(1);
  });

  it('proposes again an endorsement aborted without a chaincode code (peers that answered differently), and gives up after the last attempt', async () => {
    const aborted = new EndorseError({
      code: 10,
      details: [],
      cause: new Error('x') as never,
      transactionId: 'tx1',
      message: '10 ABORTED: failed to collect enough transaction endorsements, see attached details for more info',
    });
    const twice = contract([0, 0, 0], aborted, 2);
    expect(await submitWithRetry(twice.maker, 'registry:registerMeter', ['{"m":1}'], { attempts: 4, backoffMs: 1 })).toMatchObject({ txId: 'tx3' });
    expect(twice.seen.map((s) => s.args)).toEqual([['{"m":1}'], ['{"m":1}'], ['{"m":1}']]);
    const always = contract([0, 0, 0], aborted);
    await expect(submitWithRetry(always.maker, 'f', [], { attempts: 3, backoffMs: 1 })).rejects.toMatchObject({ code: ErrorCodes.LEDGER_UNAVAILABLE, details: { grpcCode: 10 } });
    expect(always.seen).toHaveLength(3);
  });
});
