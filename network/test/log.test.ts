import { generateKeyPairSync } from 'node:crypto';
import { createLogger, REDACTED, withFields } from '../src/log';

/** A logger of `component` whose lines are kept, parsed. */
function capture(component: string, level?: 'info' | 'warn') {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger(component, {
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    ...(level ? { level } : {}),
  });
  return { log, lines };
}

const apiKey = `glk_${'Ab9_-'.repeat(8)}xyz`;
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('createLogger', () => {
  it('writes the same field names in every process: time (ISO), level (its name), component, msg', () => {
    const { log, lines } = capture('gateway');
    log.info({ txId: 'tx1', requestId: 'r1' }, 'request');
    log.warn({ msg: 'in the fields' });
    expect(lines[0]).toEqual({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      component: 'gateway',
      txId: 'tx1',
      requestId: 'r1',
      msg: 'request',
    });
    expect(lines[1]).toMatchObject({ level: 'warn', component: 'gateway', msg: 'in the fields' });
  });

  it('redacts secret fields, at the top and one level down', () => {
    const { log, lines } = capture('bridge');
    log.info(
      { apiKey: 'k', password: 'p', credential: { password: 'q', username: 'u' }, privateKey: 'x', headers: { authorization: 'Bearer k' } },
      'm',
    );
    expect(lines[0]).toMatchObject({
      apiKey: REDACTED,
      password: REDACTED,
      credential: { password: REDACTED, username: 'u' },
      privateKey: REDACTED,
      headers: { authorization: REDACTED },
    });
  });

  it('removes API keys and PEM private keys from any text, the message and errors included', () => {
    const { log, lines } = capture('gateway');
    log.error({ note: `used ${apiKey} today`, nested: { deeper: [pem] }, err: new TypeError(`bad key ${apiKey}`) }, `message with ${pem}`);
    const text = JSON.stringify(lines);
    expect(text).not.toContain(apiKey);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain(pem.split('\n')[1]);
    expect(lines[0]).toMatchObject({
      note: `used ${REDACTED} today`,
      nested: { deeper: [`${REDACTED}\n`] },
      err: { type: 'TypeError', message: `bad key ${REDACTED}` },
    });
  });

  it('writes nothing below its level, which GRIDLEDGER_LOG_LEVEL sets', () => {
    const { log, lines } = capture('scheduler', 'warn');
    log.info('not shown');
    log.warn('shown');
    expect(lines.map((l) => l.msg)).toEqual(['shown']);
    const before = process.env.GRIDLEDGER_LOG_LEVEL;
    process.env.GRIDLEDGER_LOG_LEVEL = 'loud';
    try {
      expect(() => capture('x')).toThrow(/GRIDLEDGER_LOG_LEVEL="loud"/);
    } finally {
      if (before === undefined) delete process.env.GRIDLEDGER_LOG_LEVEL;
      else process.env.GRIDLEDGER_LOG_LEVEL = before;
    }
  });

  it('withFields adds fields to every line', () => {
    const { log, lines } = capture('gateway');
    const request = withFields(log, { requestId: 'r9' });
    request.info('a');
    request.error({ code: 'X' }, 'b');
    request.warn({ msg: 'c' });
    expect(lines.map((l) => [l.msg, l.requestId, l.level])).toEqual([
      ['a', 'r9', 'info'],
      ['b', 'r9', 'error'],
      ['c', 'r9', 'warn'],
    ]);
  });
});
