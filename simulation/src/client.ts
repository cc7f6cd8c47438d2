/**
 * The simulation's REST client: one gateway, a key per call, and the counts the report states
 * (requests sent, answered with an error, retried). A request that fails on the network or with
 * a 5xx answer is sent again, up to three times, a second apart: every write the simulation makes
 * is idempotent (client ids and references), so a retry cannot do anything twice.
 */
import { api } from '@gridledger/network/dist/platform';

export interface Answer {
  status: number;
  json: Record<string, unknown>;
}

export class CountingClient {
  readonly counts = { sent: 0, failed: 0, retried: 0 };

  constructor(
    readonly url: string,
    private readonly attempts = 3,
  ) {}

  async call(key: string, method: string, path: string, body?: unknown): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      this.counts.sent++;
      let answer: Answer | undefined;
      try {
        answer = await api(this.url, key, method, path, body);
      } catch (e) {
        if (attempt >= this.attempts) {
          this.counts.failed++;
          throw e;
        }
      }
      if (answer !== undefined && answer.status < 500) {
        if (answer.status >= 400) this.counts.failed++;
        return answer;
      }
      if (attempt >= this.attempts) {
        this.counts.failed++;
        return answer!;
      }
      this.counts.retried++;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** The answer's body, or an error naming the request and the answer. */
  async ok(key: string, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await this.call(key, method, path, body);
    if (res.status !== 200 && res.status !== 201) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  }
}

/** At most `n` of `items` at a time through `f` (the simulation's requests for many homes). */
export async function inParallel<T, R>(items: readonly T[], n: number, f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]);
      }
    }),
  );
  return out;
}
