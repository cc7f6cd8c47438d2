import { common } from '@hyperledger/fabric-protos';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { blockchainInfoHeight, ChaincodeError, describeFabricError, fromFabricError, isTransient } from '../src';

describe('fromFabricError', () => {
  const envelope = encodeErrorEnvelope(new GridLedgerError(ErrorCodes.READING_CONFLICT, 'different reading stored', { meterId: 'm.1' }));

  it('finds the envelope in the message or in any endorser detail, and marks it as the chaincode’s', () => {
    for (const error of [
      { code: 2, message: `2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, ${envelope}`, details: [] },
      {
        code: 10,
        message: '10 ABORTED: failed to endorse transaction',
        details: [{ message: 'ok' }, { message: `chaincode response 500, ${envelope}` }],
      },
      new Error(`chaincode response 500, ${envelope}`),
    ]) {
      const decoded = fromFabricError(error);
      expect(decoded).toBeInstanceOf(ChaincodeError);
      expect(decoded.code).toBe(ErrorCodes.READING_CONFLICT);
      expect(decoded.details).toEqual({ meterId: 'm.1' });
    }
  });

  it('maps by gRPC status, never by text, when there is no envelope', () => {
    expect(fromFabricError({ code: 14, message: 'READING_CONFLICT' }).code).toBe(ErrorCodes.LEDGER_UNAVAILABLE);
    expect(fromFabricError({ code: 2, message: 'ACCESS_DENIED: not yours' }).code).toBe(ErrorCodes.INTERNAL);
    expect(fromFabricError({ code: 14, transactionId: 'tx9' }).details).toEqual({ txId: 'tx9', grpcCode: 14 });
    expect(fromFabricError(Object.assign(new Error('no connection'), { code: 14 }))).not.toBeInstanceOf(ChaincodeError);
  });

  it.each([
    [1, 'CANCELLED', true],
    [2, 'UNKNOWN', false],
    [3, 'INVALID_ARGUMENT', false],
    [4, 'DEADLINE_EXCEEDED', true],
    [7, 'PERMISSION_DENIED', false],
    [8, 'RESOURCE_EXHAUSTED', true],
    [10, 'ABORTED', true],
    [13, 'INTERNAL', false],
    [14, 'UNAVAILABLE', true],
  ])('gRPC %i (%s) is transient: %s', (code, _name, transient) => {
    const error = fromFabricError({ code, message: 'x' });
    expect(error.code).toBe(transient ? ErrorCodes.LEDGER_UNAVAILABLE : ErrorCodes.INTERNAL);
    expect(isTransient(error)).toBe(transient);
  });

  it('ignores a forged envelope with a code the platform does not have', () => {
    const forged = `gridledger-error:${Buffer.from(JSON.stringify({ code: 'ROOT', message: 'x' })).toString('base64url')}`;
    expect(fromFabricError({ code: 2, message: forged }).code).toBe(ErrorCodes.INTERNAL);
  });

  it('keeps the original error as a cause for logs, out of the wire form', () => {
    const mapped = fromFabricError(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7051'), { code: 14 }));
    expect(JSON.stringify(mapped)).not.toContain('ECONNREFUSED');
    expect(describeFabricError(mapped)).toContain('ECONNREFUSED');
  });
});

describe('isTransient', () => {
  it('holds for codes a later identical call can pass, not for refusals', () => {
    const of = (code: keyof typeof ErrorCodes) => new GridLedgerError(ErrorCodes[code], 'x');
    expect(
      ['LEDGER_UNAVAILABLE', 'TRANSACTION_CONFLICT', 'PRIVATE_DATA_UNAVAILABLE'].every((c) =>
        isTransient(of(c as keyof typeof ErrorCodes)),
      ),
    ).toBe(true);
    expect(
      ['ACCESS_DENIED', 'METER_EXISTS', 'INTERNAL', 'READING_MALFORMED'].some((c) => isTransient(of(c as keyof typeof ErrorCodes))),
    ).toBe(false);
    expect(isTransient(new Error('socket hang up'))).toBe(false);
  });
});

describe('qscc GetChainInfo decoding', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 40])('reads height %d from a real BlockchainInfo encoding', (height) => {
    const info = new common.BlockchainInfo();
    info.setHeight(height);
    info.setCurrentblockhash(Buffer.alloc(32, 7));
    info.setPreviousblockhash(Buffer.alloc(32, 9));
    expect(blockchainInfoHeight(info.serializeBinary())).toBe(BigInt(height));
  });

  it('refuses a truncated message', () => {
    expect(() => blockchainInfoHeight(Uint8Array.from([0x12, 0x20, 1, 2]))).toThrow();
  });
});
