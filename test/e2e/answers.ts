/**
 * Every answer the end-to-end files get from a gateway is checked against the gateway's OpenAPI
 * document (whose answer schemas come from the transaction catalogue): support.ts's `api` throws
 * when a 2xx JSON answer is not what the document says for its operation and status. Schemathesis
 * (23-openapi-contract) mostly meets refusals with its random ids; these files make the answers of
 * real participants, orders, intervals and settlements.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import { openApiDocument } from '@gridledger/gateway-api';

// strict: false: the document's own keywords (example, allowReserved...) are not JSON Schema's; nullable is Ajv's.
// Formats (date-time) are schemathesis's to check (23-openapi-contract).
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(openApiDocument, 'openapi');

/** `{name}` segments of a path template match one segment of a path. */
const templates = Object.keys(openApiDocument.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`),
}));
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const validators = new Map<string, ValidateFunction | undefined>();

function validatorOf(method: string, path: string, status: number): ValidateFunction | undefined {
  const bare = path.split('?')[0];
  // The most literal template first: /orders/batch before /orders/{orderId}.
  const matching = templates
    .filter((t) => t.pattern.test(bare))
    .sort((a, b) => (a.template.match(/\{/g)?.length ?? 0) - (b.template.match(/\{/g)?.length ?? 0));
  const template = matching[0]?.template;
  if (template === undefined) return undefined;
  const key = `${method} ${template} ${status}`;
  if (!validators.has(key)) {
    const paths = openApiDocument.paths as Record<
      string,
      Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>
    >;
    const documented = paths[template]?.[method.toLowerCase()]?.responses?.[String(status)]?.content?.['application/json'];
    validators.set(
      key,
      documented === undefined
        ? undefined
        : ajv.getSchema(
            `openapi#/${pointer('paths', template, method.toLowerCase(), 'responses', String(status))}/content/application~1json/schema`,
          ),
    );
  }
  return validators.get(key);
}

/** Throws when a successful JSON answer differs from the document's schema for it. */
export function checkAnswer(method: string, path: string, status: number, body: unknown): void {
  if (status < 200 || status > 299) return;
  const validate = validatorOf(method, path, status);
  if (validate === undefined || validate(body)) return;
  throw new Error(
    `${method} ${path} answered ${status} other than its OpenAPI document says: ${ajv.errorsText(validate.errors)}\n` +
      JSON.stringify(body).slice(0, 1000),
  );
}
