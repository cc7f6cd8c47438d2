/**
 * The signatures a verifier has accepted, each kept until it expires: a signature seen a second
 * time is a captured message replayed (BECKN_SIGNATURE_REPLAYED). Since a signature lives at most
 * MAX_SIGNATURE_LIFETIME_SECONDS, the cache holds at most that many seconds of traffic. It lives
 * in memory: after a restart, the inbox's message_id record (inbox.ts) still keeps a replayed
 * message from being processed twice.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  /** True the first time a signature is offered before it expires, false for a replay. */
  accept(signature: Buffer, expires: number, nowSeconds: number): boolean {
    this.sweep(nowSeconds);
    const key = signature.toString('base64');
    const known = this.seen.get(key);
    if (known !== undefined && known >= nowSeconds) return false;
    this.seen.set(key, expires);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }

  private sweep(nowSeconds: number): void {
    if (nowSeconds < this.nextSweep) return;
    this.nextSweep = nowSeconds + 10;
    for (const [key, expires] of this.seen) if (expires < nowSeconds) this.seen.delete(key);
  }
}
