/**
 * Every chaincode unit test checks the catalogue's result types too: each transaction method of
 * the registered contracts is wrapped so that its answer is validated against its catalogue
 * entry's result schema (the schema the gateway's OpenAPI document serves); a file fails when one
 * of its transactions answered something else. Loaded before each test file (jest.config.js).
 */
import Ajv from 'ajv';
import { TRANSACTIONS } from '@gridledger/core/catalogue';

// strict: false lets OpenAPI's own keywords (nullable is Ajv's; example, description) through.
const ajv = new Ajv({ strict: false, allErrors: true });
const mismatches: string[] = [];

// The shim-logging test needs the shim's loggers as Fabric leaves them: loading src/index.ts quiets them.
const quiet = expect.getState().testPath?.endsWith('shim-logging.test.ts') === true;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const contracts = quiet ? [] : (require('../src') as typeof import('../src')).contracts;

for (const Class of contracts) {
  const prototype = Class.prototype as unknown as Record<string, (...args: unknown[]) => Promise<string>>;
  const name = new Class().getName();
  for (const tx of TRANSACTIONS.filter((t) => t.contract === name)) {
    const original = prototype[tx.name];
    const validate = ajv.compile(tx.result);
    prototype[tx.name] = async function (this: unknown, ...args: unknown[]) {
      const text = await original.apply(this, args);
      if (!validate(JSON.parse(text))) mismatches.push(`${tx.fn}: ${ajv.errorsText(validate.errors)} in ${text.slice(0, 300)}`);
      return text;
    };
  }
}

afterAll(() => {
  expect(mismatches).toEqual([]);
});
