/**
 * The chaincode's arguments and results as text: arguments are strings (objects and arrays as their
 * JSON text), results JSON text. Which transactions there are, and their types: core's catalogue
 * (call.ts calls through it).
 */
export const jsonArg = (value: unknown): string => JSON.stringify(value);
