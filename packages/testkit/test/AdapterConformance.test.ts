/**
 * Adapter conformance, found on disk so that an eighth adapter is checked
 * without editing this file:
 * - every module an adapter package (`packages/adapter-*`) exports from its
 *   index that is an adapter (it builds a core service, `EmailProvider.EmailProvider.of(`,
 *   or offers any of `make`, `layer`, `layerConfig`) has all three; a module
 *   that only uses a port (a sync over `CalendarProvider`) or is pure
 *   functions (an .ics writer) is not an adapter (private code lives in `internal/`);
 * - every one that implements a port with a contract suite here
 *   (`src/contracts/<Port>Contract.ts`) has a test file in its package that
 *   runs `<Port>Contract.suite(` over it.
 * The checks are pure functions, shown to fail on synthetic modules and tests.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"

const packagesDir = fileURLToPath(new URL("../../", import.meta.url))
const contractsDir = fileURLToPath(new URL("../src/contracts/", import.meta.url))

/** What every adapter module exports. */
const required = ["make", "layer", "layerConfig"] as const

/** The required exports a module lacks or has as something other than a function. */
const missingExports = (module: Readonly<Record<string, unknown>>): ReadonlyArray<string> =>
  required.filter((name) => typeof module[name] !== "function")

/** The ports with a contract suite: `EmailProvider` for `EmailProviderContract.ts`. */
const ports: ReadonlyArray<string> = readdirSync(contractsDir).flatMap(
  (file) => /^(\w+)Contract\.ts$/.exec(file)?.[1] ?? []
)

/** The ports a module's source implements: it builds the port's service, `EmailProvider.EmailProvider.of(`. */
const portsOf = (source: string, known: ReadonlyArray<string> = ports): ReadonlyArray<string> =>
  known.filter((port) => new RegExp(`\\b${port}\\.${port}\\.of\\(`).test(source))

/** Whether a module is an adapter: it builds a core service (`DeliveryEvent.DeliveryStatus.of(`) or offers a layer. */
const isAdapter = (source: string, module: Readonly<Record<string, unknown>>): boolean =>
  /\b[A-Z]\w*\.[A-Z]\w*\.of\(/.test(source) || required.some((name) => name in module)

/** Whether a test file runs the port's contract suite and builds the module's adapter (`Resend.layer(`). */
const runsContract = (testSource: string, port: string, name: string): boolean =>
  testSource.includes(`${port}Contract.suite(`) &&
  new RegExp(`\\b${name}\\.(make|layer|layerConfig)\\(`).test(testSource)

/** An index's namespace exports: `export * as Resend from "./Resend.ts"`. */
const exportsOf = (indexSource: string): ReadonlyArray<{ readonly name: string; readonly file: string }> =>
  [...indexSource.matchAll(/export \* as (\w+) from "\.\/([^"]+)"/g)].map(([, name = "", file = ""]) => ({
    name,
    file
  }))

/** Every `.ts` file below a folder. */
const sourcesBelow = (dir: string): ReadonlyArray<string> =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".ts"))
        .map((file) => readFileSync(join(dir, file), "utf8"))
    : []

interface AdapterModule {
  readonly packageName: string
  readonly name: string
  readonly source: string
  readonly ports: ReadonlyArray<string>
}

const adapterPackages = readdirSync(packagesDir)
  .filter((dir) => dir.startsWith("adapter-") && existsSync(join(packagesDir, dir, "src", "index.ts")))
  .sort()

const indexOf = (packageName: string) => join(packagesDir, packageName, "src", "index.ts")

const modules: ReadonlyArray<AdapterModule> = adapterPackages.flatMap((packageName) =>
  exportsOf(readFileSync(indexOf(packageName), "utf8")).map(({ name, file }) => {
    const source = readFileSync(join(packagesDir, packageName, "src", file), "utf8")
    return { packageName, name, source, ports: portsOf(source) }
  })
)

const contractAdapters = modules.flatMap((module) => module.ports.map((port) => ({ ...module, port })))

const loadIndex = (packageName: string): Promise<Readonly<Record<string, Readonly<Record<string, unknown>>>>> =>
  import(/* @vite-ignore */ indexOf(packageName))

describe("adapter conformance: discovery", () => {
  it("finds the adapter packages, every module their indexes export, and the provider adapters", async () => {
    expect(adapterPackages).toEqual(expect.arrayContaining(["adapter-email", "adapter-sms"]))
    for (const packageName of adapterPackages) {
      const found = modules.filter((module) => module.packageName === packageName).map((module) => module.name)
      expect(Object.keys(await loadIndex(packageName)).sort()).toEqual([...found].sort())
    }
    expect(ports).toEqual(expect.arrayContaining(["EmailProvider", "SmsProvider", "WebhookSource"]))
    expect(contractAdapters.map((adapter) => `${adapter.name}:${adapter.port}`)).toEqual(
      expect.arrayContaining([
        "Resend:EmailProvider",
        "Postmark:EmailProvider",
        "Twilio:SmsProvider",
        "Vonage:SmsProvider"
      ])
    )
  })
})

describe("adapter conformance: every adapter module exports make, layer and layerConfig", () => {
  it.each(modules)("$packageName $name", async ({ packageName, name, source }) => {
    const module = (await loadIndex(packageName))[name] ?? {}
    if (!isAdapter(source, module)) return
    expect(missingExports(module), `${packageName}/src/${name} lacks`).toEqual([])
  })
})

describe("adapter conformance: every provider adapter runs its port's contract suite", () => {
  it.each(contractAdapters)("$packageName $name runs $port", ({ packageName, name, port }) => {
    const tests = sourcesBelow(join(packagesDir, packageName, "test"))
    expect(
      tests.some((source) => runsContract(source, port, name)),
      `no test in ${packageName}/test calls ${port}Contract.suite( with ${name}.layer( or ${name}.make(`
    ).toBe(true)
  })
})

describe("adapter conformance: the checks fail where they must", () => {
  const noop = () => undefined

  it("a module without layerConfig, or with one that is not a function, is missing it", () => {
    expect(missingExports({ make: noop, layer: noop })).toEqual(["layerConfig"])
    expect(missingExports({ make: noop, layer: noop, layerConfig: "Config" })).toEqual(["layerConfig"])
    expect(missingExports({})).toEqual(["make", "layer", "layerConfig"])
    expect(missingExports({ make: noop, layer: noop, layerConfig: noop, toPayload: noop })).toEqual([])
  })

  it("a test that only verifies the contract, or runs it over another module, does not count", () => {
    const suite = 'EmailProviderContract.suite("SendGrid", { layer: (target) => SendGrid.layer(options(target)) })'
    expect(runsContract(suite, "EmailProvider", "SendGrid")).toBe(true)
    expect(runsContract(suite.replace(".suite(", ".verify("), "EmailProvider", "SendGrid")).toBe(false)
    expect(runsContract(suite, "SmsProvider", "SendGrid")).toBe(false)
    expect(runsContract(suite, "EmailProvider", "Send")).toBe(false)
    expect(runsContract(suite.replaceAll("SendGrid.", "SendGridSim."), "EmailProvider", "SendGrid")).toBe(false)
  })

  it("a module implements the ports whose service it builds, not those it only uses", () => {
    const source = "export const make = (): EmailProvider.EmailProvider['Service'] => EmailProvider.EmailProvider.of(x)"
    expect(portsOf(source, ["EmailProvider", "SmsProvider"])).toEqual(["EmailProvider"])
    expect(portsOf("DeliveryEvent.DeliveryStatus.of(x)", ["EmailProvider", "SmsProvider"])).toEqual([])
    expect(portsOf("const calendar = yield* CalendarProvider.CalendarProvider", ["CalendarProvider"])).toEqual([])
  })

  it("a module that builds a core service or offers a layer is an adapter; a user of one is not", () => {
    expect(isAdapter("return DeliveryEvent.DeliveryStatus.of({ lookup })", {})).toBe(true)
    expect(isAdapter("", { layer: noop })).toBe(true)
    expect(isAdapter("const calendar = yield* CalendarProvider.CalendarProvider; Tokens.of({})", { sync: noop })).toBe(
      false
    )
  })

  it("an index's namespace exports are read with their files", () => {
    expect(
      exportsOf('/** x */\nexport * as SendGrid from "./SendGrid.ts"\nexport * as Resend from "./Resend.ts"')
    ).toEqual([
      { name: "SendGrid", file: "SendGrid.ts" },
      { name: "Resend", file: "Resend.ts" }
    ])
  })
})
