/**
 * A home agent's REST client of the gateway: every call with the home's agent key (so the gateway
 * signs with that home's agent identity), JSON in and out, and the API's error code kept. A
 * network error or a 5xx answer is retried (every write here is idempotent: client ids, or a
 * batch the ledger answers `replayed` on a repeat).
 */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  /** The API's stable error code, when it answered one. */
  code?: string;
}

export class GatewayError extends Error {
  constructor(
    readonly answer: Answer,
    what: string,
  ) {
    super(`${what}: HTTP ${answer.status} ${answer.code ?? ''} ${JSON.stringify(answer.body).slice(0, 300)}`);
    this.name = 'GatewayError';
  }
}

export class Gateway {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
    private readonly attempts = 3,
  ) {
    this.base = `${baseUrl.replace(/\/+$/, '')}/api/v1`;
  }

  async call(method: string, path: string, body?: unknown): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(this.base + path, {
          method,
          headers: { authorization: `Bearer ${this.apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await res.text();
        const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
        const code = (parsed.error as { code?: string } | undefined)?.code;
        if (res.status < 500 || attempt >= this.attempts) return { status: res.status, body: parsed, code };
      } catch (e) {
        if (attempt >= this.attempts) throw e;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** The body of a 200 or 201 answer; GatewayError otherwise. */
  async ok(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const answer = await this.call(method, path, body);
    if (answer.status !== 200 && answer.status !== 201) throw new GatewayError(answer, `${method} ${path}`);
    return answer.body;
  }
}
