/**
 * Maps keyed by names that come from outside the process (provider names,
 * form, query and path parameters, header names, currencies, test-card ids):
 * null-prototype objects and own-key lookups, so that `__proto__`,
 * `constructor` or `toString` are plain data and never a way into
 * `Object.prototype`.
 *
 * @internal
 */

/** An empty map with no prototype: every key is an own key or absent. @internal */
export const emptyRecord = <V>(): Record<string, V> => Object.create(null) as Record<string, V>

/** A null-prototype copy of a table, for lookup tables keyed by request input. @internal */
export const recordOf = <V>(entries: Readonly<Record<string, V>>): Readonly<Record<string, V>> =>
  Object.assign(emptyRecord<V>(), entries)

/** The value under `key` when it is the record's own; never an inherited member. @internal */
export const own = <V>(record: Readonly<Record<string, V>>, key: string): V | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined
