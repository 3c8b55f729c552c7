/**
 * What the error classes share: equality and hashing by class and own fields,
 * and the optional text field.
 *
 * @internal
 */
import { Equal, Hash, Schema } from "effect"

/**
 * Equality by class and own fields: an error equals any other of its class
 * with equal fields, however it was built (the engine builds open-circuit
 * rejections without the constructor, see internal/trusted.ts).
 *
 * @internal
 */
export const sameFields = (self: object, that: unknown): boolean => {
  if (typeof that !== "object" || that === null || Object.getPrototypeOf(that) !== Object.getPrototypeOf(self)) {
    return false
  }
  const keys = Object.keys(self)
  return (
    keys.length === Object.keys(that).length &&
    keys.every(
      (key) =>
        Object.hasOwn(that, key) &&
        Equal.equals((self as Record<string, unknown>)[key], (that as Record<string, unknown>)[key])
    )
  )
}

/** @internal */
export const hashOfFields = (self: object): number => Hash.structureKeys(self, Object.keys(self))

/** @internal */
export const OptionalText = Schema.optional(Schema.String)
