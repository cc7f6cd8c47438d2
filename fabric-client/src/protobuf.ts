/**
 * Just enough protobuf to read `common.BlockchainInfo` (field 1: uint64 height) from qscc's
 * GetChainInfo, and a `common.Block`'s number from GetBlockByTxID, without a generated-code
 * dependency: varints, length-delimited fields, and skipping every other field.
 */

function readVarint(bytes: Uint8Array, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < bytes.length && shift < 70n; i++) {
    const b = bytes[i];
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) return [value, i + 1];
    shift += 7n;
  }
  throw new Error('truncated or overlong protobuf varint');
}

export function blockchainInfoHeight(bytes: Uint8Array): bigint {
  const height = fieldOf(bytes, 1n);
  return typeof height === 'bigint' ? height : 0n;
}

/** The value of the first varint field `field` of a message, or of its first length-delimited field `field` as bytes. */
function fieldOf(bytes: Uint8Array, wanted: bigint): bigint | Uint8Array | undefined {
  let at = 0;
  while (at < bytes.length) {
    const [key, next] = readVarint(bytes, at);
    at = next;
    const field = key >> 3n;
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, after] = readVarint(bytes, at);
      if (field === wanted) return value;
      at = after;
    } else if (wire === 2) {
      const [length, after] = readVarint(bytes, at);
      if (after + Number(length) > bytes.length) throw new Error('truncated protobuf message');
      if (field === wanted) return bytes.subarray(after, after + Number(length));
      at = after + Number(length);
    } else if (wire === 1 || wire === 5) {
      at += wire === 1 ? 8 : 4;
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
  }
  if (at > bytes.length) throw new Error('truncated protobuf message');
  return undefined;
}

/** `common.Block` (qscc GetBlockByTxID): its header (field 1) number (field 1); 0 when absent, as protobuf defaults. */
export function blockNumberOf(block: Uint8Array): bigint {
  const header = fieldOf(block, 1n);
  if (header === undefined) throw new Error('a block without a header');
  if (!(header instanceof Uint8Array)) throw new Error('a block header is a message');
  const number = fieldOf(header, 1n);
  return typeof number === 'bigint' ? number : 0n;
}
