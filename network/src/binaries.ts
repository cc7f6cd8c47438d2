import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { readConfig } from './config';

let cached: string | undefined;

/**
 * The directory holding the pinned Fabric CA binaries. GRIDLEDGER_FABRIC_BIN wins when set;
 * otherwise scripts/build-fabric.sh finds them on PATH or in the cache, or builds them (minutes,
 * once per machine and version).
 */
export function fabricBinDir(): string {
  const own = readConfig(['GRIDLEDGER_FABRIC_BIN']).GRIDLEDGER_FABRIC_BIN;
  if (own !== undefined) return own;
  if (cached === undefined) {
    const script = join(__dirname, '..', 'scripts', 'build-fabric.sh');
    const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    cached = out.trim().split('\n').pop()!;
  }
  return cached;
}
