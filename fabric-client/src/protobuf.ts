/**
 * Just enough protobuf to read `common.BlockchainInfo` (field 1: uint64 height) from qscc's
 * GetChainInfo without a generated-code dependency: varints, and skipping every other field.
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
  let at = 0;
  let height = 0n;
  while (at < bytes.length) {
    const [key, next] = readVarint(bytes, at);
    at = next;
    const field = key >> 3n;
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [value, after] = readVarint(bytes, at);
      if (field === 1n) height = value;
      at = after;
    } else if (wire === 2) {
      const [length, after] = readVarint(bytes, at);
      at = after + Number(length);
    } else if (wire === 1) {
      at += 8;
    } else if (wire === 5) {
      at += 4;
    } else {
      throw new Error(`unexpected protobuf wire type ${wire}`);
    }
    if (at > bytes.length) throw new Error('truncated protobuf message');
  }
  return height;
}
