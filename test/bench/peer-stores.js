/** The sizes of each peer's ledger stores (docs/bounded-state.md): state, private data, history, blocks. */
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');
const { execFileSync } = require('node:child_process');

/**
 * `du -sb`. A peer compacting meanwhile removes files du has listed but not yet read: du then exits
 * 1 with "cannot access" and still prints the total of what it found (the 5,000,000-reading soak
 * died of this after 56 rounds). That total is taken; any other failure is thrown.
 */
function du(path) {
  if (!existsSync(path)) return 0;
  let out;
  try {
    out = execFileSync('du', ['-sb', path], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (error) {
    const stderr = String(error.stderr ?? '');
    const vanished = stderr.split('\n').every((line) => line === '' || /cannot access .*No such file or directory/.test(line));
    if (!vanished || error.stdout === undefined || String(error.stdout) === '') throw error;
    out = String(error.stdout);
  }
  return Number(out.split('\t')[0]);
}

/** The ledger's stores of every peer, in bytes (du -sb: what the files hold, not the blocks they take). */
function peerStores(stateDir) {
  const out = {};
  const data = join(stateDir, 'data');
  for (const name of readdirSync(data).filter((n) => n.startsWith('peer'))) {
    const ledger = findLedgersData(join(data, name));
    if (!ledger) continue;
    const stores = {
      state: du(join(ledger, 'stateLeveldb')),
      privateData: du(join(ledger, 'pvtdataStore')),
      history: du(join(ledger, 'historyLeveldb')),
      blocks: du(join(ledger, 'chains', 'chains')),
      blockIndex: du(join(ledger, 'chains', 'index')),
    };
    stores.other = du(ledger) - Object.values(stores).reduce((a, b) => a + b, 0);
    out[name] = stores;
  }
  return out;
}

function findLedgersData(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    if (e.name === 'ledgersData') return join(dir, e.name);
    const found = findLedgersData(join(dir, e.name));
    if (found) return found;
  }
  return undefined;
}

module.exports = { peerStores };
