import { common } from '@hyperledger/fabric-protos';
import { encodeErrorEnvelope, ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { fromFabricError, HTTP_STATUS } from '../src';
import { blockchainInfoHeight } from '../src/fabric/protobuf';

describe('fromFabricError', () => {
  const envelope = encodeErrorEnvelope(new GridLedgerError(ErrorCodes.READING_CONFLICT, 'different reading stored', { meterId: 'm.1' }));

  it('finds the envelope in the message or in any endorser detail', () => {
    for (const error of [
      { code: 2, message: `2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, ${envelope}`, details: [] },
      { code: 10, message: '10 ABORTED: failed to endorse transaction', details: [{ message: 'ok' }, { message: `chaincode response 500, ${envelope}` }] },
    ]) {
      const decoded = fromFabricError(error);
      expect(decoded.code).toBe(ErrorCodes.READING_CONFLICT);
      expect(decoded.details).toEqual({ meterId: 'm.1' });
    }
  });

  it('maps by gRPC status, never by text, when there is no envelope', () => {
    expect(fromFabricError({ code: 14, message: 'READING_CONFLICT' }).code).toBe(ErrorCodes.LEDGER_UNAVAILABLE);
    expect(fromFabricError({ code: 4, message: 'x' }).code).toBe(ErrorCodes.LEDGER_UNAVAILABLE);
    expect(fromFabricError({ code: 2, message: 'ACCESS_DENIED: not yours' }).code).toBe(ErrorCodes.INTERNAL);
    expect(fromFabricError({ code: 14, transactionId: 'tx9' }).details).toEqual({ txId: 'tx9', grpcCode: 14 });
  });

  it('ignores a forged envelope with a code the platform does not have', () => {
    const forged = `gridledger-error:${Buffer.from(JSON.stringify({ code: 'ROOT', message: 'x' })).toString('base64url')}`;
    expect(fromFabricError({ code: 2, message: forged }).code).toBe(ErrorCodes.INTERNAL);
  });

  it('has one status for every code, client errors for refusals and 5xx only for the platform', () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.values(ErrorCodes).sort());
    const serverSide = Object.entries(HTTP_STATUS).filter(([, s]) => s >= 500).map(([c]) => c).sort();
    expect(serverSide).toEqual(['BROKER_UNAVAILABLE', 'CA_REQUEST_FAILED', 'INTERNAL', 'LEDGER_UNAVAILABLE', 'PRIVATE_DATA_UNAVAILABLE']);
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
