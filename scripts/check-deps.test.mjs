// Proof that the dependency rules in .dependency-cruiser.cjs catch what they are
// for: a throwaway workspace with one planted violation of each kind (and
// imports the rules must allow) is cruised with the same config and the same
// runner as `pnpm deps`, and every violation must come back under its rule's
// name, with nothing else reported. Then the real tree must pass.
//
//   node --test scripts/check-deps.test.mjs      (pnpm deps:test)
import assert from "node:assert/strict"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { after, before, test } from "node:test"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const runner = join(root, "scripts", "depcruise.mjs")
const config = join(root, ".dependency-cruiser.cjs")

const depcruise = (cwd, outputType) =>
  spawnSync(process.execPath, [runner, "--config", config, "--output-type", outputType, "packages", "apps"], {
    cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024
  })

// the JSON report (its exit code is always 0: only the text reporters count errors)
const cruise = (cwd) => {
  const run = depcruise(cwd, "json")
  assert.ok(run.stdout.trim().startsWith("{"), `depcruise printed no report (exit ${run.status}):\n${run.stderr}`)
  const report = JSON.parse(run.stdout)
  const violations = report.summary.violations.map((violation) => ({
    rule: violation.rule.name,
    severity: violation.rule.severity,
    from: violation.from,
    to: violation.to
  }))
  return { report, violations }
}

const workspacePackage = (dir, name) => ({
  [`${dir}/package.json`]: JSON.stringify({
    name,
    private: true,
    type: "module",
    exports: { ".": "./src/index.ts", "./*": "./src/*.ts" }
  })
})

// the fixture workspace: file -> content
const files = {
  "package.json": JSON.stringify({ name: "fixture", private: true }),
  ...workspacePackage("packages/core", "@wedsync/core"),
  ...workspacePackage("packages/durable", "@wedsync/durable"),
  ...workspacePackage("packages/notifications", "@wedsync/notifications"),
  ...workspacePackage("packages/adapter-email", "@wedsync/adapter-email"),
  ...workspacePackage("packages/adapter-sms", "@wedsync/adapter-sms"),
  ...workspacePackage("packages/testkit", "@wedsync/testkit"),
  ...workspacePackage("packages/webhooks", "@wedsync/webhooks"),
  ...workspacePackage("packages/billing", "@wedsync/billing"),
  ...workspacePackage("apps/playground", "@wedsync/playground"),

  // core: the public entry, a module with internal/ defaults (allowed), and
  // two upward imports: a runtime one and a type-only one (to modules that do
  // not import core back, so that they make no cycle as well)
  "packages/core/src/index.ts": 'export * as Policy from "./Policy.ts"\nexport * as Ports from "./Ports.ts"\n',
  "packages/core/src/Policy.ts":
    'import { defaults } from "./internal/defaults.ts"\nimport { limit } from "@wedsync/durable/Limits"\n' +
    "export const policy: number = defaults + limit\n",
  "packages/core/src/internal/defaults.ts": "export const defaults: number = 3\n",
  // core loading a storage driver (unresolved here, as a package core does not install)
  "packages/core/src/Store.ts":
    'import { Queue } from "bullmq"\nimport { DatabaseSync } from "node:sqlite"\nexport const store = [Queue, DatabaseSync]\n',
  "packages/core/src/Ports.ts":
    'import type { Message } from "@wedsync/notifications/Message"\nexport type Port = (message: Message) => void\n',
  // a core test may use the testkit (allowed)
  "packages/core/test/Policy.test.ts": 'import { Simulator } from "@wedsync/testkit"\nexport const sim = Simulator\n',

  // durable: a runtime cycle, a type-only cycle (public module <-> internal/),
  // and an import of a package that does not exist yet (left unresolved)
  "packages/durable/src/index.ts": 'export * as Outbox from "./Outbox.ts"\nexport * as Store from "./Store.ts"\n',
  "packages/durable/src/Outbox.ts":
    'import { policy } from "@wedsync/core"\nimport { later } from "./Later.ts"\n' +
    "export const size: number = policy + later()\n",
  "packages/durable/src/Later.ts": 'import { size } from "./Outbox.ts"\nexport const later = (): number => size\n',
  "packages/durable/src/Store.ts":
    'import { make } from "./internal/store.ts"\nexport interface Store { readonly get: () => number }\n' +
    "export const store: Store = make()\n",
  "packages/durable/src/internal/store.ts":
    'import type { Store } from "../Store.ts"\nexport const make = (): Store => ({ get: () => 1 })\n',
  "packages/durable/src/Limits.ts": "export const limit = 10\n",
  "packages/durable/src/Hooks.ts": 'import { hook } from "@wedsync/webhooks"\nexport const hooks = [hook]\n',

  // notifications: core + durable (allowed); an adapter (not allowed); an
  // internal/ module importing the package's own index; a test reaching into
  // durable's internal/ by relative path
  "packages/notifications/src/index.ts":
    'import { Outbox } from "@wedsync/durable"\nimport type { Port } from "@wedsync/core/Ports"\n' +
    "export interface Notification { readonly to: string }\nexport const send: Port | number = Outbox.size\n",
  "packages/notifications/src/Message.ts": "export interface Message { readonly body: string }\n",
  "packages/notifications/src/Email.ts":
    'import { email } from "@wedsync/adapter-email"\nexport const channel = email\n',
  "packages/notifications/src/internal/render.ts":
    'import type { Notification } from "../index.ts"\nexport const render = (n: Notification): string => n.to\n',
  "packages/notifications/test/reach.test.ts":
    'import { make } from "../../durable/src/internal/store.ts"\nexport const reached = make\n',

  // adapters: core (allowed); another adapter and the testkit from src (not allowed);
  // the testkit's internal/ from a test (not allowed) next to its public entry (allowed)
  "packages/adapter-email/src/index.ts":
    'import { policy } from "@wedsync/core"\nimport { sms } from "@wedsync/adapter-sms"\n' +
    "export const email: number = policy + sms\n",
  "packages/adapter-sms/src/index.ts":
    'import { policy } from "@wedsync/core"\nimport { Simulator } from "@wedsync/testkit"\n' +
    'import { segments } from "./internal/segments.ts"\nexport const sms: number = policy + segments + Simulator\n',
  "packages/adapter-sms/src/internal/segments.ts": "export const segments = 1\n",
  "packages/adapter-sms/test/contract.test.ts":
    'import { Simulator } from "@wedsync/testkit"\nimport { expectNoSecrets } from "@wedsync/testkit/internal/contract"\n' +
    'import { segments } from "../src/internal/segments.ts"\nexport const checks = [Simulator, expectNoSecrets, segments]\n',

  // testkit: core (allowed), an adapter (not allowed)
  "packages/testkit/src/index.ts":
    'import { policy } from "@wedsync/core"\nimport { expectNoSecrets } from "./internal/contract.ts"\n' +
    "export const Simulator: number = policy\nexport { expectNoSecrets }\n",
  "packages/testkit/src/internal/contract.ts": "export const expectNoSecrets = (): void => {}\n",
  "packages/testkit/src/Contracts.ts":
    'import { email } from "@wedsync/adapter-email"\nexport const contract = email\n',

  // webhooks (tier 4): notifications (allowed), an adapter (not allowed)
  "packages/webhooks/src/index.ts":
    'import { send } from "@wedsync/notifications"\nimport { sms } from "@wedsync/adapter-sms"\n' +
    "export const hook = [send, sms]\n",

  // a package in no tier that imports a workspace package
  "packages/billing/src/index.ts": 'import { policy } from "@wedsync/core"\nexport const bill = policy\n',

  // an app may import anything public
  "apps/playground/src/main.ts":
    'import { email } from "@wedsync/adapter-email"\nimport { sms } from "@wedsync/adapter-sms"\n' +
    'import { Simulator } from "@wedsync/testkit"\nimport { hook } from "@wedsync/webhooks"\n' +
    "export const all = [email, sms, Simulator, hook]\n"
}

const linked = ["core", "durable", "notifications", "adapter-email", "adapter-sms", "testkit", "billing"]

// every violation the fixture must produce, and no other
const expected = [
  ["tier-core-imports-only-core", "packages/core/src/Policy.ts", "packages/durable/src/Limits.ts"],
  ["tier-core-imports-only-core", "packages/core/src/Ports.ts", "packages/notifications/src/Message.ts"],
  ["tier-durable-imports-only-core", "packages/durable/src/Hooks.ts", "@wedsync/webhooks"],
  [
    "tier-notifications-imports-only-core-durable",
    "packages/notifications/src/Email.ts",
    "packages/adapter-email/src/index.ts"
  ],
  ["tier-adapter-imports-only-core", "packages/adapter-sms/src/index.ts", "packages/testkit/src/index.ts"],
  [
    "tier-webhooks-imports-only-core-durable-notifications",
    "packages/webhooks/src/index.ts",
    "packages/adapter-sms/src/index.ts"
  ],
  [
    "tier-test-support-imports-no-adapter-or-app",
    "packages/testkit/src/Contracts.ts",
    "packages/adapter-email/src/index.ts"
  ],
  ["core-no-storage-drivers", "packages/core/src/Store.ts", "bullmq"],
  ["core-no-storage-drivers", "packages/core/src/Store.ts", "node:sqlite"],
  ["tier-every-package-has-a-tier", "packages/billing/src/index.ts", "packages/core/src/index.ts"],
  ["no-adapter-to-adapter", "packages/adapter-email/src/index.ts", "packages/adapter-sms/src/index.ts"],
  [
    "no-other-package-internal",
    "packages/adapter-sms/test/contract.test.ts",
    "packages/testkit/src/internal/contract.ts"
  ],
  ["no-other-package-internal", "packages/notifications/test/reach.test.ts", "packages/durable/src/internal/store.ts"],
  ["no-internal-to-own-index", "packages/notifications/src/internal/render.ts", "packages/notifications/src/index.ts"],
  // a cycle is reported once, from whichever of its modules dependency-cruiser meets first
  ["no-circular", "packages/durable/src/Outbox.ts", "packages/durable/src/Later.ts"],
  ["no-circular-type-only", "packages/durable/src/Store.ts", "packages/durable/src/internal/store.ts"]
]

const key = ({ rule, from, to }) =>
  rule.startsWith("no-circular") ? `${rule}: ${[from, to].sort().join(" <-> ")}` : `${rule}: ${from} -> ${to}`

let fixture
let result

before(() => {
  fixture = realpathSync(mkdtempSync(join(tmpdir(), "wedsync-deps-")))
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(fixture, file)), { recursive: true })
    writeFileSync(join(fixture, file), content)
  }
  // pnpm links workspace packages like this; webhooks is left unlinked on purpose
  mkdirSync(join(fixture, "node_modules", "@wedsync"), { recursive: true })
  for (const name of linked) {
    symlinkSync(join("..", "..", "packages", name), join(fixture, "node_modules", "@wedsync", name), "dir")
  }
  result = cruise(fixture)
})

after(() => {
  if (fixture) rmSync(fixture, { recursive: true, force: true })
})

test("the fixture is read as TypeScript, type-only imports included", () => {
  const modules = result.report.modules.map((module) => module.source)
  assert.ok(modules.includes("packages/core/src/Ports.ts"))
  const ports = result.report.modules.find((module) => module.source === "packages/core/src/Ports.ts")
  assert.deepEqual(
    ports.dependencies.map((dependency) => dependency.resolved),
    ["packages/notifications/src/Message.ts"]
  )
})

for (const [rule, from, to] of expected) {
  test(`${rule} reports ${from} -> ${to}`, () => {
    assert.ok(
      result.violations.some((violation) => key(violation) === key({ rule, from, to })),
      `not reported; got:\n${result.violations.map(key).join("\n")}`
    )
  })
}

test("nothing else is reported (the allowed imports pass)", () => {
  const wanted = new Set(expected.map(([rule, from, to]) => key({ rule, from, to })))
  assert.deepEqual(
    result.violations.map(key).filter((violation) => !wanted.has(violation)),
    []
  )
})

test("the run fails, exiting with the number of errors (warnings aside)", () => {
  const errors = result.violations.filter((violation) => violation.severity === "error").length
  assert.equal(errors, expected.filter(([rule]) => rule !== "no-circular-type-only").length)
  assert.equal(depcruise(fixture, "err").status, errors)
})

test("the real tree passes", () => {
  const run = depcruise(root, "err")
  assert.equal(run.status, 0, `${run.stdout}${run.stderr}`)
  const cruised = Number(run.stdout.match(/(\d+) modules, \d+ dependencies cruised/)?.[1])
  assert.ok(cruised > 50, `the real tree should have been cruised:\n${run.stdout}`)
})
