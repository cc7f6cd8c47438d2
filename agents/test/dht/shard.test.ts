import fc from 'fast-check';
import { INTERVAL_SHARDS, shardOf } from '../../src/dht/index.js';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'.split('');
/** Strings of the form of an Ed25519 peer id (`12D3KooW` and 44 base58 characters). */
const agentIdArb = fc.array(fc.constantFrom(...BASE58), { minLength: 44, maxLength: 44 }).map((cs) => `12D3KooW${cs.join('')}`);

describe('shardOf', () => {
  test('is a function of the agent id alone, within [0, shards)', () => {
    fc.assert(
      fc.property(agentIdArb, fc.integer({ min: 1, max: 1024 }), (agentId, shards) => {
        const shard = shardOf(agentId, shards);
        expect(Number.isInteger(shard) && shard >= 0 && shard < shards).toBe(true);
        expect(shardOf(agentId, shards)).toBe(shard);
      }),
    );
    expect(shardOf('12D3KooWagent')).toBe(shardOf('12D3KooWagent', INTERVAL_SHARDS));
    expect(shardOf('anything', 1)).toBe(0);
  });

  test('the first four bytes of sha256(agentId), big-endian', () => {
    // sha256("abc") = ba7816bf…: 0xba7816bf = 3128432319
    expect(shardOf('abc', 1000)).toBe(3128432319 % 1000);
    expect(shardOf('abc', 2 ** 32)).toBe(3128432319);
  });

  test('refuses a shard count that is not a positive integer', () => {
    for (const shards of [0, -1, 1.5, Number.NaN]) expect(() => shardOf('abc', shards)).toThrow(RangeError);
  });

  test('spreads agents evenly: 100 agents leave every shard well under 20, 3,200 fill every shard near 100', () => {
    fc.assert(
      fc.property(fc.uniqueArray(agentIdArb, { minLength: 100, maxLength: 100 }), (agentIds) => {
        const counts = new Array<number>(INTERVAL_SHARDS).fill(0);
        for (const id of agentIds) counts[shardOf(id)] += 1;
        // Mean 3.1; 18 or more in one of 32 shards has a chance of about 7e-8 (the binomial tail).
        expect(Math.max(...counts)).toBeLessThan(18);
      }),
      { numRuns: 50 },
    );
    fc.assert(
      fc.property(fc.uniqueArray(agentIdArb, { minLength: 3200, maxLength: 3200 }), (agentIds) => {
        const counts = new Array<number>(INTERVAL_SHARDS).fill(0);
        for (const id of agentIds) counts[shardOf(id)] += 1;
        // Mean 100, standard deviation 9.8: six of them either side (a chance of about 4e-7 to fall outside).
        expect(Math.min(...counts)).toBeGreaterThan(40);
        expect(Math.max(...counts)).toBeLessThan(160);
      }),
      { numRuns: 5 },
    );
  });
});
