/**
 * Every chaincode unit test checks the catalogue too: each transaction method of the registered
 * contracts is wrapped so that, whenever it succeeds, its answer is validated against its catalogue
 * entry's result schema (the schema the gateway's OpenAPI document serves), the events it set must
 * be among the entry's, and its caller must have a role and MSP the entry's access rule lets
 * through. A test file fails when one of its transactions did otherwise. Loaded before each test
 * file (jest.config.js).
 */
import Ajv from 'ajv';
import type { Context } from 'fabric-contract-api';
import { TRANSACTIONS, type Transaction } from '@gridledger/core/catalogue';
import { ATTR_ROLE } from '@gridledger/core/core';

// strict: false lets OpenAPI's own keywords (nullable is Ajv's; example, description) through.
const ajv = new Ajv({ strict: false, allErrors: true });
const mismatches: string[] = [];

// The shim-logging test needs the shim's loggers as Fabric leaves them: loading src/index.ts quiets them.
const quiet = expect.getState().testPath?.endsWith('shim-logging.test.ts') === true;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const contracts = quiet ? [] : (require('../src') as typeof import('../src')).contracts;

/** What the entry's access rule says of this caller, or undefined when it lets it through. */
function accessMismatch(tx: Transaction, ctx: Context): string | undefined {
  const { roles, msps } = tx.access;
  const role = ctx.clientIdentity.getAttributeValue(ATTR_ROLE);
  const mspId = ctx.clientIdentity.getMSPID();
  if (Array.isArray(roles) && !roles.includes(role as never)) return `a ${role} succeeded, the catalogue lets through ${roles.join(', ')}`;
  if (msps !== undefined && !msps.includes(mspId as never))
    return `a caller of ${mspId} succeeded, the catalogue lets through ${msps.join(', ')}`;
  return undefined;
}

for (const Class of contracts) {
  const prototype = Class.prototype as unknown as Record<string, (ctx: Context, ...args: unknown[]) => Promise<string>>;
  const name = new Class().getName();
  for (const tx of TRANSACTIONS.filter((t) => t.contract === name)) {
    const original = prototype[tx.name];
    const validate = ajv.compile(tx.result);
    prototype[tx.name] = async function (this: unknown, ctx: Context, ...args: unknown[]) {
      const events: string[] = [];
      const setEvent = ctx.stub.setEvent;
      ctx.stub.setEvent = (event: string, payload: Uint8Array) => (events.push(event), setEvent.call(ctx.stub, event, payload));
      let text: string;
      try {
        text = await original.call(this, ctx, ...args);
      } finally {
        ctx.stub.setEvent = setEvent;
      }
      if (!validate(JSON.parse(text))) mismatches.push(`${tx.fn}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`);
      for (const event of events.filter((e) => !tx.events.includes(e)))
        mismatches.push(`${tx.fn} set ${event}, which its entry does not list`);
      const access = accessMismatch(tx, ctx);
      if (access !== undefined) mismatches.push(`${tx.fn}: ${access}`);
      return text;
    };
  }
}

afterAll(() => {
  expect(mismatches).toEqual([]);
});
