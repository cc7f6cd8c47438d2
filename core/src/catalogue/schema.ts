/**
 * The building blocks of the catalogue's types: TypeBox schemas (JSON Schema with a static
 * TypeScript type) limited to what OpenAPI 3.0 understands, since the gateway's OpenAPI document
 * uses them as they are: `nullable` instead of a `null` type, `enum` instead of `const`, and
 * `additionalProperties` instead of `patternProperties`.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { ID_PATTERN } from '../core/identity';
import { INSTANT_PATTERN } from '../core/units';

export { Type, type Static, type TSchema };

/** A participant, meter, community, order... id. */
export const Id = Type.String({ pattern: ID_PATTERN.source, maxLength: 64 });
/** An issuance id: an asset and an hour (`pv-1@20261121T10Z`), as docs/certificates.md defines it. */
export const IssuanceId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@\\d{8}T\\d{2}Z$', example: 'pv-1@20261121T10Z' });
/** A certificate id: an issuance and a number (`pv-1@20261121T10Z-42`); a bundle's id is its first certificate's. */
export const CertificateId = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}@\\d{8}T\\d{2}Z-[1-9]\\d{0,15}$',
  example: 'pv-1@20261121T10Z-1',
});

/** A UTC instant, `YYYY-MM-DDTHH:MM:SSZ` (core's parseInstant). */
export const Instant = Type.String({ pattern: INSTANT_PATTERN });
/** An instant or an id as a result carries it (not re-checked against the argument rules). */
export const Text = Type.String();
/** Energy (Wh), money (µ), counts: integers. */
export const Int = Type.Integer();
export const Bool = Type.Boolean();

/** One of the given strings. */
export const OneOf = <const T extends readonly string[]>(values: T, options: object = {}): TUnsafe<T[number]> =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });

/** `schema` or null (OpenAPI 3.0's `nullable`, for schemas with a `type`; an enum lists null too, as OpenAPI 3.0.3 asks). */
export const Nullable = <S extends TSchema>(schema: S): TUnsafe<Static<S> | null> =>
  Type.Unsafe<Static<S> | null>({ ...schema, nullable: true, ...(Array.isArray(schema.enum) ? { enum: [...schema.enum, null] } : {}) });

/** An object whose keys are free and whose values are `schema`. */
export const Dict = <S extends TSchema>(schema: S): TUnsafe<Record<string, Static<S>>> =>
  Type.Unsafe<Record<string, Static<S>>>({ type: 'object', additionalProperties: schema });

/** An object the catalogue does not describe field by field (a stored record passed through). */
export const Opaque = (description: string): TUnsafe<Record<string, unknown>> =>
  Type.Unsafe<Record<string, unknown>>({ type: 'object', additionalProperties: true, description });

/** A page of a listing: its items and the bookmark of the next page ('' after the last). */
export const Page = <S extends TSchema>(item: S, title: string) => Type.Object({ items: Type.Array(item), bookmark: Text }, { title });
