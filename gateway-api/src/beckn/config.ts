import { join } from 'node:path';
import { PROCESS_VARIABLES, readConfig } from '@gridledger/network';
import { trimSlash } from './context-check';
import { CachedRegistry, FileRegistry, HttpRegistry, Registry } from './registry';

/** A deployment's Beckn settings, from the Beckn variables of network/src/config.ts (docs/beckn.md#configuration). */
export interface BecknSettings {
  subscriberId?: string;
  uniqueKeyId?: string;
  uri?: string;
  signingKeyFile: string;
  registry: Registry;
  /** Where the keys come from, for logs and /health. */
  registrySource: string;
  maxSignatureSeconds: number;
  callbackAttempts: number;
  callbackBackoffMs: number;
}

export function becknSettings(stateDir: string, env: NodeJS.ProcessEnv = process.env): BecknSettings {
  const c = readConfig(PROCESS_VARIABLES.beckn, env);
  const file = c.GRIDLEDGER_BECKN_REGISTRY_FILE ?? join(stateDir, 'beckn', 'registry.json');
  const url = c.GRIDLEDGER_BECKN_REGISTRY_URL === undefined ? undefined : trimSlash(c.GRIDLEDGER_BECKN_REGISTRY_URL);
  const source: Registry =
    url === undefined
      ? new FileRegistry(file)
      : new HttpRegistry({ url, form: c.GRIDLEDGER_BECKN_REGISTRY_FORM, registryName: c.GRIDLEDGER_BECKN_REGISTRY_NAME });
  return {
    subscriberId: c.GRIDLEDGER_BECKN_SUBSCRIBER_ID,
    uniqueKeyId: c.GRIDLEDGER_BECKN_KEY_ID,
    uri: c.GRIDLEDGER_BECKN_URI,
    signingKeyFile: c.GRIDLEDGER_BECKN_SIGNING_KEY_FILE ?? join(stateDir, 'beckn', 'signing.key'),
    registry: new CachedRegistry(source, c.GRIDLEDGER_BECKN_REGISTRY_CACHE_SECONDS * 1000),
    registrySource: url === undefined ? `file ${file}` : `${c.GRIDLEDGER_BECKN_REGISTRY_FORM} ${url}`,
    maxSignatureSeconds: c.GRIDLEDGER_BECKN_SIGNATURE_MAX_SECONDS,
    callbackAttempts: c.GRIDLEDGER_BECKN_CALLBACK_ATTEMPTS,
    callbackBackoffMs: c.GRIDLEDGER_BECKN_CALLBACK_BACKOFF_MS,
  };
}
