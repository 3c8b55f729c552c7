/**
 * What the error classes share: the class they extend (`failureClass`: no
 * call-site stack, equality and hashing by class and own fields, a
 * constructor that skips the schema parse for fields it can check by hand),
 * building an instance from trusted parts, and the optional fields.
 *
 * @internal
 */
import { Duration, Equal, Hash, Schema } from "effect"

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

/** @internal */
export const OptionalDuration = Schema.optional(Schema.Duration)

// The field schemas a constructor checks by hand, each with exactly what its schema accepts (none has a filter).
const isString = (u: unknown): boolean => typeof u === "string"
const isNumber = (u: unknown): boolean => typeof u === "number"
const orUndefined =
  (is: (u: unknown) => boolean) =>
  (u: unknown): boolean =>
    u === undefined || is(u)
const handChecked: ReadonlyMap<unknown, (u: unknown) => boolean> = new Map<unknown, (u: unknown) => boolean>([
  [Schema.String, isString],
  [Schema.Number, isNumber],
  [Schema.Duration, Duration.isDuration],
  [OptionalText, orUndefined(isString)],
  [OptionalDuration, orUndefined(Duration.isDuration)]
])

/** A class's fields in the schema's order, each with its check; `_tag`'s is its literal. */
interface Shape {
  readonly tag: string | undefined
  readonly keys: ReadonlyArray<string>
  readonly checks: ReadonlyArray<(u: unknown) => boolean>
}
const shapes = new WeakMap<object, Shape | null>()

// `null` when some field's schema is not one checked by hand: that class always takes the schema's parse.
const shapeOf = (Class: { readonly fields?: Record<string, unknown> }): Shape | null => {
  let shape = shapes.get(Class)
  if (shape !== undefined) return shape
  shape = null
  const fields = Class.fields
  if (fields !== undefined) {
    let tag: string | undefined
    const keys: Array<string> = []
    const checks: Array<(u: unknown) => boolean> = []
    let known = true
    for (const key of Object.keys(fields)) {
      if (key === "_tag") {
        // `Schema.tag(literal)`: the literal, defaulted by the constructor.
        const literal = (fields[key] as { readonly schema?: { readonly literal?: unknown } }).schema?.literal
        if (typeof literal === "string") tag = literal
        else known = false
        continue
      }
      const check = handChecked.get(fields[key])
      if (check === undefined) known = false
      else {
        keys.push(key)
        checks.push(check)
      }
    }
    if (known) shape = { tag, keys, checks }
  }
  shapes.set(Class, shape)
  return shape
}

// The fields the schema's parse would produce from `input`, or `undefined` when it must decide (and maybe refuse).
const handParsed = (shape: Shape, input: unknown): Record<string, unknown> | undefined => {
  if (input !== undefined && (typeof input !== "object" || input === null)) return undefined
  const given = (input ?? {}) as Record<string, unknown>
  const fields: Record<string, unknown> = {}
  if (shape.tag !== undefined) {
    if (given._tag !== undefined && given._tag !== shape.tag) return undefined
    fields._tag = shape.tag
  }
  for (let i = 0; i < shape.keys.length; i++) {
    const key = shape.keys[i]!
    const value = given[key]
    if (!shape.checks[i]!(value)) return undefined
    // An optional key given as `undefined` is kept, as the parse keeps it.
    if (value !== undefined || Object.hasOwn(given, key)) fields[key] = value
  }
  return fields
}

/**
 * The class an error of the failure path extends, around its Schema class:
 *
 * - A class whose fields are all of the few kinds checked by hand (text,
 *   number, duration, optional or not, and its `_tag`) is built without the
 *   schema's parse when the hand checks accept the input: they accept exactly
 *   what the parse would, and produce the same fields in the same order. Any
 *   input they refuse, and any call with make options, goes through the
 *   schema's constructor, which rejects bad input as before. Measured,
 *   `new Unavailable({})` goes from ~1.2 µs to ~0.1 µs.
 * - Its instances capture no call-site stack. Capturing one is the largest
 *   cost of building an error on the failure path: measured inside a running
 *   fiber, ~3 µs for even one frame and ~6 µs for V8's default ten, per error,
 *   where the rest of the construction is ~1 µs. The frames say little here:
 *   an adapter classifies a failure inside Effect's callbacks, so they name
 *   the classifying line and then the fiber's run loop. `stack` keeps its
 *   first line, `<name>: <message>` (formatted when first read, so it costs
 *   nothing unless read), which carries what the frames would: provider,
 *   operation and reason. The fields are validated as before; a validation
 *   failure gets its stack captured on the way out, so bad input still points
 *   at its caller.
 * - An instance built without the constructor ({@link trusted}) reads the
 *   same `stack`, from the prototype; assigning `stack` makes an own property,
 *   as on any error.
 * - Equality and hashing are by class and own fields ({@link sameFields}), so
 *   an instance equals a constructed one with the same fields however it was
 *   built (Effect's default structural equality also compares the
 *   constructor's private copy of its arguments, which a trusted instance
 *   lacks).
 *
 * @internal
 */
export const failureClass = <C extends new (...args: Array<never>) => object>(Base: C): C => {
  // biome-ignore lint/suspicious/noExplicitAny: a mixin's constructor takes any[] (TS2545)
  const Mixin = Base as unknown as new (...args: Array<any>) => Error
  return class extends Mixin {
    // biome-ignore lint/suspicious/noExplicitAny: a mixin's constructor takes any[] (TS2545)
    // biome-ignore lint/correctness/noUnreachableSuper: the hand-checked path returns its own instance, without super
    constructor(...args: Array<any>) {
      // Fields the hand checks accept are exactly what the parse would produce: build without it.
      const shape =
        args[1] === undefined ? shapeOf(new.target as unknown as { readonly fields?: Record<string, unknown> }) : null
      const fields = shape === null ? undefined : handParsed(shape, args[0])
      // An instance of `new.target`, as `new` would give: its prototype and the parsed fields.
      // biome-ignore lint/correctness/noConstructorReturn: skipping Schema's constructor is the point
      if (fields !== undefined) return trusted<never>(new.target.prototype, fields)
      const limit = Error.stackTraceLimit
      Error.stackTraceLimit = 0
      try {
        super(...args)
      } catch (cause) {
        Error.stackTraceLimit = limit
        if (typeof cause === "object" && cause !== null) Error.captureStackTrace(cause)
        throw cause
      } finally {
        Error.stackTraceLimit = limit
      }
    }
    // Read only by instances built without the constructor: a constructed one has its own.
    override get stack(): string {
      return `${this.name}: ${this.message}`
    }
    override set stack(value: string | undefined) {
      Object.defineProperty(this, "stack", { value, writable: true, configurable: true, enumerable: false })
    }
    [Equal.symbol](that: Equal.Equal): boolean {
      return sameFields(this, that)
    }
    [Hash.symbol](): number {
      return hashOfFields(this)
    }
  } as unknown as C
}

/**
 * An instance of a {@link failureClass} built from fields already typed and
 * already in the schema's order, without the constructor: no schema parse
 * (Schema's class constructor re-parses every field, even with
 * `disableChecks`, which skips only filters, and these fields have none), no
 * stack capture. Only public behaviour is relied on: the prototype and own
 * enumerable fields, which are what `toJSON`, encoding and `sameFields` read.
 * Callers check what the type system cannot before calling it, and use the
 * constructor otherwise.
 *
 * @internal
 */
export const trusted = <T extends object>(prototype: object, fields: Record<string, unknown>): T =>
  Object.assign(Object.create(prototype) as T, fields)
