import { mkdirSync, openSync, fsyncSync, closeSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MeterState } from './model';

/**
 * The simulator's memory across restarts, `<stateDir>/simulator/state.json`: the next interval
 * to publish and, per meter, seq and registers after the last published reading. Written
 * (atomically: temp file, fsync, rename) after every interval's readings were PUBACKed.
 */
export interface SimulatorState {
  version: 1;
  seed: number;
  /** Epoch seconds of the next interval to publish. */
  nextIntervalStart: number;
  meters: Record<string, MeterState>;
}

export const statePath = (stateDir: string) => join(stateDir, 'simulator', 'state.json');

export function loadState(stateDir: string): SimulatorState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(stateDir), 'utf8')) as SimulatorState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export function saveState(stateDir: string, state: SimulatorState): void {
  const path = statePath(stateDir);
  mkdirSync(join(stateDir, 'simulator'), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 1)}\n`, { mode: 0o600 });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
