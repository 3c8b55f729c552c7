/**
 * One way to turn a Schema failure into words: every typed validation error
 * of core (`PolicyError`, `OverrideInvalid`, `Fields.InvalidFields`) lists its
 * problems as `{ path, message }` built here, so a bad field reads the same
 * wherever it is reported — `services.email.timeoutMillis: must be at most …`.
 *
 * Effect's Standard Schema formatter does the work; an unexpected key is the
 * one case it words poorly ("Unexpected key with value …"), so it is answered
 * here with the name and the names that are valid there.
 *
 * @internal
 */
import { Schema, SchemaAST, SchemaIssue } from "effect"

/** One problem: where (`services.email.timeoutMillis`, `to[1]`) and what, in words. @internal */
export const FieldIssue = Schema.Struct({ path: Schema.String, message: Schema.String })

/** @internal */
export type FieldIssue = typeof FieldIssue.Type

const formatter = SchemaIssue.makeFormatterStandardSchemaV1()

/** `["rules", 0, "delay"]` → `rules[0].delay`. @internal */
export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`),
    ""
  )

/** `"path: message; path: message"`, the `message` of every error built from issues. @internal */
export const describeIssues = (issues: ReadonlyArray<FieldIssue>): string =>
  issues.map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`)).join("; ")

const distance = (a: string, b: string): number => {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

/**
 * `unknown provider "resnd"; the known providers are postmark, resend (did you mean "resend"?)`:
 * the words for a name that is not in a closed list. A suggestion is made only
 * for a near miss (two edits at most), never a guess.
 *
 * @internal
 */
export const unknownName = (kind: string, name: string, known: ReadonlyArray<string>): string => {
  const list = known.length === 0 ? `no ${kind} is known` : `the known ${kind}s are ${known.join(", ")}`
  let closest: string | undefined
  let best = 3
  for (const candidate of known) {
    const edits = distance(name.toLowerCase(), candidate.toLowerCase())
    if (edits < best) [closest, best] = [candidate, edits]
  }
  return `unknown ${kind} ${JSON.stringify(name)}; ${list}${closest === undefined ? "" : ` (did you mean ${JSON.stringify(closest)}?)`}`
}

/**
 * The annotation that says what the keys of a struct or record are, e.g.
 * `"service"` on the per-service overrides: an unknown key then reads
 * `unknown service "emial"` rather than `unknown field "emial"`.
 *
 * @internal
 */
export const keyKind = "@wedsync/core/keyKind"

// A struct or a record with literal keys: its keys are the valid names.
const unexpectedKey = (issue: SchemaIssue.UnexpectedKey, path: ReadonlyArray<PropertyKey>): string => {
  const key = String(path[path.length - 1] ?? "")
  const ast = issue.ast
  const names = SchemaAST.isObjects(ast) ? ast.propertySignatures.map((signature) => String(signature.name)) : []
  const kind = ast.annotations?.[keyKind]
  return unknownName(typeof kind === "string" ? kind : "field", key, names)
}

/**
 * The problems of a Schema failure, each with its path (prefixed by `prefix`)
 * and its message.
 *
 * @internal
 */
export const fieldIssues = (
  issue: SchemaIssue.Issue,
  prefix: ReadonlyArray<PropertyKey> = []
): ReadonlyArray<FieldIssue> => {
  switch (issue._tag) {
    case "Pointer":
      return fieldIssues(issue.issue, [...prefix, ...issue.path])
    case "Composite":
      return issue.issues.flatMap((inner) => fieldIssues(inner, prefix))
    case "AnyOf":
      if (issue.issues.length > 0) return issue.issues.flatMap((inner) => fieldIssues(inner, prefix))
      break
    case "UnexpectedKey":
      return [{ path: formatPath(prefix), message: unexpectedKey(issue, prefix) }]
  }
  return formatter(issue).issues.map((entry) => ({
    path: formatPath([...prefix, ...(entry.path ?? []).map((key) => (typeof key === "object" ? key.key : key))]),
    message: entry.message
  }))
}
