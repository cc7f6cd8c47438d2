import { common } from '@hyperledger/fabric-protos';
import { blockNumberOf } from '../src';

/** A block as the peer serializes it (qscc GetBlockByTxID), made with Fabric's own protobuf classes. */
function block(number: number, withData = true): Uint8Array {
  const header = new common.BlockHeader();
  header.setNumber(number);
  header.setPreviousHash(Buffer.alloc(32, 7));
  header.setDataHash(Buffer.alloc(32, 9));
  const b = new common.Block();
  if (withData) {
    const data = new common.BlockData();
    data.setDataList([Buffer.from('an envelope')]);
    b.setData(data);
  }
  b.setHeader(header);
  return b.serializeBinary();
}

describe('blockNumberOf', () => {
  it.each([0, 1, 127, 128, 300_000, 2 ** 40])('reads the number %p of a serialized block', (n) => {
    expect(blockNumberOf(block(n))).toBe(BigInt(n));
    expect(blockNumberOf(block(n, false))).toBe(BigInt(n));
  });

  it('refuses what is not a block', () => {
    expect(() => blockNumberOf(new Uint8Array([]))).toThrow('a block without a header');
    expect(() => blockNumberOf(block(5).slice(0, 10))).toThrow('truncated');
  });
});
