/**
 * Webhook notifications of the OpenADR 3 VTN (docs/openadr.md, "Subscriptions"): a subscription's
 * objectOperations name object types, operations and a callbackUrl (with an optional bearerToken);
 * each matching change is POSTed there as a notification object. A callback that fails (no answer
 * within the timeout, or a status other than 2xx) is tried again after RETRY_DELAYS_MS, then given up
 * and logged. Runs in the background: the request that made the change does not wait. A callback
 * whose host the list no longer allows (it changed since the subscription) is not called, and a
 * redirect is not followed (it could lead anywhere): both are logged.
 */
import type { Logger } from '../ports';
import { callbackAllowed, DEFAULT_CALLBACK_HOSTS } from './callback-hosts';

export interface ObjectOperation {
  objects: string[];
  operations: string[];
  callbackUrl: string;
  bearerToken?: string | null;
}

export interface Notification {
  objectType: string;
  operation: 'POST' | 'PUT' | 'DELETE';
  object: Record<string, unknown>;
}

/** Waits before the 2nd, 3rd and 4th try. */
export const RETRY_DELAYS_MS = [250, 1000, 4000];
const TIMEOUT_MS = 5000;
/** The subscription's operation names (CREATE, UPDATE, DELETE) of a notification's HTTP-style one. */
const OPERATION_NAMES: Record<Notification['operation'], string> = { POST: 'CREATE', PUT: 'UPDATE', DELETE: 'DELETE' };

/** The callbacks of `subscriptions` (of the notification's program, or of none) that want the notification. */
export function callbacksFor(
  subscriptions: { programID?: unknown; objectOperations?: unknown }[],
  n: Notification,
  programID?: string,
): ObjectOperation[] {
  const out: ObjectOperation[] = [];
  for (const s of subscriptions) {
    if (typeof s.programID === 'string' && s.programID !== '' && programID !== undefined && s.programID !== programID) continue;
    for (const op of (s.objectOperations ?? []) as ObjectOperation[])
      if (op.objects.includes(n.objectType) && op.operations.includes(OPERATION_NAMES[n.operation])) out.push(op);
  }
  return out;
}

/**
 * POSTs `n` to `op.callbackUrl` if `hosts` allow it, trying again after each of `delays`; resolves to
 * the number of tries, or 0 when every try failed or none was allowed.
 */
export async function deliver(
  op: ObjectOperation,
  n: Notification,
  log: Logger,
  hosts: readonly string[] = DEFAULT_CALLBACK_HOSTS,
  delays = RETRY_DELAYS_MS,
): Promise<number> {
  if (!URL.canParse(op.callbackUrl) || !callbackAllowed(new URL(op.callbackUrl), hosts)) {
    log.error({ msg: 'OpenADR callback not allowed', url: op.callbackUrl, objectType: n.objectType });
    return 0;
  }
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (op.bearerToken) headers.Authorization = `Bearer ${op.bearerToken}`;
  for (let attempt = 0; attempt <= delays.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, delays[attempt - 1]));
    try {
      const res = await fetch(op.callbackUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify(n),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (res.ok) return attempt + 1;
      log.warn({ msg: 'OpenADR callback refused', url: op.callbackUrl, status: res.status, attempt: attempt + 1 });
    } catch (e) {
      log.warn({ msg: 'OpenADR callback failed', url: op.callbackUrl, error: String(e), attempt: attempt + 1 });
    }
  }
  log.error({ msg: 'OpenADR callback given up', url: op.callbackUrl, objectType: n.objectType });
  return 0;
}
