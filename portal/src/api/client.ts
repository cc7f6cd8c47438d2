/**
 * The typed API client: openapi-fetch over the types generated from the gateway's OpenAPI document
 * (schema.gen.ts), against the gateway that served the page. The key goes in the Authorization
 * header only: never in a URL, never logged.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import { ApiError, type ErrorCode } from './errors';
import type { components, paths } from './schema.gen';

export const API_BASE = '/api/v1';
export type Schemas = components['schemas'];
export type Session = Schemas['Session'];

export function apiClient(apiKey: string) {
  const client = createClient<paths>({ baseUrl: API_BASE });
  const auth: Middleware = {
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${apiKey}`);
      return request;
    },
  };
  client.use(auth);
  return client;
}
export type ApiClient = ReturnType<typeof apiClient>;

/** The data of an answer, or its error as an ApiError (NETWORK when fetch itself failed). */
export async function data<T>(pending: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let answer: { data?: T; error?: unknown; response: Response };
  try {
    answer = await pending;
  } catch (e) {
    throw new ApiError('NETWORK', String((e as Error)?.message ?? e), 0);
  }
  if (answer.error !== undefined || !answer.response.ok) {
    const body = (answer.error ?? {}) as Partial<Schemas['Error']>;
    const error = body.error;
    throw new ApiError(
      (error?.code ?? 'INTERNAL') as ErrorCode,
      error?.message ?? answer.response.statusText,
      answer.response.status,
      error?.details,
    );
  }
  return answer.data as T;
}
