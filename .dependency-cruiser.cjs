// Dependency rules for the workspace, checked by `pnpm deps` (part of `pnpm test`).
//
// Tiers, lowest first; a package's src/ may import only tiers below it, or itself:
//   1. core                      errors, ports, policy, resilience
//   2. durable                   stores, outbox, dead letters             (core)
//   3. notifications, payments   (core, durable; not each other)
//   3. adapter-*                 provider adapters                         (core only)
//   4. webhooks                  (core, durable, notifications; not adapters)
//   5. ops                       (core, durable, notifications, payments, webhooks; not adapters)
//   5. testkit, test-fixtures    test support (core, durable, notifications, each other)
//   6. integrations              the Promise facade (every package above; no test support)
//   7. apps/*                    anything
// The tier rules cover src/ only: a package's tests, benches and fixtures may use
// test support from higher tiers. Everywhere (src, tests, apps): no cycles, no
// reaching into another package's internal/, no adapter importing another adapter.
//
// A workspace package is matched both by where it lives (packages/core/...,
// what an import resolves to) and by its name (@wedsync/core..., what an import
// that cannot be resolved, e.g. a package not yet linked, is left as).
//
// dependency-cruiser runs through scripts/depcruise.mjs, because it cannot read
// TypeScript with TypeScript 7.0 installed; that wrapper feeds it each file's
// dependencies, type-only imports included. Hence parser "acorn" and no
// tsPreCompilationDeps / tsConfig below.

/** @param {string[]} names package folder names; the package is named @wedsync/<folder> */
const packages = (...names) => `^(packages/(${names.join("|")})/|@wedsync/(${names.join("|")})(/|$))`

// any workspace package or app, by path or by name
const WORKSPACE = "^((packages|apps)/[^/]+/|@wedsync/)"
// the package captured as $1 in `from.path`, by path or by name
const SAME_PACKAGE = "^(packages/$1/|@wedsync/$1(/|$))"
const ADAPTERS = "^(packages/adapter-[^/]+/|@wedsync/adapter-)"
// how type-only imports show up (see scripts/depcruise-typescript.mjs and exoticRequireStrings below)
const TYPE_ONLY = "exotic-require"
const TIERED =
  "^packages/(core|durable|notifications|payments|adapter-[^/]+|webhooks|ops|testkit|test-fixtures|integrations)/"

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "tier-core-imports-only-core",
      comment:
        "core is the bottom tier: every other package builds on its errors, ports and policies. " +
        "If core imported durable, notifications, an adapter, testkit or an app, the layering would " +
        "turn upside down and core could no longer be used (or tested) without them.",
      severity: "error",
      from: { path: "^packages/core/src/" },
      to: { path: WORKSPACE, pathNot: packages("core") }
    },
    {
      name: "core-no-storage-drivers",
      comment:
        "A service that imports only @wedsync/core must install no SQL driver, Redis client or " +
        "queue code: SQL and queues live in durable, and core's Redis layers take Effect's abstract " +
        "Redis service (the caller provides NodeRedis).",
      severity: "error",
      from: { path: "^packages/core/src/" },
      to: {
        // by resolved path (node_modules/...) and by bare name (when unresolved)
        path: [
          "^(node:)?sqlite$",
          "node_modules/.*(/effect/dist/(unstable/)?sql/|/@effect/sql|/@redis/|/redis/|/ioredis/|/bullmq/|/pg/|/postgres/)",
          "^(effect/(unstable/)?sql|@effect/sql|redis|ioredis|bullmq|pg|postgres)(/|-|$)"
        ]
      }
    },
    {
      name: "tier-durable-imports-only-core",
      comment:
        "durable (stores, outbox, dead letters) sits on core alone; notifications, adapters and the " +
        "rest build on it. An import of anything above would be an upward dependency.",
      severity: "error",
      from: { path: "^packages/durable/src/" },
      to: { path: WORKSPACE, pathNot: packages("core", "durable") }
    },
    {
      name: "tier-notifications-imports-only-core-durable",
      comment:
        "notifications composes core's ports with durable's outbox. It must not know any concrete " +
        "adapter (apps wire adapters in), nor testkit, webhooks, ops or an app.",
      severity: "error",
      from: { path: "^packages/notifications/src/" },
      to: { path: WORKSPACE, pathNot: packages("core", "durable", "notifications") }
    },
    {
      name: "tier-payments-imports-only-core-durable",
      comment:
        "payments composes core's PaymentProvider port with durable's outbox and dead letters. Like " +
        "notifications it must not know a concrete adapter (apps wire Stripe in), nor notifications.",
      severity: "error",
      from: { path: "^packages/payments/src/" },
      to: { path: WORKSPACE, pathNot: packages("core", "durable", "payments") }
    },
    {
      name: "tier-adapter-imports-only-core",
      comment:
        "An adapter implements one of core's ports for one provider and needs nothing but core: " +
        "not durable, notifications, webhooks or ops, and not testkit/test-fixtures (test support " +
        "must never ship in an adapter's src). Another adapter is no-adapter-to-adapter's business.",
      severity: "error",
      from: { path: "^packages/(adapter-[^/]+)/src/" },
      to: { path: WORKSPACE, pathNot: [packages("core"), SAME_PACKAGE, ADAPTERS] }
    },
    {
      name: "tier-webhooks-imports-only-core-durable-notifications",
      comment:
        "webhooks sits above core, durable and notifications and works on ports, never on a " +
        "concrete adapter; nor on test support, on ops or on an app.",
      severity: "error",
      from: { path: "^packages/(webhooks)/src/" },
      to: { path: WORKSPACE, pathNot: [packages("core", "durable", "notifications"), SAME_PACKAGE] }
    },
    {
      name: "tier-ops-imports-no-adapter-test-support-or-app",
      comment:
        "ops is the operator's view of every package below it (its admin API lists webhooks' quarantine, " +
        "outbound endpoints and watchdog timelines, payments' and notifications' dead letters), so it may " +
        "import core, durable, notifications, payments and webhooks; never a concrete adapter (alerts go " +
        "out through core's ports), test support, the facade or an app.",
      severity: "error",
      from: { path: "^packages/(ops)/src/" },
      to: {
        path: WORKSPACE,
        pathNot: [packages("core", "durable", "notifications", "payments", "webhooks"), SAME_PACKAGE]
      }
    },
    {
      name: "tier-test-support-imports-no-adapter-or-app",
      comment:
        "testkit and test-fixtures are test support: simulators and contracts are written against " +
        "core's ports (and durable/notifications where they must), so that adapters' tests can use " +
        "them without a cycle. They must not import an adapter, webhooks, ops or an app.",
      severity: "error",
      from: { path: "^packages/(testkit|test-fixtures)/src/" },
      to: { path: WORKSPACE, pathNot: packages("core", "durable", "notifications", "testkit", "test-fixtures") }
    },
    {
      name: "tier-integrations-imports-no-test-support-or-app",
      comment:
        "integrations is the top tier: the Promise facade wires core, durable, notifications, " +
        "payments, webhooks and the adapters together for services that do not use Effect. Its src " +
        "ships to production, so it must not import testkit or test-fixtures (simulators, probes), " +
        "nor an app.",
      severity: "error",
      from: { path: "^packages/integrations/src/" },
      to: {
        path: WORKSPACE,
        pathNot: [packages("core", "durable", "notifications", "payments", "webhooks", "integrations"), ADAPTERS]
      }
    },
    {
      name: "tier-every-package-has-a-tier",
      comment:
        "A package that is in no tier above is checked by none of the tier rules. Give it a tier " +
        "(a rule here) before it imports another workspace package.",
      severity: "error",
      from: { path: "^packages/([^/]+)/src/", pathNot: TIERED },
      to: { path: WORKSPACE, pathNot: SAME_PACKAGE }
    },
    {
      name: "no-adapter-to-adapter",
      comment:
        "Adapters are interchangeable leaves (failover picks among them); one importing another " +
        "couples providers that must be able to fail, ship and be removed independently. Applies to " +
        "tests too: a shared helper belongs in core or testkit.",
      severity: "error",
      from: { path: "^packages/(adapter-[^/]+)/" },
      to: { path: ADAPTERS, pathNot: SAME_PACKAGE }
    },
    {
      name: "no-other-package-internal",
      comment:
        "internal/ is what a package keeps free to change; only its own modules may import it. " +
        "Another package (its src or tests, or an app) goes through the public exports, whether " +
        "the reach is by name (@wedsync/testkit/internal/...) or by relative path (../../testkit/src/internal/...).",
      severity: "error",
      from: { path: "^((packages|apps)/[^/]+)/" },
      to: {
        // internal/ at any depth (written without nested quantifiers: dependency-cruiser refuses those)
        path: [
          "^(packages|apps)/[^/]+/internal/",
          "^(packages|apps)/[^/]+/.*/internal/",
          "^@wedsync/[^/]+/internal(/|$)",
          "^@wedsync/[^/]+/.*/internal(/|$)"
        ],
        pathNot: "^$1/"
      }
    },
    {
      name: "no-internal-to-own-index",
      comment:
        "The public entry index.ts re-exports the package's modules, which import internal/; an " +
        "internal/ module importing index.ts (by path or by the package's own name) closes a loop " +
        "through the whole package and can leave values undefined at load time.",
      severity: "error",
      from: { path: "^((packages|apps)/([^/]+))/src/(internal|.*/internal)/" },
      to: { path: ["^$1/src/index\\.[cm]?[jt]s$", "^@wedsync/$3$"] }
    },
    {
      name: "no-circular",
      comment:
        "A cycle between modules (in src, tests or apps) means neither side can be understood, " +
        "tested or moved to another tier without the other, and at run time it makes load order " +
        "decide whether a value is defined yet. This one counts cycles made of imports that stay " +
        "at run time; see no-circular-type-only for those that go through an `import type`.",
      severity: "error",
      from: { path: "^(packages|apps)/" },
      to: { circular: true, viaOnly: { dependencyTypesNot: [TYPE_ONLY] } }
    },
    {
      name: "no-circular-type-only",
      comment:
        "A cycle that goes through at least one `import type` (typically a public module declaring " +
        "a service's type and the internal/ module implementing it importing that type back). " +
        "It is erased at compile time, so it cannot break load order, but the two modules still " +
        "cannot be moved apart. A warning for now (shown, not failing); make it an error to forbid " +
        "every cycle.",
      severity: "warn",
      from: { path: "^(packages|apps)/" },
      to: { circular: true, via: { dependencyTypes: [TYPE_ONLY] } }
    }
  ],
  options: {
    // node_modules is recorded (core-no-storage-drivers reads it) but not followed (doNotFollow)
    exclude: { path: "(^|/)(dist|\\.data|\\.turbo|coverage)/" },
    doNotFollow: { path: "(^|/)node_modules/" },
    moduleSystems: ["es6", "cjs"],
    // scripts/depcruise-typescript.mjs hands type-only imports over as calls of __typeOnly(...)
    exoticRequireStrings: ["__typeOnly"],
    // see the top of this file and scripts/depcruise-typescript.mjs
    parser: "acorn",
    tsPreCompilationDeps: false,
    skipAnalysisNotInRules: true,
    enhancedResolveOptions: {
      // workspace packages resolve through their package.json "exports" (./src/*.ts)
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default"],
      mainFields: ["module", "main"],
      extensions: [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs", ".json"]
    },
    reporterOptions: {
      text: { highlightFocused: true }
    }
  }
}
