/**
 * OAuth2 client credentials of the OpenADR 3 VTN (docs/openadr.md): a VEN's (or a business
 * logic's) client id is the key id of one of our API keys (`kid_…`), its client secret that API key.
 * The token carries the scopes the key's role may have (SCOPES_OF_ROLE) and lives TOKEN_SECONDS;
 * tokens are kept in memory only (a restarted gateway asks its clients for new ones).
 */
import { randomBytes } from 'node:crypto';
import type { WalletUser } from '@gridledger/network';
import { ErrorCodes, GridLedgerError } from '../errors';
import type { ApiKeyStore } from '../keys';
import type { Wallet } from '../ports';

/** The OpenADR 3.0.1 scopes. */
export const SCOPES = [
  'read_all',
  'read_targets',
  'read_ven_objects',
  'write_programs',
  'write_events',
  'write_reports',
  'write_subscriptions',
  'write_vens',
] as const;
export type Scope = (typeof SCOPES)[number];

const VEN_SCOPES: Scope[] = ['read_targets', 'read_ven_objects', 'write_reports', 'write_subscriptions', 'write_vens'];
const BUSINESS_SCOPES: Scope[] = ['read_all', 'write_programs', 'write_events', 'write_subscriptions', 'write_vens'];

/** What each of our roles may be granted: households are VENs, the utility and the operator the business logic. */
export const SCOPES_OF_ROLE: Record<string, readonly Scope[]> = {
  prosumer: VEN_SCOPES,
  consumer: VEN_SCOPES,
  utility: BUSINESS_SCOPES,
  operator: BUSINESS_SCOPES,
  regulator: ['read_all'],
};

/** How long a token lives. */
export const TOKEN_SECONDS = 3600;

/** An OAuth2 error (RFC 6749 §5.2) with its HTTP status. */
export class OAuthError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_scope' | 'unauthorized_client' | 'unsupported_grant_type',
    readonly description: string,
  ) {
    super(description);
  }
  get status(): number {
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

/**
 * The scopes granted for a request's `scope` (space-separated): those asked that the role may have;
 * when none of them (or none asked), all the role may have (RFC 6749 §3.3 lets the server grant other
 * scopes than asked and say so in the answer's `scope`). An unknown scope name is invalid_scope.
 */
export function grantScopes(role: string | undefined, asked: string | undefined): Scope[] {
  const allowed = SCOPES_OF_ROLE[role ?? ''] ?? [];
  if (allowed.length === 0) throw new OAuthError('unauthorized_client', `the role ${role ?? '(none)'} has no OpenADR scope`);
  const names = (asked ?? '').split(' ').filter((s) => s !== '');
  for (const n of names) if (!(SCOPES as readonly string[]).includes(n)) throw new OAuthError('invalid_scope', `unknown scope ${n}`);
  const granted = allowed.filter((s) => names.includes(s));
  return granted.length > 0 ? granted : [...allowed];
}

export interface Grant {
  user: WalletUser;
  keyId: string;
  scopes: Scope[];
  expiresAt: number;
}

/** Issues and checks the VTN's bearer tokens. */
export class TokenIssuer {
  private readonly tokens = new Map<string, Grant>();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly wallet: Wallet,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token for a form-encoded client credentials request; throws an OAuthError. */
  issue(form: Record<string, unknown>): { access_token: string; token_type: 'Bearer'; expires_in: number; scope: string } {
    const text = (name: string) => (typeof form[name] === 'string' ? (form[name] as string) : undefined);
    if (text('grant_type') !== 'client_credentials')
      throw new OAuthError(
        text('grant_type') === undefined ? 'invalid_request' : 'unsupported_grant_type',
        'grant_type must be client_credentials',
      );
    const clientId = text('client_id');
    const secret = text('client_secret');
    if (!clientId || !secret) throw new OAuthError('invalid_request', 'client_id and client_secret are required');
    const found = this.keys.lookup(secret);
    const user = found && found.state === 'active' && found.record.keyId === clientId ? this.wallet.get(found.record.userId) : undefined;
    if (!found || !user) throw new OAuthError('invalid_client', 'unknown client, wrong secret, or an expired or revoked key');
    const scopes = grantScopes(user.role, text('scope'));
    this.prune();
    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, { user, keyId: found.record.keyId, scopes, expiresAt: this.now() + TOKEN_SECONDS * 1000 });
    return { access_token: token, token_type: 'Bearer', expires_in: TOKEN_SECONDS, scope: scopes.join(' ') };
  }

  /** The grant of an `Authorization: Bearer <token>` header; UNAUTHENTICATED when none or expired. */
  check(authorization: string | undefined): Grant {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const grant = m ? this.tokens.get(m[1]) : undefined;
    if (!grant || grant.expiresAt <= this.now())
      throw new GridLedgerError(ErrorCodes.UNAUTHENTICATED, 'a valid VTN access token is required (POST /auth/token)');
    return grant;
  }

  private prune(): void {
    const now = this.now();
    for (const [token, grant] of this.tokens) if (grant.expiresAt <= now) this.tokens.delete(token);
  }
}

/** Refuses a grant that has none of `scopes` (OPENADR_SCOPE_MISSING). */
export function requireScope(grant: Grant, ...scopes: Scope[]): void {
  if (!scopes.some((s) => grant.scopes.includes(s)))
    throw new GridLedgerError(ErrorCodes.OPENADR_SCOPE_MISSING, `this needs the scope ${scopes.join(' or ')}`, { scope: scopes.join(' ') });
}

/** Whether the grant reads every VTN object (read_all), not only its own VENs'. */
export const readsAll = (grant: Grant): boolean => grant.scopes.includes('read_all');
