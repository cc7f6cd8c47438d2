import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { ErrorCodes } from '../../src/core';
import { TRANSACTIONS } from '../../src/catalogue';
import {
  AGENT_TRANSACTIONS,
  agentMayCall,
  checkAgentSpotOrder,
  isAgentId,
  Mandate,
  UNLIMITED_MANDATE,
  validateMandate,
} from '../../src/p2p';
import { codeOf } from '../support';

/** Peer ids printed by libp2p 3 (@libp2p/peer-id) for keys it generated: Ed25519, secp256k1 and RSA. */
const ED25519 = ['12D3KooWJiGKTLEu5HwxVHpfUXGoyRnhWG3MchFSQ8ZPQo5J1wNp', '12D3KooWQkP1tzxNV5rQDvo3TEG2UUPzvtWgXL2zypqUYmjGLrYo'];
const SECP256K1 = '16Uiu2HAmUrRp7JeUpQCgXgB19i9SWRqkxR72FeS9FfwmBhMgz9Rp';
const RSA = 'QmTD3TSiDMJKNsNDE7UpzSzC3CtY9HnJ1Dk3X3MoZRFksf';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** base58btc of bytes, written here only to build test ids (leading zero bytes are `1`s). */
function base58(bytes: Buffer): string {
  let n = BigInt(`0x${bytes.toString('hex') || '0'}`);
  let out = '';
  for (; n > 0n; n /= 58n) out = ALPHABET[Number(n % 58n)] + out;
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  return '1'.repeat(zeros) + out;
}
const peerIdOf = (publicKey: Buffer, header = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20]) =>
  base58(Buffer.concat([Buffer.from(header), publicKey]));

describe('agent ids', () => {
  it('are Ed25519 peer ids as libp2p prints them, and nothing else', () => {
    for (const id of ED25519) expect(isAgentId(id)).toBe(true);
    for (const id of [SECP256K1, RSA, `${ED25519[0]}x`, ED25519[0].slice(0, -1), ED25519[0].replace('p', '0'), '', 42, null]) {
      expect(isAgentId(id)).toBe(false);
    }
    // The prefix alone is not the form: 44 further characters may stand for more than a 32-byte key.
    expect(isAgentId(`12D3KooW${'z'.repeat(44)}`)).toBe(false);
  });

  it('any 32-byte Ed25519 key gives one; another key type or length in the same encoding does not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (key) => {
        const id = peerIdOf(Buffer.from(key));
        expect(id.startsWith('12D3KooW')).toBe(true);
        expect(isAgentId(id)).toBe(true);
        expect(isAgentId(peerIdOf(Buffer.from(key), [0x00, 0x24, 0x08, 0x02, 0x12, 0x20]))).toBe(false); // secp256k1 type
        expect(isAgentId(peerIdOf(Buffer.from(key.slice(1)), [0x00, 0x23, 0x08, 0x01, 0x12, 0x1f]))).toBe(false);
      }),
    );
    expect(isAgentId(peerIdOf(randomBytes(32)))).toBe(true);
  });

  it("a mandate may name its agent's id; a malformed one is MANDATE_INVALID on agentId", () => {
    const base = { ...UNLIMITED_MANDATE } as Record<string, unknown>;
    expect(validateMandate(base)).not.toHaveProperty('agentId');
    expect(validateMandate({ ...base, agentId: ED25519[0] })).toMatchObject({ agentId: ED25519[0] });
    for (const agentId of [RSA, SECP256K1, null, 7, `${ED25519[0]} `]) {
      let details: unknown;
      expect(
        codeOf(() => {
          try {
            validateMandate({ ...base, agentId });
          } catch (e) {
            details = (e as { details?: unknown }).details;
            throw e;
          }
        }),
      ).toBe(ErrorCodes.MANDATE_INVALID);
      expect(details).toEqual({ field: 'agentId' });
    }
  });
});

describe('what an agent identity may call', () => {
  it('every p2p transaction (the contract checks agents itself) and only listed reads and spot orders elsewhere', () => {
    const names = TRANSACTIONS.map((t) => t.fn);
    for (const fn of AGENT_TRANSACTIONS) expect(names).toContain(fn);
    const allowed = names.filter(agentMayCall);
    expect(allowed.filter((fn) => !fn.startsWith('p2p:')).sort()).toEqual([...AGENT_TRANSACTIONS].sort());
    for (const fn of names.filter((n) => n.startsWith('p2p:'))) expect(agentMayCall(fn)).toBe(true);
    for (const fn of ['credits:transfer', 'credits:withdraw', 'energy:disputeReading', 'assets:registerAsset', 'certificates:transfer'])
      expect(agentMayCall(fn)).toBe(false);
    // Nothing that writes outside p2p but spot orders.
    const writes = TRANSACTIONS.filter((t) => t.kind === 'submit' && agentMayCall(t.fn) && !t.fn.startsWith('p2p:')).map((t) => t.fn);
    expect(writes.sort()).toEqual(['market:cancelOrder', 'market:placeOrder', 'market:placeOrders']);
    expect(agentMayCall('placeOrder')).toBe(false);
  });

  it("spot orders by an agent obey the mandate's automation, prices and energy per interval, and nothing P2P-only", () => {
    const mandate: Mandate = {
      ...UNLIMITED_MANDATE,
      minSellPriceMicrosPerKwh: 100_000,
      maxBuyPriceMicrosPerKwh: 200_000,
      maxEnergyWhPerInterval: 1_000,
      batteryReserveWh: 5_000,
      preferredSources: ['solar'],
      locality: 'zone',
    };
    const buy = { side: 'buy' as const, priceMicrosPerKwh: 150_000, energyWh: 400, tradedWh: 0 };
    const sell = { ...buy, side: 'sell' as const };
    expect(checkAgentSpotOrder(mandate, buy)).toBeNull();
    expect(checkAgentSpotOrder(mandate, sell)).toBeNull();
    expect(checkAgentSpotOrder(undefined, buy)?.code).toBe(ErrorCodes.MANDATE_AUTOMATION_OFF);
    expect(checkAgentSpotOrder({ ...mandate, automation: false }, sell)?.code).toBe(ErrorCodes.MANDATE_AUTOMATION_OFF);
    expect(checkAgentSpotOrder(mandate, { ...buy, priceMicrosPerKwh: 200_001 })?.code).toBe(ErrorCodes.MANDATE_PRICE_ABOVE_MAXIMUM);
    expect(checkAgentSpotOrder(mandate, { ...sell, priceMicrosPerKwh: 99_999 })?.code).toBe(ErrorCodes.MANDATE_PRICE_BELOW_MINIMUM);
    expect(checkAgentSpotOrder(mandate, { ...buy, tradedWh: 601 })?.code).toBe(ErrorCodes.MANDATE_ENERGY_EXCEEDED);
    expect(checkAgentSpotOrder(mandate, { ...buy, tradedWh: 600 })).toBeNull();
  });
});
