import { readFileSync } from 'node:fs';
import express, { Request, Response, Router } from 'express';
import { z } from 'zod';
import { ErrorCodes, GridLedgerError } from '@gridledger/core/core';
import { ed25519PublicKey, RegisteredKey, SUBSCRIBER_ID, UNIQUE_KEY_ID } from './signing';

/**
 * Where subscribers' keys come from (docs/beckn.md#the-registry): a Beckn registry's `POST /lookup`,
 * a DeDi registry's `GET /lookup/{subscriber_id}/{registry}/{key_id}`, or, for development, a
 * local file; a cache with expiry sits in front of any of them.
 */

/** A network participant's registration, as a registry returns it (the fields we use). */
export interface Subscriber {
  subscriberId: string;
  uniqueKeyId: string;
  type: 'BAP' | 'BPP' | 'BG';
  /** The subscriber's Beckn endpoint: bap_uri or bpp_uri in a context must be this. */
  url: string;
  domain?: string;
  /** base64 of the raw 32-byte Ed25519 key. */
  signingPublicKey: string;
  validFrom: string;
  validUntil: string;
  status: string;
}

export interface Registry {
  /** The subscriber's registration under that key id, or undefined when the registry has none. */
  lookup(subscriberId: string, uniqueKeyId: string): Promise<Subscriber | undefined>;
}

const instant = z.iso.datetime({ offset: true });

/**
 * A registry record on the wire. Registries name the key id differently (`key_id` in beckn-onix,
 * `ukId` or `unique_key_id` in older registries) and the endpoint `url` or `subscriber_url`.
 */
const wireRecord = z
  .object({
    subscriber_id: z.string().regex(SUBSCRIBER_ID),
    key_id: z.string().regex(UNIQUE_KEY_ID).optional(),
    ukId: z.string().regex(UNIQUE_KEY_ID).optional(),
    unique_key_id: z.string().regex(UNIQUE_KEY_ID).optional(),
    type: z.enum(['BAP', 'BPP', 'BG']),
    url: z.url().optional(),
    subscriber_url: z.url().optional(),
    domain: z.string().optional(),
    signing_public_key: z.string(),
    valid_from: instant,
    valid_until: instant,
    status: z.string().default('SUBSCRIBED'),
  })
  .transform((r, ctx) => {
    const url = r.url ?? r.subscriber_url;
    if (url === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a record needs url or subscriber_url', path: ['url'] });
      return z.NEVER;
    }
    const subscriber: Subscriber = {
      subscriberId: r.subscriber_id,
      uniqueKeyId: r.key_id ?? r.ukId ?? r.unique_key_id ?? '',
      type: r.type,
      url,
      signingPublicKey: r.signing_public_key,
      validFrom: r.valid_from,
      validUntil: r.valid_until,
      status: r.status,
    };
    if (r.domain !== undefined) subscriber.domain = r.domain;
    return subscriber;
  });

export type WireRecord = z.input<typeof wireRecord>;

/** The wire form of a subscriber (what the local registry serves and the file holds). */
export function toWire(s: Subscriber): WireRecord {
  return {
    subscriber_id: s.subscriberId,
    key_id: s.uniqueKeyId,
    type: s.type,
    url: s.url,
    ...(s.domain === undefined ? {} : { domain: s.domain }),
    signing_public_key: s.signingPublicKey,
    valid_from: s.validFrom,
    valid_until: s.validUntil,
    status: s.status,
  };
}

function unavailable(message: string, details: Record<string, string | number> = {}): GridLedgerError {
  return new GridLedgerError(ErrorCodes.BECKN_REGISTRY_UNAVAILABLE, message, details);
}

function parseRecord(raw: unknown, uniqueKeyId: string): Subscriber {
  const parsed = wireRecord.safeParse(raw);
  if (!parsed.success) throw unavailable(`the registry answered a record out of form: ${parsed.error.issues[0].message}`);
  // DeDi records carry the key id in the path only.
  return parsed.data.uniqueKeyId === '' ? { ...parsed.data, uniqueKeyId } : parsed.data;
}

/**
 * The key a verifier may use from a registration: only a SUBSCRIBED record's, with its window in
 * Unix seconds. A key not of the Ed25519 form (or of small order) is refused with BECKN_KEY_INVALID.
 */
export function registeredKey(s: Subscriber): RegisteredKey {
  const valid = s.status === 'SUBSCRIBED';
  return {
    publicKey: ed25519PublicKey(s.signingPublicKey),
    validFrom: Math.floor(Date.parse(s.validFrom) / 1000),
    // A record in any other state is valid for no signature.
    validUntil: valid ? Math.floor(Date.parse(s.validUntil) / 1000) : -1,
  };
}

function match(records: readonly Subscriber[], subscriberId: string, uniqueKeyId: string): Subscriber | undefined {
  return records.find((r) => r.subscriberId === subscriberId && r.uniqueKeyId === uniqueKeyId);
}

/** The development registry: a JSON file `{ "subscribers": [wire records] }`, read at each lookup (the cache is in front). */
export class FileRegistry implements Registry {
  constructor(readonly path: string) {}

  records(): Subscriber[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      throw unavailable(`the local registry file cannot be read: ${(e as Error).message}`, { path: this.path });
    }
    const file = z.object({ subscribers: z.array(z.unknown()) }).safeParse(JSON.parse(text));
    if (!file.success) throw unavailable('the local registry file is not { "subscribers": [...] }', { path: this.path });
    return file.data.subscribers.map((r) => parseRecord(r, ''));
  }

  async lookup(subscriberId: string, uniqueKeyId: string): Promise<Subscriber | undefined> {
    return match(this.records(), subscriberId, uniqueKeyId);
  }
}

export type RegistryForm = 'beckn' | 'dedi';

export interface HttpRegistryOptions {
  /** The registry's base URL: `{url}/lookup` is called. */
  url: string;
  form: RegistryForm;
  /** DeDi's registry name in the lookup path. */
  registryName?: string;
  timeoutMs?: number;
}

/** A remote registry, in the Beckn registry's form or DeDi's. */
export class HttpRegistry implements Registry {
  constructor(private readonly options: HttpRegistryOptions) {}

  async lookup(subscriberId: string, uniqueKeyId: string): Promise<Subscriber | undefined> {
    const { url, form, registryName = 'subscribers.beckn.one', timeoutMs = 5_000 } = this.options;
    // Both parts were checked as a host name and a plain token; encoded all the same.
    const request: [string, RequestInit] =
      form === 'dedi'
        ? [`${url}/lookup/${[subscriberId, registryName, uniqueKeyId].map(encodeURIComponent).join('/')}`, { method: 'GET' }]
        : [
            `${url}/lookup`,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ subscriber_id: subscriberId, key_id: uniqueKeyId }),
            },
          ];
    let response: globalThis.Response;
    let body: unknown;
    try {
      response = await fetch(request[0], { ...request[1], signal: AbortSignal.timeout(timeoutMs) });
      if (form === 'dedi' && response.status === 404) return undefined;
      if (!response.ok) throw unavailable(`the registry answered HTTP ${response.status}`, { status: response.status });
      body = await response.json();
    } catch (e) {
      if (e instanceof GridLedgerError) throw e;
      throw unavailable(`the registry cannot be reached: ${(e as Error).message}`);
    }
    if (form === 'dedi') {
      const data = z.object({ data: z.object({ details: z.record(z.string(), z.unknown()) }).loose() }).safeParse(body);
      if (!data.success) throw unavailable('the DeDi registry answered without data.details');
      const found = parseRecord(data.data.data.details, uniqueKeyId);
      return found.subscriberId === subscriberId ? found : undefined;
    }
    if (!Array.isArray(body)) throw unavailable('the registry’s lookup did not answer an array');
    return match(
      body.map((r) => parseRecord(r, '')),
      subscriberId,
      uniqueKeyId,
    );
  }
}

/**
 * A registry's answers kept for `ttlMs` (not-found answers for at most a tenth of it, so a new
 * subscriber is seen soon); concurrent lookups of one key share one request. Failures are not kept.
 */
export class CachedRegistry implements Registry {
  private readonly entries = new Map<string, { until: number; value: Promise<Subscriber | undefined> }>();

  constructor(
    private readonly inner: Registry,
    private readonly ttlMs: number,
    private readonly nowMs: () => number = Date.now,
  ) {}

  lookup(subscriberId: string, uniqueKeyId: string): Promise<Subscriber | undefined> {
    const key = `${subscriberId}|${uniqueKeyId}`;
    const now = this.nowMs();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = this.inner.lookup(subscriberId, uniqueKeyId);
    this.entries.set(key, { until: now + this.ttlMs, value });
    value.then(
      (found) => {
        if (found === undefined) this.entries.set(key, { until: now + Math.min(this.ttlMs, Math.ceil(this.ttlMs / 10)), value });
      },
      () => this.entries.delete(key),
    );
    return value;
  }

  /** Forgets every answer (a key rotated at the registry). */
  clear(): void {
    this.entries.clear();
  }
}

/**
 * The local registry served over HTTP in both lookup forms, for development and tests: `POST /lookup`
 * (Beckn: a body with subscriber_id and optionally key_id, an array of records back) and
 * `GET /lookup/:subscriberId/:registry/:keyId` (DeDi: `{ data: { details } }`, 404 when unknown).
 */
export function localRegistryRoutes(source: FileRegistry): Router {
  const router = express.Router();
  router.post('/lookup', express.json(), (req: Request, res: Response) => {
    const query = z.object({ subscriber_id: z.string().optional(), key_id: z.string().optional() }).safeParse(req.body ?? {});
    if (!query.success)
      return void res.status(400).json({ error: { code: 'BAD_REQUEST', message: 'subscriber_id and key_id are strings' } });
    const { subscriber_id: sid, key_id: kid } = query.data;
    const found = source
      .records()
      .filter((r) => (sid === undefined || r.subscriberId === sid) && (kid === undefined || r.uniqueKeyId === kid));
    res.json(found.map(toWire));
  });
  router.get('/lookup/:subscriberId/:registry/:keyId', (req: Request, res: Response) => {
    const found = match(source.records(), String(req.params.subscriberId), String(req.params.keyId));
    if (found === undefined) return void res.status(404).json({ message: 'no such record' });
    const { key_id: _keyId, ...details } = toWire(found);
    res.json({ message: 'record found', data: { record_id: found.uniqueKeyId, details } });
  });
  return router;
}
