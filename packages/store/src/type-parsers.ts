/**
 * Value parsing shared by both adapters, so a row reads the same on PGlite and PostgreSQL.
 *
 * - `int8` (`bigint` columns, `count(*)`, `sum(int4)`): a `number` when it is a safe integer, else a
 *   `bigint` (never a silently rounded number). This is PGlite's own rule; `pg` would return strings.
 * - `date`: the `'YYYY-MM-DD'` text. A calendar day is not an instant: `pg` would build a `Date` at local
 *   midnight and PGlite one at UTC midnight, which differ whenever `TZ` is not UTC.
 * - `numeric` stays a string in both (exact decimals); everything else keeps the drivers' defaults.
 */

/** OIDs of the types whose parsing the store overrides. */
export const TYPE_OIDS = Object.freeze({ int8: 20, int8Array: 1016, date: 1082, dateArray: 1182 });

/** Parses `int8` text: a `number` when safe, a `bigint` beyond ±(2^53 − 1). */
export function parseInt8(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

/** Parses `date` text: unchanged (`'2024-02-29'`, or `'infinity'`). */
export function parseDate(text: string): string {
  return text;
}

/** Nested arrays as PostgreSQL array parsers produce them. */
export type NestedArray<T> = Array<T | null | NestedArray<T>>;

/** Applies `parse` to every non-null leaf of a (possibly nested) array of texts. */
export function mapArray<T>(values: NestedArray<string>, parse: (text: string) => T): NestedArray<T> {
  return values.map((value) =>
    value === null ? null : Array.isArray(value) ? mapArray(value, parse) : parse(value),
  );
}
