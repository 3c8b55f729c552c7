/**
 * Schema failures in plain words: each one becomes the field it is about (a
 * dotted path such as `latency.min` or `steps[1].error`) and the problem,
 * e.g. `is not a field of a fault rule; its fields are operation, fault, …`.
 * The fault rules, scripts and simulator options decode with these options
 * and words, whether they come from code or over HTTP.
 *
 * @internal
 */
import { Result, Schema, SchemaAST, SchemaIssue } from "effect"

/** One problem with an input: the field (`""` for the input as a whole) and what is wrong with it. @internal */
export const Problem = Schema.Struct({ field: Schema.String, problem: Schema.String })

/** @internal */
export type Problem = typeof Problem.Type

/** `field: problem; field: problem`, the message of an error carrying problems. @internal */
export const describe = (problems: ReadonlyArray<Problem>): string =>
  problems.map(({ field, problem }) => (field === "" ? problem : `${field}: ${problem}`)).join("; ")

/** Unknown fields are refused (a misspelt `latncy` must not pass as "no latency"); every problem is reported. */
const parseOptions = { errors: "all", onExcessProperty: "error", reportInput: true } as const

const fieldOf = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`),
    ""
  )

const show = (input: unknown): string => {
  const text = typeof input === "string" ? JSON.stringify(input) : (JSON.stringify(input) ?? String(input))
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

const got = (issue: SchemaIssue.Issue): string => (SchemaIssue.hasInput(issue) ? `, got ${show(issue.input)}` : "")

/** `a number`, `a string`, `an object`, … for what a schema node accepts. */
const typeWords = (ast: SchemaAST.AST): string => {
  switch (ast._tag) {
    case "Number":
      return "a number"
    case "String":
      return "a string"
    case "Boolean":
      return "true or false"
    case "Objects":
      return "an object"
    case "Arrays":
      return "a list"
    case "Null":
      return "null"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Union":
      return ast.types
        .filter((member) => member._tag !== "Undefined")
        .map(typeWords)
        .join(" or ")
    default:
      return ast._tag
  }
}

/** The words of a union that matched nothing: its own message, or that of its one member besides `undefined`. */
const unionWords = (ast: SchemaAST.Union): string => {
  const message = annotation(ast.annotations, "message")
  if (message !== undefined) return message
  const members = ast.types.filter((member) => member._tag !== "Undefined")
  const [only] = members
  if (only !== undefined && members.length === 1) {
    if (SchemaAST.isUnion(only)) return unionWords(only)
    return annotation(only.annotations, "message") ?? `must be ${typeWords(only)}`
  }
  return `must be ${typeWords(ast)}`
}

const annotation = (annotations: SchemaAST.AST["annotations"] | undefined, key: string): string | undefined => {
  const value = annotations?.[key]
  return typeof value === "string" ? value : undefined
}

const fieldsOf = (ast: SchemaAST.AST): string =>
  SchemaAST.isObjects(ast) ? ast.propertySignatures.map((property) => String(property.name)).join(", ") : ""

/** Whether a union member's failure is about its values rather than its keys: that member is what was meant. */
const fitsShape = (issue: SchemaIssue.Issue): boolean => {
  switch (issue._tag) {
    case "Composite":
      return issue.issues.every(fitsShape)
    case "Pointer":
      return issue.issue._tag !== "MissingKey" && issue.issue._tag !== "UnexpectedKey"
    case "InvalidType":
      return false
    default:
      return true
  }
}

const walk = (issue: SchemaIssue.Issue, path: ReadonlyArray<PropertyKey>): Array<Problem> => {
  const at = (problem: string): Array<Problem> => [{ field: fieldOf(path), problem }]
  switch (issue._tag) {
    case "Pointer":
      return walk(issue.issue, [...path, ...issue.path])
    case "Composite":
      return issue.issues.flatMap((inner) => walk(inner, path))
    case "Encoding":
      return walk(issue.issue, path)
    case "AnyOf": {
      const [only, ...others] = issue.issues
      if (only !== undefined && others.length === 0) return walk(only, path)
      const shaped = issue.issues.filter(fitsShape)
      const [closest] = shaped
      if (closest !== undefined && shaped.length === 1) return walk(closest, path)
      return at(`${unionWords(issue.ast)}${got(issue)}`)
    }
    case "Filter": {
      const message = annotation(issue.filter.annotations, "message")
      return message === undefined ? walk(issue.issue, path) : at(`${message}${got(issue)}`)
    }
    case "MissingKey":
      return at("is required")
    case "UnexpectedKey": {
      const what = annotation(issue.ast.annotations, "title") ?? "this object"
      return at(`is not a field of ${what}; its fields are ${fieldsOf(issue.ast)}`)
    }
    case "InvalidType": {
      const words = annotation(issue.ast.annotations, "message") ?? `must be ${typeWords(issue.ast)}`
      const title = path.length === 0 ? annotation(issue.ast.annotations, "title") : undefined
      return at(`${title === undefined ? "" : `${title} `}${words}${got(issue)}`)
    }
    case "InvalidValue":
      return at(annotation(issue.annotations, "message") ?? SchemaIssue.defaultLeafHook(issue))
    default:
      return at(SchemaIssue.defaultLeafHook(issue))
  }
}

/** The problems of a schema failure, in words. @internal */
export const problemsOf = (issue: SchemaIssue.Issue): Array<Problem> => walk(issue, [])

/**
 * Decodes `input` with `schema`, refusing unknown fields; on failure throws
 * the error `refuse` makes of the problems.
 *
 * @internal
 */
export const decodeOrThrow = <S extends Schema.Top & { readonly DecodingServices: never }>(
  schema: S,
  input: unknown,
  refuse: (problems: ReadonlyArray<Problem>) => Error
): S["Type"] => {
  const result = Schema.decodeUnknownResult(schema)(input, parseOptions)
  if (Result.isFailure(result)) throw refuse(problemsOf(result.failure.issue))
  return result.success
}
