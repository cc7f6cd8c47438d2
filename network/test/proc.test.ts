import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, serviceEnv, sleep, startProcess } from '../src/proc';

describe("the environment of the platform's node services", () => {
  const caller = {
    PATH: '/usr/bin:/bin',
    HOME: '/root',
    AWS_SECRET_ACCESS_KEY: 'x',
    GRIDLEDGER_MARKET_TICK_MS: '1234',
    GRIDLEDGER_MARKET_SCHEDULER: 'off',
    NODE_OPTIONS: '--inspect',
  };

  it("is PATH and the caller's GRIDLEDGER_* settings, nothing else", () => {
    expect(serviceEnv(caller)).toEqual({ PATH: '/usr/bin:/bin', GRIDLEDGER_MARKET_TICK_MS: '1234', GRIDLEDGER_MARKET_SCHEDULER: 'off' });
  });

  it('is what a started process sees', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gl-proc-'));
    try {
      const logFile = join(dir, 'env.log');
      const pid = await startProcess({
        name: 'env',
        command: process.execPath,
        args: ['-e', 'process.stdout.write(JSON.stringify(process.env))'],
        env: serviceEnv({ ...caller, PATH: process.env.PATH }),
        pidFile: join(dir, 'env.pid'),
        logFile,
      });
      for (let i = 0; i < 100 && isAlive(pid); i++) await sleep(50);
      expect(JSON.parse(readFileSync(logFile, 'utf8'))).toEqual({
        PATH: process.env.PATH,
        GRIDLEDGER_MARKET_TICK_MS: '1234',
        GRIDLEDGER_MARKET_SCHEDULER: 'off',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
