/**
 * The id and instant schemas every OpenAPI part uses, defined once (core's ID_PATTERN and
 * INSTANT_PATTERN, the rules the chaincode checks).
 */
import { ID_PATTERN, INSTANT_PATTERN } from '@gridledger/core/core';

/** A participant, meter, community, order... id. */
export const id = { type: 'string', pattern: ID_PATTERN.source, maxLength: 64 };
/** A UTC instant, `YYYY-MM-DDTHH:MM:SSZ`. */
export const instant = { type: 'string', pattern: INSTANT_PATTERN, example: '2026-11-21T12:00:00Z' };
