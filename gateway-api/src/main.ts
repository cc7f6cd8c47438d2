#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createLogger, loadProfile, PROCESS_VARIABLES, readConfig } from '@gridledger/network';
import { resetCheckpoints } from './event-follower';
import { assertOrg, checkpointFiles, startGateway } from './gateway';
import { apiKeysPath, checkExpiry, DEFAULT_KEY_DAYS, expiryIn, FileApiKeyStore, IssuedKey } from './keys';
import { FileWallet, walletIndexPath } from './wallet';

/**
 * node gateway-api/dist/main.js --state <stateDir> --org <utility|community|regulator>
 * node gateway-api/dist/main.js issue-key --state <stateDir> --org <org> --user <enrollment id> [--expires-in <days> | --expires-at
 * <instant>]
 * node gateway-api/dist/main.js rotate-key --state <stateDir> --org <org> --key-id <kid_…> [--expires-in <days> | --expires-at <instant>]
 * node gateway-api/dist/main.js revoke-key --state <stateDir> --org <org> --key-id <kid_…>
 * node gateway-api/dist/main.js list-keys --state <stateDir> --org <org> --user <enrollment id>
 * node gateway-api/dist/main.js reset-checkpoints --state <stateDir> --org <org> (gateway stopped: its event listeners restart at block 0)
 * (GRIDLEDGER_STATE and GRIDLEDGER_ORG stand in for --state and --org.) issue-key and rotate-key
 * print the key alone on stdout and its id and expiry as JSON on stderr; list-keys and reset-checkpoints print JSON.
 */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      state: { type: 'string' },
      org: { type: 'string' },
      user: { type: 'string' },
      port: { type: 'string' },
      'key-id': { type: 'string' },
      'expires-in': { type: 'string' },
      'expires-at': { type: 'string' },
    },
  });
  const config = readConfig(PROCESS_VARIABLES.gateway);
  const stateDir = values.state ?? config.GRIDLEDGER_STATE;
  if (!stateDir) throw new Error('--state (or GRIDLEDGER_STATE) is required');
  const org = assertOrg(values.org ?? config.GRIDLEDGER_ORG);
  const command = positionals[0] ?? 'serve';

  const keys = () => new FileApiKeyStore(apiKeysPath(stateDir, org));
  const expiry = (): Date => {
    if (values['expires-in'] !== undefined && values['expires-at'] !== undefined)
      throw new Error('name --expires-in or --expires-at, not both');
    if (values['expires-at'] !== undefined) {
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(values['expires-at']))
        throw new Error('--expires-at must be a UTC instant such as 2026-11-21T12:00:00Z');
      return checkExpiry(new Date(values['expires-at']));
    }
    const days = values['expires-in'] ?? String(DEFAULT_KEY_DAYS);
    if (!/^\d{1,3}$/.test(days)) throw new Error(`--expires-in must be a whole number of days, not ${JSON.stringify(days)}`);
    return expiryIn(Number(days));
  };
  const printKey = (issued: IssuedKey) => {
    process.stderr.write(
      `${JSON.stringify({ keyId: issued.record.keyId, userId: issued.record.userId, expiresAt: issued.record.expiresAt })}\n`,
    );
    process.stdout.write(`${issued.apiKey}\n`);
  };
  const keyId = (): string => {
    if (!values['key-id']) throw new Error(`${command} needs --key-id <kid_…>`);
    return values['key-id'];
  };

  if (command === 'issue-key') {
    if (!values.user) throw new Error('issue-key needs --user <enrollment id>');
    const wallet = new FileWallet(loadProfile(stateDir).orgs[org].users, walletIndexPath(stateDir, org));
    if (!wallet.get(values.user)) throw new Error(`${values.user} is not an enrolled user of ${org}`);
    printKey(keys().issue(values.user, expiry()));
    return 0;
  }
  if (command === 'rotate-key') {
    const store = keys();
    const old = store.get(keyId());
    if (!old) throw new Error(`${org} has no API key ${keyId()}`);
    if (old.revokedAt !== undefined) throw new Error(`API key ${keyId()} is revoked`);
    printKey(store.rotate(old.keyId, expiry())!);
    return 0;
  }
  if (command === 'revoke-key') {
    const revoked = keys().revoke(keyId());
    if (!revoked) throw new Error(`${org} has no API key ${keyId()}`);
    process.stdout.write(`${JSON.stringify({ keyId: revoked.keyId, userId: revoked.userId, revokedAt: revoked.revokedAt })}\n`);
    return 0;
  }
  if (command === 'list-keys') {
    if (!values.user) throw new Error('list-keys needs --user <enrollment id>');
    const list = keys()
      .list(values.user)
      .map(({ sha256: _hash, rotationKeySha256: _retry, ...shown }) => shown);
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return 0;
  }
  if (command === 'reset-checkpoints') {
    const reset = checkpointFiles(stateDir, org).map((file) => ({ file, listeners: resetCheckpoints(file) }));
    process.stdout.write(`${JSON.stringify(reset, null, 2)}\n`);
    return 0;
  }
  if (command !== 'serve') throw new Error(`unknown command ${command}`);

  const log = createLogger('gateway');
  const gateway = await startGateway({ stateDir, org, log, port: values.port !== undefined ? Number(values.port) : undefined });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ msg: 'stopping', signal });
      void gateway.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  log.info({ msg: 'stopped' });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    // stderr: for issue-key, stdout carries nothing but the key.
    const line = { level: 'error', time: new Date().toISOString(), component: 'gateway', msg: 'gateway failed', error: e.message };
    process.stderr.write(`${JSON.stringify(line)}\n`);
    process.exit(1);
  },
);
