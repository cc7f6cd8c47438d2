/**
 * The Beckn participant of a gateway (docs/beckn.md, "Where it is wired"): the Community's gateway
 * is the storage marketplace's BPP (its battery providers' batteries), the Utility's its BAP (a
 * REST API for our users). Settings come from the Beckn variables of network/src/config.ts; without a
 * subscriber id and registry URL, a development identity is made: a key generated into
 * `<state>/beckn/<org>/signing.key` and registered in the local registry file.
 */
import { createPublicKey, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import express from 'express';
import { PROCESS_VARIABLES, readConfig, type OrgName, type WalletUser } from '@gridledger/network';
import { EventCheckpoints } from '../event-follower';
import type { LedgerPort, Logger, Wallet } from '../ports';
import { storageService } from '../storage/service';
import { BapClient, bapHandler } from './bap';
import { BapTransactions } from './bap-transactions';
import { bppHandler } from './bpp';
import { becknSettings } from './config';
import type { Participant } from './context-check';
import { openBecknDatabase } from './database';
import { Inbox } from './inbox';
import { Outbox } from './outbox';
import { FileRegistry, Subscriber, toWire } from './registry';
import { becknRouter } from './router';
import { ed25519PrivateKey } from './signing';
import { StorageBap } from './storage-bap';
import { ledgerStorageProvider } from './storage-bpp';
import { STORAGE_DOMAIN } from './storage-profile';
import { ContractWatch } from './status-watch';
import { notifyContractChanges } from './status-notifier';

export interface BecknMount {
  role: 'bpp' | 'bap';
  /** The Beckn endpoints, served at BECKN_PATH on the raw body. */
  router: express.Router;
  /** The BAP's storage marketplace (its REST routes are in routes/beckn-storage.ts). */
  bap?: StorageBap;
  stop(): Promise<void>;
}

export const BECKN_PATH = '/beckn';
const ROLE_OF: Partial<Record<OrgName, 'bpp' | 'bap'>> = { community: 'bpp', utility: 'bap' };
/** The participant's SQLite file: inbox, outbox, transactions or watched contracts, and its event checkpoint. */
export const becknDatabasePath = (stateDir: string, org: string) => join(stateDir, 'beckn', org, 'messages.db');
/** The development subscriber id of an organization's gateway. */
export const devSubscriberId = (org: string) => `${org}.gridledger.local`;

export interface BecknMountOptions {
  stateDir: string;
  org: OrgName;
  /** The gateway's own URL (its Beckn endpoint is `{url}/beckn`). */
  url: string;
  ledger: LedgerPort;
  wallet: Wallet;
  /** The identity reads run as (the organization's operator or utility). */
  reader: WalletUser;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

/** Writes a file whole (a reader never sees half of it). */
function writeWhole(path: string, text: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, path);
}

/** Runs `f` holding a lock directory (both gateways of a development network start at once and share the registry file). */
function withLock(dir: string, f: () => void): void {
  const lock = `${dir}.lock`;
  const end = Date.now() + 5_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > end) break; // a stale lock of a crashed process: go on
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    f();
  } finally {
    rmdirSync(lock);
  }
}

/** A development identity: the key made once, the registry record written (or renewed) at each start. */
function provisionDev(stateDir: string, org: OrgName, self: Participant, keyId: string, keyFile: string, registryFile: string): void {
  mkdirSync(join(stateDir, 'beckn', org), { recursive: true });
  if (!existsSync(keyFile)) writeWhole(keyFile, `${randomBytes(32).toString('base64')}\n`, 0o600);
  const jwk = createPublicKey(ed25519PrivateKey(readFileSync(keyFile, 'utf8').trim())).export({ format: 'jwk' }).x!;
  const now = Date.now();
  const record: Subscriber = {
    subscriberId: self.subscriberId,
    uniqueKeyId: keyId,
    type: self.role === 'bpp' ? 'BPP' : 'BAP',
    url: self.uri,
    domain: STORAGE_DOMAIN,
    signingPublicKey: Buffer.from(jwk, 'base64url').toString('base64'),
    validFrom: new Date(now - 86_400_000).toISOString(),
    validUntil: new Date(now + 365 * 86_400_000).toISOString(),
    status: 'SUBSCRIBED',
  };
  withLock(registryFile, () => {
    const others = existsSync(registryFile)
      ? new FileRegistry(registryFile).records().filter((r) => r.subscriberId !== self.subscriberId)
      : [];
    writeWhole(registryFile, `${JSON.stringify({ subscribers: [...others, record].map(toWire) }, null, 1)}\n`);
  });
  // The development BPP lets the development BAP (the same network's Utility) buy for any participant it holds.
  const buyers = join(stateDir, 'beckn', org, 'buyers.json');
  if (self.role === 'bpp' && !existsSync(buyers))
    writeWhole(buyers, `${JSON.stringify({ [devSubscriberId('utility')]: ['*'] }, null, 1)}\n`);
}

/** The gateway's Beckn participant, or undefined for an organization that takes no Beckn role (the Regulator). */
export function becknMountFor(o: BecknMountOptions): BecknMount | undefined {
  const role = ROLE_OF[o.org];
  if (role === undefined) return undefined;
  const env = o.env ?? process.env;
  const raw = readConfig(PROCESS_VARIABLES.beckn, env);
  const dev = raw.GRIDLEDGER_BECKN_SUBSCRIBER_ID === undefined && raw.GRIDLEDGER_BECKN_REGISTRY_URL === undefined;
  const defaults = dev
    ? {
        GRIDLEDGER_BECKN_SUBSCRIBER_ID: devSubscriberId(o.org),
        GRIDLEDGER_BECKN_KEY_ID: `${o.org}-k1`,
        GRIDLEDGER_BECKN_URI: `${o.url}${BECKN_PATH}`,
        GRIDLEDGER_BECKN_SIGNING_KEY_FILE: join(o.stateDir, 'beckn', o.org, 'signing.key'),
      }
    : {};
  const settings = becknSettings(o.stateDir, { ...defaults, ...env });
  if (!settings.subscriberId || !settings.uniqueKeyId || !settings.uri) {
    o.log.warn({ msg: 'beckn not mounted: set GRIDLEDGER_BECKN_SUBSCRIBER_ID, GRIDLEDGER_BECKN_KEY_ID and GRIDLEDGER_BECKN_URI' });
    return undefined;
  }
  const self: Participant = { role, subscriberId: settings.subscriberId, uri: settings.uri, domain: STORAGE_DOMAIN };
  const registryFile = raw.GRIDLEDGER_BECKN_REGISTRY_FILE ?? join(o.stateDir, 'beckn', 'registry.json');
  if (dev) provisionDev(o.stateDir, o.org, self, settings.uniqueKeyId, settings.signingKeyFile, registryFile);

  const db = openBecknDatabase(becknDatabasePath(o.stateDir, o.org));
  const inbox = new Inbox(db);
  const privateKey = ed25519PrivateKey(readFileSync(settings.signingKeyFile, 'utf8').trim());
  const outbox = new Outbox(db, {
    signer: { subscriberId: self.subscriberId, uniqueKeyId: settings.uniqueKeyId, privateKey },
    maxAttempts: settings.callbackAttempts,
    backoffMs: settings.callbackBackoffMs,
    log: o.log,
  });
  const limits = { maxLifetimeSeconds: settings.maxSignatureSeconds };
  const service = storageService(o.ledger);
  /** What stops before the outbox and the database close (the BPP's notifier). */
  const stops: (() => Promise<void>)[] = [];
  let mount: BecknMount;

  if (role === 'bpp') {
    const watch = new ContractWatch(db);
    const buyersFile = join(o.stateDir, 'beckn', o.org, 'buyers.json');
    const provider = ledgerStorageProvider({
      service,
      ledger: o.ledger,
      reader: o.reader,
      identityOf: (id) => o.wallet.get(id),
      buyersOf: (bapId) =>
        existsSync(buyersFile) ? ((JSON.parse(readFileSync(buyersFile, 'utf8')) as Record<string, string[]>)[bapId] ?? []) : [],
      watch,
      log: o.log,
    });
    const router = becknRouter({
      self,
      registry: settings.registry,
      inbox,
      handle: bppHandler(self, provider, outbox, Date.now, o.log),
      limits,
      log: o.log,
    });
    router.recover();
    const notifier = notifyContractChanges({
      ledger: o.ledger,
      service,
      reader: o.reader,
      watch,
      outbox,
      self,
      checkpoints: new EventCheckpoints(db),
      log: o.log,
    });
    stops.push(() => notifier.stop());
    mount = { role, router, stop: async () => undefined };
  } else {
    const bpps = async () =>
      new FileRegistry(registryFile)
        .records()
        .filter((r) => r.type === 'BPP' && (r.domain === undefined || r.domain === STORAGE_DOMAIN) && r.status === 'SUBSCRIBED')
        .map((r) => ({ bppId: r.subscriberId, bppUri: r.url }));
    const bap = new StorageBap(new BapClient(self, outbox), new BapTransactions(db), bpps);
    const router = becknRouter({ self, registry: settings.registry, inbox, handle: bapHandler(bap), limits, log: o.log });
    router.recover();
    mount = { role, router, bap, stop: async () => undefined };
  }
  outbox.start();
  o.log.info({ msg: 'beckn mounted', role, subscriberId: self.subscriberId, uri: self.uri, registry: settings.registrySource });
  mount.stop = async () => {
    for (const stop of stops) await stop();
    await outbox.stop();
    db.close();
  };
  return mount;
}
