// A stand-in for the "typescript" module, handed to dependency-cruiser only
// (scripts/depcruise.mjs routes its `import("typescript")` here).
//
// Why: dependency-cruiser reads .ts files by first turning them into
// JavaScript with the `typescript` package it finds. The repo's TypeScript is
// 7.0, whose package no longer has the in-process compiler API (no
// transpileModule, no createSourceFile); dependency-cruiser 18 supports
// TypeScript <7 and >=7.1 but explicitly not 7.0, so without this it scans no
// .ts file at all. Node (>=22.13) strips erasable TypeScript syntax itself
// (module.stripTypeScriptTypes, the same stripper `node file.ts` uses), and the
// repo compiles with erasableSyntaxOnly, so that is all a dependency scan needs.
//
// What it gives dependency-cruiser: for each file, a small JavaScript module
// holding one statement per dependency the file has, in a form the
// dependency-cruiser's own acorn extractor reads back with the same dependency
// type:
//   import ... from "x"          -> import "x"
//   export ... from "x"          -> export * from "x"
//   import("x")                  -> import("x")
//   require("x")                 -> require("x")
//   import type ... from "x"     -> __typeOnly("x")
// Imports that exist only for types (`import type`, `export type ... from`,
// `typeof import("x")`) are erased by the stripper, so they are found in the
// text it blanked: a type-only import across tiers breaks the layering as much
// as any other, so it must stay visible. They come back as a call of
// TYPE_ONLY_MARKER, which .dependency-cruiser.cjs lists in exoticRequireStrings:
// dependency-cruiser records them as "exotic-require" (exoticRequire
// "__typeOnly"), the one dependency type nothing else here produces, so a rule
// can still tell type-only imports apart (the cycle rules do).
// Only the acorn parser is served: parser "tsc", tsPreCompilationDeps and
// tsConfig need the compiler API and fail loudly here.
import { createRequire, stripTypeScriptTypes } from "node:module"
import { fileURLToPath } from "node:url"

// acorn and acorn-walk are dependency-cruiser's own dependencies
const fromDepcruise = createRequire(fileURLToPath(import.meta.resolve("dependency-cruiser")))
const acorn = fromDepcruise("acorn")
const walk = fromDepcruise("acorn-walk")

// in the range dependency-cruiser accepts for the classic API, and says what it is
const version = "6.0.0-node-strip-types"

// the call a type-only import becomes; .dependency-cruiser.cjs names it in exoticRequireStrings
export const TYPE_ONLY_MARKER = "__typeOnly"

// how many files went through transpileModule: scripts/depcruise.mjs fails a
// run in which none did, as that means this stand-in was not used
export const stats = { files: 0 }

// declarations the stripper erases whole that still name a module
const TYPE_ONLY_IMPORTS = [
  /\bimport\s+type\s+(?:\{[^}]*\}|\*\s*as\s+[\w$]+|[\w$]+)\s*from\s*(["'])([^"'\n]+)\1/g,
  /\bimport\s+type\s+[\w$]+\s*=\s*require\s*\(\s*(["'])([^"'\n]+)\1/g,
  /\bexport\s+type\s+(?:\{[^}]*\}|\*(?:\s*as\s+[\w$]+)?)\s*from\s*(["'])([^"'\n]+)\1/g,
  /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*\)/g
]

const strip = (source, fileName) => {
  try {
    return { code: stripTypeScriptTypes(source, { mode: "strip" }), positionsKept: true }
  } catch {
    // syntax that is not erasable (enum, namespace, parameter properties)
    try {
      return { code: stripTypeScriptTypes(source, { mode: "transform" }), positionsKept: false }
    } catch (error) {
      throw new Error(`dependency check: cannot read ${fileName} as TypeScript: ${error.message}`)
    }
  }
}

// specifiers of declarations that were in the source and are blank in the
// stripped code (strip mode keeps every position and blanks what it erases;
// comments and strings stay, so a look-alike in either is not blank)
const typeOnlySpecifiers = (source, code) => {
  const found = []
  for (const pattern of TYPE_ONLY_IMPORTS) {
    for (const match of source.matchAll(pattern)) {
      if (code.slice(match.index, match.index + match[0].length).trim() === "") found.push(match[2])
    }
  }
  return found
}

const literal = (node) => {
  if (node?.type === "Literal" && typeof node.value === "string") return node.value
  if (node?.type === "TemplateLiteral" && node.expressions.length === 0) return node.quasis[0].value.cooked
  return undefined
}

const dependencyStatements = (code, fileName) => {
  let ast
  try {
    ast = acorn.parse(code, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true })
  } catch (error) {
    throw new Error(`dependency check: cannot parse ${fileName} after stripping its types: ${error.message}`)
  }
  const lines = []
  walk.full(ast, (node) => {
    switch (node.type) {
      case "ImportDeclaration":
        lines.push(`import ${JSON.stringify(node.source.value)};`)
        break
      case "ExportAllDeclaration":
      case "ExportNamedDeclaration":
        if (node.source) lines.push(`export * from ${JSON.stringify(node.source.value)};`)
        break
      case "ImportExpression": {
        const specifier = literal(node.source)
        if (specifier !== undefined) lines.push(`import(${JSON.stringify(specifier)});`)
        break
      }
      case "CallExpression": {
        const specifier =
          node.callee.type === "Identifier" && node.callee.name === "require" && literal(node.arguments[0])
        if (specifier) lines.push(`require(${JSON.stringify(specifier)});`)
        break
      }
    }
  })
  return lines
}

const transpileModule = (source, options = {}) => {
  const fileName = options.fileName ?? "<unknown>"
  stats.files++
  const { code, positionsKept } = strip(source, fileName)
  const lines = dependencyStatements(code, fileName)
  if (positionsKept) {
    for (const specifier of typeOnlySpecifiers(source, code))
      lines.push(`${TYPE_ONLY_MARKER}(${JSON.stringify(specifier)});`)
  }
  return { outputText: `${lines.join("\n")}\n`, diagnostics: [] }
}

const unsupported = (what) => () => {
  throw new Error(
    `dependency check: ${what} needs the TypeScript compiler API, which TypeScript 7.0 does not have; ` +
      'keep parser "acorn" and leave tsPreCompilationDeps, detectJSDocImports and tsConfig unset in .dependency-cruiser.cjs'
  )
}

export default {
  version,
  // read (not used) by dependency-cruiser's facade and its transpile options
  SyntaxKind: {},
  ScriptTarget: { ES2015: 2, ES2022: 9, Latest: 99 },
  ModuleKind: { NodeNext: 199 },
  JsxEmit: { React: 2 },
  sys: { useCaseSensitiveFileNames: true },
  transpileModule,
  createSourceFile: unsupported("parser tsc"),
  forEachChild: unsupported("parser tsc"),
  readConfigFile: unsupported("tsConfig"),
  parseJsonConfigFileContent: unsupported("tsConfig"),
  formatDiagnostics: unsupported("tsConfig")
}
