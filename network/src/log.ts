import { pino, stdTimeFunctions, type DestinationStream, type Level } from 'pino';
import { readConfig } from './config';

/**
 * The one JSON logger of every GridLedger process (gateways, their scheduler, the bridge, the
 * simulator): pino, one object per line, with the same field names everywhere: `time` (ISO 8601),
 * `level` (its name), `component`, `msg`, and where they apply `txId`, `requestId`,
 * `participantId`. No secret reaches a line: fields named like one are replaced (REDACTED_FIELDS),
 * and so is any string that holds an API key or a PEM private key.
 */

export type LogFields = Record<string, unknown>;

/** What code that logs needs: pino's `log.info({ ...fields }, 'message')`, `log.info({ msg, ...fields })`, `log.info('message')`. */
export interface Logger {
  info(fields: LogFields | string, msg?: string): void;
  warn(fields: LogFields | string, msg?: string): void;
  error(fields: LogFields | string, msg?: string): void;
}

/** Fields that hold a secret, at the top level and one level down (pino redact paths). */
const SECRET_NAMES = ['apiKey', 'password', 'secret', 'privateKey', 'privateKeyPem', 'authorization', 'token', 'enrollmentSecret'];
export const REDACTED_FIELDS = [
  ...SECRET_NAMES,
  ...SECRET_NAMES.map((n) => `*.${n}`),
  'headers.authorization',
  'req.headers.authorization',
];
export const REDACTED = '[redacted]';

/** An API key (keys.ts: `glk_` and 43 base64url characters) or a PEM private key, anywhere in a string. */
const SECRET_TEXT = /glk_[A-Za-z0-9_-]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g;

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(SECRET_TEXT, REDACTED);
  if (value instanceof Error) {
    // The same kind of error (pino's serializer names its constructor), with its texts scrubbed.
    const copy = Object.create(Object.getPrototypeOf(value)) as Error;
    return Object.assign(copy, { message: scrub(value.message), stack: scrub(value.stack ?? '') });
  }
  if (depth > 3 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
}

export interface LoggerOptions {
  /** Default: GRIDLEDGER_LOG_LEVEL, else info. */
  level?: Level | 'silent';
  /** Default: stdout. */
  destination?: DestinationStream;
}

/** The logger of one component (`gateway`, `scheduler`, `bridge`, `simulator`, ...). */
export function createLogger(component: string, options: LoggerOptions = {}): pino.Logger {
  return pino(
    {
      level: options.level ?? readConfig(['GRIDLEDGER_LOG_LEVEL']).GRIDLEDGER_LOG_LEVEL,
      base: { component },
      timestamp: stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => scrub(fields) as Record<string, unknown>,
      },
      hooks: {
        // The message itself may carry a secret (an error's text, say).
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? (scrub(a) as string) : a)) as Parameters<typeof method>);
        },
      },
      redact: { paths: REDACTED_FIELDS, censor: REDACTED },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** A logger that writes nothing (tests). */
export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** `log` with `fields` added to every line (the request's id and API key id, say). */
export function withFields(log: Logger, fields: LogFields): Logger {
  const at =
    (level: keyof Logger) =>
    (given: LogFields | string, msg?: string): void => {
      if (typeof given === 'string') log[level]({ ...fields }, given);
      else if (msg === undefined) log[level]({ ...given, ...fields });
      else log[level]({ ...given, ...fields }, msg);
    };
  return { info: at('info'), warn: at('warn'), error: at('error') };
}
