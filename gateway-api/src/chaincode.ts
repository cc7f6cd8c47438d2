/**
 * The chaincode's arguments and results as text: arguments are strings (objects and arrays as their
 * JSON text), results JSON text. Which transactions there are, and their types: core's catalogue
 * (call.ts calls through it).
 */
export const jsonArg = (value: unknown): string => JSON.stringify(value);

/** A chaincode result: its JSON, or undefined for an empty result. */
export function parseResult(bytes: Uint8Array): unknown {
  const text = Buffer.from(bytes).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
