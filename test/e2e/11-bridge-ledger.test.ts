/**
 * The services `up` starts see the caller's GRIDLEDGER_* settings.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stateDir } from './support';

it("the gateways and the bridge that up starts see PATH and the caller's GRIDLEDGER_* settings, nothing else", () => {
  // global-setup.js sets it before it starts the platform.
  expect(process.env.GRIDLEDGER_FABRIC_BIN).toBeDefined();
  for (const name of ['gateway.community', 'gateway.utility', 'gateway.regulator', 'bridge']) {
    const pid = readFileSync(join(stateDir(), 'pids', `${name}.pid`), 'utf8').split('\n')[0];
    const env = new Map(
      readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .filter((kv) => kv !== '')
        .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect([name, [...env.keys()].filter((k) => k !== 'PATH' && !k.startsWith('GRIDLEDGER_'))]).toEqual([name, []]);
    expect([name, env.get('GRIDLEDGER_FABRIC_BIN')]).toEqual([name, process.env.GRIDLEDGER_FABRIC_BIN]);
  }
});
