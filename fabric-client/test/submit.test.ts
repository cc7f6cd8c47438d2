import { EndorseError } from '@hyperledger/fabric-gateway';
import { Registry } from 'prom-client';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { ChaincodeError, FabricMetrics, parseResult, retryDelayMs, submitWithRetry, type ProposalMaker } from '../src';

/** A contract whose transactions commit with the given validation codes, one per attempt (0 = VALID); `endorseFailure` fails every
 * endorsement, or the first `endorseFailures` ones. */
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
    const out = await submitWithRetry(maker, 'registry:registerMeter', ['{}']);
    expect(out).toMatchObject({ txId: 'tx1', blockNumber: 7n });
    expect(parseResult(out.result)).toEqual({ ok: 'tx1' });
    expect(out.timings.endorseMs).toBeGreaterThanOrEqual(0);
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

  /** A refusal with ASSET_NOT_FOUND by the peers of `mspIds`. */
  const refusedBy = (...mspIds: string[]) => {
    const env = encodeErrorEnvelope(new GridLedgerError(ErrorCodes.ASSET_NOT_FOUND, 'no site s1'));
    return new EndorseError({
      code: 10,
      details: mspIds.map((mspId) => ({ address: `peer.${mspId}`, mspId, message: `chaincode response 500, ${env}` })),
      cause: new Error('x') as never,
      transactionId: 'tx1',
      message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
    });
  };

  it("proposes again a refusal by other organizations' peers only (they may be a block behind), and commits when they agree", async () => {
    const { maker, seen } = contract([0, 0, 0], refusedBy('UtilityMSP'), 1);
    const out = await submitWithRetry(maker, 'assets:attachMeter', ['m', 's1'], {}, { localMspId: 'CommunityMSP' });
    expect(out.txId).toBe('tx2');
    expect(seen).toHaveLength(2);
  });

  it("gives a refusal by other organizations' peers up after three proposals, with the chaincode's code", async () => {
    const { maker, seen } = contract([0, 0, 0, 0], refusedBy('UtilityMSP', 'RegulatorMSP'));
    const refused = submitWithRetry(maker, 'f', [], { attempts: 4 }, { localMspId: 'CommunityMSP' });
    await expect(refused).rejects.toMatchObject({ code: ErrorCodes.ASSET_NOT_FOUND });
    expect(seen).toHaveLength(3);
  });

  it("does not propose again a refusal by the gateway's own organization's peer, nor one when that is not known", async () => {
    const own = contract([0, 0], refusedBy('UtilityMSP', 'CommunityMSP'), 1);
    await expect(submitWithRetry(own.maker, 'f', [], {}, { localMspId: 'CommunityMSP' })).rejects.toMatchObject({
      code: ErrorCodes.ASSET_NOT_FOUND,
    });
    expect(own.seen).toHaveLength(1);
    const unknown = contract([0, 0], refusedBy('UtilityMSP'), 1);
    await expect(submitWithRetry(unknown.maker, 'f', [])).rejects.toMatchObject({ code: ErrorCodes.ASSET_NOT_FOUND });
    expect(unknown.seen).toHaveLength(1);
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
    const refused = submitWithRetry(maker, 'f', []);
    await expect(refused).rejects.toMatchObject({ code: ErrorCodes.METER_EXISTS, details: { txId: 'tx1' } });
    await expect(refused).rejects.toBeInstanceOf(ChaincodeError);
    expect(seen).toHaveLength(1);
  });

  it(
    'proposes again an endorsement aborted without a chaincode code (peers that answered differently), and gives up after the last ' +
      'attempt',
    async () => {
      const aborted = new EndorseError({
        code: 10,
        details: [],
        cause: new Error('x') as never,
        transactionId: 'tx1',
        message: '10 ABORTED: failed to collect enough transaction endorsements, see attached details for more info',
      });
      const twice = contract([0, 0, 0], aborted, 2);
      expect(await submitWithRetry(twice.maker, 'registry:registerMeter', ['{"m":1}'], { attempts: 4, backoffMs: 1 })).toMatchObject({
        txId: 'tx3',
      });
      expect(twice.seen.map((s) => s.args)).toEqual([['{"m":1}'], ['{"m":1}'], ['{"m":1}']]);
      const always = contract([0, 0, 0], aborted);
      await expect(submitWithRetry(always.maker, 'f', [], { attempts: 3, backoffMs: 1 })).rejects.toMatchObject({
        code: ErrorCodes.LEDGER_UNAVAILABLE,
        details: { grpcCode: 10 },
      });
      expect(always.seen).toHaveLength(3);
    },
  );
});

describe('retryDelayMs', () => {
  it('doubles from the first backoff, with up to as much again of jitter', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(a, 100, () => 0))).toEqual([100, 200, 400, 800]);
    expect(retryDelayMs(3, 100, () => 0.999)).toBe(799);
  });
});

/** A sample's value whose labels include `labels`, as the registry holds it. */
async function value(registry: Registry, sample: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(sample.replace(/_(bucket|count|sum)$/, ''))?.get();
  const matches = (v: { labels: object; metricName?: string }) =>
    (v.metricName ?? sample) === sample && Object.entries(labels).every(([k, x]) => String((v.labels as Record<string, unknown>)[k]) === x);
  return metric?.values.find(matches)?.value;
}

describe('Fabric submission metrics', () => {
  /** Commits with the given validation codes, one per attempt (0 = VALID). */
  const contract = (codes: number[]) => {
    let n = 0;
    return {
      newProposal: () => {
        const code = codes[n++];
        return {
          getTransactionId: () => `tx${n}`,
          endorse: async () => ({
            getResult: () => Buffer.from('{}'),
            submit: async () => ({ getStatus: async () => ({ blockNumber: 1n, code, successful: code === 0 }) }),
          }),
        };
      },
    } as unknown as ProposalMaker;
  };

  it('times submission and commit and counts MVCC retries by chaincode function', async () => {
    const registry = new Registry();
    const m = { registry, fabric: new FabricMetrics(registry) };
    await submitWithRetry(contract([11, 12, 0]), 'market:placeOrder', [], { attempts: 4, backoffMs: 1 }, {}, m.fabric);
    expect(await value(m.registry, 'gridledger_fabric_mvcc_retries_total', { transaction: 'market:placeOrder' })).toBe(2);
    expect(await value(m.registry, 'gridledger_fabric_submit_duration_seconds_count', { transaction: 'market:placeOrder' })).toBe(3);
    expect(await value(m.registry, 'gridledger_fabric_commit_duration_seconds_count', { transaction: 'market:placeOrder' })).toBe(3);
  });

  it('counts no retry for an invalidation it does not retry', async () => {
    const registry = new Registry();
    const m = { registry, fabric: new FabricMetrics(registry) };
    await expect(submitWithRetry(contract([10]), 'f', [], { backoffMs: 1 }, {}, m.fabric)).rejects.toMatchObject({
      code: ErrorCodes.INTERNAL,
    });
    expect(await value(m.registry, 'gridledger_fabric_mvcc_retries_total', { transaction: 'f' })).toBeUndefined();
  });
});
