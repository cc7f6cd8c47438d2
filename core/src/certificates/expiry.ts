/**
 * The optional record of an expiry: expiry holds at read time (effectiveStatus) whether or not it
 * was recorded; recording writes the status a reader already sees, so that an event can say so.
 */
import { CertificateBundle, effectiveStatus } from './bundle';

/**
 * The bundle as its expiry record stores it (status `expired`, a pending transfer dropped), or
 * undefined when it is not due at `now` or its expiry is already recorded.
 */
export function recordedExpiry(bundle: CertificateBundle, now: string): CertificateBundle | undefined {
  if (bundle.status === 'expired' || effectiveStatus(bundle, now) !== 'expired') return undefined;
  const { reservation: _dropped, ...rest } = bundle;
  return { ...rest, status: 'expired' };
}
