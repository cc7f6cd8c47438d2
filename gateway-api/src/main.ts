#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadProfile } from '@gridledger/network';
import { assertOrg, startGateway } from './gateway';
import { apiKeysPath, FileApiKeyStore } from './keys';
import { jsonLogger } from './ports';
import { FileWallet, walletIndexPath } from './wallet';

/**
 * node gateway-api/dist/main.js --state <stateDir> --org <utility|community|regulator>
 * node gateway-api/dist/main.js issue-key --state <stateDir> --org <org> --user <enrollment id>
 * (GRIDLEDGER_STATE and GRIDLEDGER_ORG stand in for --state and --org.)
 */
async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { state: { type: 'string' }, org: { type: 'string' }, user: { type: 'string' }, port: { type: 'string' } },
  });
  const stateDir = values.state ?? process.env.GRIDLEDGER_STATE;
  if (!stateDir) throw new Error('--state (or GRIDLEDGER_STATE) is required');
  const org = assertOrg(values.org ?? process.env.GRIDLEDGER_ORG);
  const command = positionals[0] ?? 'serve';

  if (command === 'issue-key') {
    if (!values.user) throw new Error('issue-key needs --user <enrollment id>');
    const wallet = new FileWallet(loadProfile(stateDir).orgs[org].users, walletIndexPath(stateDir, org));
    if (!wallet.get(values.user)) throw new Error(`${values.user} is not an enrolled user of ${org}`);
    process.stdout.write(`${new FileApiKeyStore(apiKeysPath(stateDir, org)).issue(values.user)}\n`);
    return 0;
  }
  if (command !== 'serve') throw new Error(`unknown command ${command}`);

  const gateway = await startGateway({ stateDir, org, port: values.port !== undefined ? Number(values.port) : undefined });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      jsonLogger.info({ msg: 'stopping', signal });
      void gateway.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  jsonLogger.info({ msg: 'stopped' });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    // stderr: for issue-key, stdout carries nothing but the key.
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', msg: 'gateway failed', error: e.message })}\n`);
    process.exit(1);
  },
);
