import { effectiveStatus, recordedExpiry } from '../../src';
import { issuedBundle, NOW } from './fixtures';

describe('the expiry record', () => {
  const bundle = issuedBundle();
  const after = bundle.expiresAt;

  it('records an active or reserved bundle from its expiry on, dropping a pending transfer', () => {
    expect(recordedExpiry(bundle, NOW)).toBeUndefined();
    expect(recordedExpiry(bundle, after)).toEqual({ ...bundle, status: 'expired' });
    const reserved = { ...bundle, status: 'reserved' as const, reservation: { transferId: 't1', to: 'bob' } };
    expect(recordedExpiry(reserved, after)).toEqual({ ...bundle, status: 'expired' });
  });

  it('leaves cancelled, withdrawn and already recorded bundles alone, and reads the same either way', () => {
    for (const status of ['cancelled', 'withdrawn', 'expired'] as const)
      expect(recordedExpiry({ ...bundle, status }, after)).toBeUndefined();
    const recorded = recordedExpiry(bundle, after)!;
    expect([effectiveStatus(recorded, NOW), effectiveStatus(recorded, after)]).toEqual(['expired', 'expired']);
    expect(effectiveStatus(bundle, after)).toBe('expired');
  });
});
