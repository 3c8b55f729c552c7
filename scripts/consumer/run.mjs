#!/usr/bin/env node
/**
 * The consumer test (`pnpm test:consumer`, see docs/CONSUMER-TEST.md): packs
 * every public package, installs the tarballs with npm into a fresh project
 * outside the workspace, and uses them there as a consumer would:
 *
 * 1. `node scripts/pack-all.mjs <dir>` packs every public package (one tarball
 *    path per stdout line); the fixture project (scripts/consumer/fixtures)
 *    lists each tarball as a `file:` dependency and as an npm override, so no
 *    @wedsync/* package comes from the registry, and pins effect, next, react.
 * 2. Starts the simulators with the INSTALLED `wedsync-sim` bin, reads their
 *    URLs from its output and their credentials from its control endpoint.
 * 3. On Node 22 and Node 24 (both installed from the npm registry into
 *    ~/.cache/wedsync-ci/node-<version>, as .ci/run installs Node 24): imports
 *    every export of every package, then runs smoke.mjs (a notification
 *    through @wedsync/integrations, a signed and a forged Stripe webhook) and
 *    contracts.mjs (every adapter's contract suite, as published).
 * 4. `next build` and `next start` a Next.js App Router app (no
 *    transpilePackages) and POSTs to its notify and Stripe webhook routes.
 *
 * Flags: --tarballs DIR (use the .tgz files in DIR instead of packing),
 * --keep (keep the temp project), --no-next (skip step 4), --verbose (stream
 * every child's output). Every child runs in its own process group and is
 * killed on exit, on failure and on Ctrl+C; a failing step prints its output.
 */
import { spawn, spawnSync } from "node:child_process"
import { createHmac, randomUUID } from "node:crypto"
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { homedir, tmpdir } from "node:os"
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path"
import { parseArgs } from "node:util"

const REPO = resolve(import.meta.dirname, "../..")
const FIXTURES = join(import.meta.dirname, "fixtures")
// biome-ignore lint/suspicious/noUndeclaredEnvVars: not a turbo task; the cache directory .ci/run uses
const CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "wedsync-ci")
const NPM_CACHE = join(CACHE, "npm")
/** The Node 24 that .ci/run installs (read from it, so there is one pin). */
const NODE_24 = /^NODE_VERSION=(\S+)$/m.exec(readFileSync(join(REPO, ".ci/run"), "utf8"))?.[1] ?? "24.21.0"
/** The newest 22.x on the npm registry when this was written (`npm view node@22 version`); engines say >=22.19. */
const NODE_22 = "22.23.3"

const { values: flags } = parseArgs({
  options: {
    tarballs: { type: "string" },
    keep: { type: "boolean", default: false },
    "no-next": { type: "boolean", default: false },
    verbose: { type: "boolean", default: false }
  }
})

// ---------------------------------------------------------------- children

/** Every child still running, each the leader of its own process group. */
const live = new Set()
/** Every process group started, so what a leader left behind (Next's workers) is killed too. */
const groups = new Set()

const killGroup = (child, signal) => {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

const stopAll = async () => {
  const children = [...live]
  for (const child of children) killGroup(child, "SIGTERM")
  await Promise.race([
    Promise.all(
      children.map(
        (child) =>
          new Promise((done) =>
            child.exitCode !== null || child.signalCode !== null ? done() : child.once("exit", done)
          )
      )
    ),
    sleep(2000)
  ])
  for (const child of groups) killGroup(child, "SIGKILL")
}

process.on("exit", () => {
  for (const child of groups) killGroup(child, "SIGKILL")
})
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    console.error(`consumer: ${signal}, stopping children`)
    stopAll().finally(() => process.exit(130))
  })
}

/** The environment of every child: no npm_* / pnpm settings leaking in from `pnpm test:consumer`. */
const baseEnv = (() => {
  const env = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_)/i.test(key) || ["INIT_CWD", "NODE_OPTIONS", "FORCE_COLOR"].includes(key)) continue
    env[key] = value
  }
  env.NO_COLOR = "1" // plain logs in CI and in the failure reports
  return env
})()

const withNode = (nodeBin, env = {}) => ({
  ...baseEnv,
  ...env,
  PATH: `${dirname(nodeBin)}${delimiter}${baseEnv.PATH ?? ""}`
})

class StepError extends Error {}

/**
 * Starts a child in its own process group. `output()` is what it wrote so
 * far (stdout and stderr interleaved); `exited` resolves with its exit code.
 */
const start = (label, command, args, { cwd, env, echo = flags.verbose } = {}) => {
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] })
  live.add(child)
  groups.add(child)
  const chunks = []
  const stdout = []
  const take = (stream, sink) => (data) => {
    const text = data.toString()
    chunks.push(text)
    sink?.push(text)
    if (echo) stream.write(text.replace(/^(?=.)/gm, `  [${label}] `))
  }
  child.stdout.on("data", take(process.stdout, stdout))
  child.stderr.on("data", take(process.stderr))
  const exited = new Promise((done) => {
    child.once("error", (error) => {
      chunks.push(`\n${error.message}\n`)
      live.delete(child)
      done(-1)
    })
    child.once("exit", (code, signal) => {
      live.delete(child)
      // its last output may still be in the pipes: wait for them (unless something it left holds them)
      const result = code ?? (signal ? 128 : -1)
      const timer = setTimeout(() => done(result), 500)
      child.once("close", () => {
        clearTimeout(timer)
        done(result)
      })
    })
  })
  return { label, child, exited, output: () => chunks.join(""), stdout: () => stdout.join("") }
}

const tail = (text, lines = 80) => {
  const all = text.trimEnd().split("\n")
  return (all.length > lines ? [`… (${all.length - lines} earlier lines)`, ...all.slice(-lines)] : all).join("\n")
}

/** Runs a child to completion; a non-zero exit (or the timeout) fails the step with its output. */
const run = async (label, command, args, options = {}) => {
  const proc = start(label, command, args, options)
  const timeoutMillis = options.timeoutMillis ?? 10 * 60_000
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    killGroup(proc.child, "SIGKILL")
  }, timeoutMillis)
  const code = await proc.exited
  clearTimeout(timer)
  killGroup(proc.child, "SIGKILL") // whatever it left running
  if (code !== 0) {
    throw new StepError(
      `${label} ${timedOut ? `timed out after ${timeoutMillis / 1000} s` : `exited with ${code}`}: ${command} ${args.join(" ")}\n${tail(proc.output())}`
    )
  }
  return proc
}

// ---------------------------------------------------------------- helpers

const sleep = (millis) => new Promise((done) => setTimeout(done, millis))

const timings = []
const timed = async (name, body) => {
  const started = performance.now()
  process.stdout.write(`consumer: ${name} …\n`)
  let outcome = "failed after"
  try {
    const result = await body()
    outcome = "done in"
    return result
  } finally {
    const seconds = (performance.now() - started) / 1000
    timings.push([outcome === "done in" ? name : `${name} (failed)`, seconds])
    process.stdout.write(`consumer: ${name} ${outcome} ${seconds.toFixed(1)} s\n`)
  }
}

const freePort = () =>
  new Promise((done, fail) => {
    const server = createServer()
    server.once("error", fail)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address()
      server.close(() => done(port))
    })
  })

const check = (condition, message) => {
  if (!condition) throw new StepError(message)
}

/** Node <version> from the npm registry, cached the way .ci/run caches Node 24. */
const ensureNode = async (version) => {
  const dir = join(CACHE, `node-${version}`)
  const bin = join(dir, "node_modules", ".bin", "node")
  if (!existsSync(bin)) {
    console.log(`consumer: installing node ${version} from the npm registry into ${dir}`)
    await run(
      `npm install node@${version}`,
      "npm",
      ["install", "--no-save", "--no-audit", "--no-fund", "--cache", NPM_CACHE, "--prefix", dir, `node@${version}`],
      { env: baseEnv }
    )
  }
  const reported = spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim()
  check(reported === `v${version}`, `${bin} reports ${reported || "nothing"}, not v${version}`)
  return bin
}

const manifestOf = (tarball) => {
  const result = spawnSync("tar", ["-xzOf", tarball, "package/package.json"], { encoding: "utf8" })
  check(result.status === 0, `cannot read package/package.json from ${tarball}: ${result.stderr}`)
  return JSON.parse(result.stdout)
}

// ---------------------------------------------------------------- steps

const pack = async (work) => {
  if (flags.tarballs !== undefined) {
    const dir = resolve(flags.tarballs)
    return readdirSync(dir)
      .filter((name) => name.endsWith(".tgz"))
      .map((name) => join(dir, name))
  }
  const script = join(REPO, "scripts", "pack-all.mjs")
  check(existsSync(script), `${script} is missing: it packs every public package (node scripts/pack-all.mjs <dir>)`)
  const dir = join(work, "tarballs")
  mkdirSync(dir, { recursive: true })
  const proc = await run("pack-all", process.execPath, [script, dir], {
    cwd: REPO,
    env: baseEnv,
    timeoutMillis: 15 * 60_000
  })
  return proc
    .stdout()
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.endsWith(".tgz"))
    .map((line) => (isAbsolute(line) ? line : resolve(REPO, line)))
}

/** The fixture project in `dir`, with every tarball as a file: dependency and an override. */
const writeProject = (dir, packages) => {
  cpSync(FIXTURES, dir, { recursive: true })
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  manifest.overrides = {}
  for (const [name, { tarball }] of packages) {
    manifest.dependencies[name] = `file:${tarball}`
    manifest.overrides[name] = `$${name}`
  }
  manifest.dependencies = Object.fromEntries(
    Object.entries(manifest.dependencies).sort(([a], [b]) => a.localeCompare(b))
  )
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`)
  mkdirSync(join(dir, ".data"), { recursive: true })
}

/** Every @wedsync/* package in the lockfile was installed from one of the tarballs. */
const checkLockfile = (dir, packages) => {
  const lock = JSON.parse(readFileSync(join(dir, "package-lock.json"), "utf8"))
  const problems = []
  for (const [path, entry] of Object.entries(lock.packages ?? {})) {
    const match = /(?:^|\/)node_modules\/(@wedsync\/[^/]+)$/.exec(path)
    if (match === null) continue
    if (path !== `node_modules/${match[1]}`) problems.push(`${path}: a second copy (not deduplicated to the tarball)`)
    if (!packages.has(match[1])) problems.push(`${path}: not one of the packed packages`)
    else if (!String(entry.resolved ?? "").startsWith("file:"))
      problems.push(`${path}: resolved from ${entry.resolved}`)
  }
  for (const name of packages.keys()) {
    if (lock.packages?.[`node_modules/${name}`] === undefined) problems.push(`${name}: not installed`)
  }
  check(
    problems.length === 0,
    `the install did not take every @wedsync/* package from its tarball:\n  ${problems.join("\n  ")}`
  )
}

/** Starts the installed wedsync-sim; resolves with its control URL and `GET /` (URLs and credentials). */
const startSimulators = async (dir, nodeBin) => {
  const bin = join(dir, "node_modules", ".bin", "wedsync-sim")
  check(existsSync(bin), `${bin} is missing: @wedsync/testkit's "bin" did not install`)
  const sim = start("wedsync-sim", bin, ["--control-port", "0", "--seed", "7"], { cwd: dir, env: withNode(nodeBin) })
  const deadline = Date.now() + 30_000
  let controlUrl
  while (controlUrl === undefined) {
    controlUrl = /^\s*control\s+(http:\/\/\S+)/m.exec(sim.stdout())?.[1]
    if (controlUrl !== undefined) break
    if (sim.child.exitCode !== null || Date.now() > deadline) {
      throw new StepError(
        `wedsync-sim did not print its control URL (exit ${sim.child.exitCode}):\n${tail(sim.output())}`
      )
    }
    await sleep(100)
  }
  const response = await fetch(`${controlUrl}/`)
  check(response.ok, `GET ${controlUrl}/ answered ${response.status}`)
  const { providers } = await response.json()
  for (const name of ["stripe", "resend", "postmark", "twilio", "vonage"]) {
    check(
      providers?.[name]?.url && providers[name].credentials,
      `GET ${controlUrl}/ has no url and credentials for ${name}`
    )
    const printed = new RegExp(`^\\s*${name}\\s+(\\S+)`, "m").exec(sim.stdout())?.[1]
    check(
      printed === providers[name].url,
      `wedsync-sim printed ${printed} for ${name}, GET / says ${providers[name].url}`
    )
  }
  return { sim, controlUrl, providers }
}

/** The simulators as the environment wedsync.config.mjs reads. */
const simulatorEnv = (providers) => ({
  RESEND_BASE_URL: providers.resend.url,
  RESEND_API_KEY: providers.resend.credentials.apiKey,
  POSTMARK_BASE_URL: providers.postmark.url,
  POSTMARK_SERVER_TOKEN: providers.postmark.credentials.serverToken,
  TWILIO_BASE_URL: providers.twilio.url,
  TWILIO_ACCOUNT_SID: providers.twilio.credentials.accountSid,
  TWILIO_AUTH_TOKEN: providers.twilio.credentials.authToken,
  VONAGE_BASE_URL: providers.vonage.url,
  VONAGE_API_KEY: providers.vonage.credentials.apiKey,
  VONAGE_API_SECRET: providers.vonage.credentials.apiSecret,
  STRIPE_BASE_URL: providers.stripe.url,
  STRIPE_SECRET_KEY: providers.stripe.credentials.secretKey,
  STRIPE_WEBHOOK_SECRET: providers.stripe.credentials.webhookSecret
})

/** A payment_intent.succeeded event and its Stripe-Signature under `secret` (Stripe's scheme, by hand). */
const stripeDelivery = (secret) => {
  const now = Math.floor(Date.now() / 1000)
  const id = randomUUID().replaceAll("-", "")
  const body = JSON.stringify(
    {
      id: `evt_${id.slice(0, 24)}`,
      object: "event",
      api_version: "2025-03-31.basil",
      created: now,
      data: {
        object: {
          id: `pi_${id.slice(0, 24)}`,
          object: "payment_intent",
          amount: 180000,
          currency: "gbp",
          status: "succeeded",
          metadata: {},
          last_payment_error: null
        }
      },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: "payment_intent.succeeded"
    },
    null,
    2
  )
  const v1 = createHmac("sha256", secret).update(`${now}.${body}`, "utf8").digest("hex")
  return { body, signature: `t=${now},v1=${v1}` }
}

/** Builds and starts the Next.js app and calls its routes; fills `results` as it goes (what passed before a failure). */
const nextApp = async (dir, nodeBin, env, results) => {
  const next = join(dir, "node_modules", "next", "dist", "bin", "next")
  const nextEnv = withNode(nodeBin, {
    ...env,
    NEXT_TELEMETRY_DISABLED: "1",
    WEDSYNC_SQLITE: join(dir, ".data", "next.db")
  })
  const config = readFileSync(join(dir, "next.config.mjs"), "utf8")
  check(!/transpilePackages/.test(config.replace(/\/\/.*$/gm, "")), "next.config.mjs must not use transpilePackages")

  await timed("next build", () =>
    run("next build", nodeBin, [next, "build"], { cwd: dir, env: { ...nextEnv, NODE_ENV: "production" } })
  )
  results.built = true

  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const server = start("next start", nodeBin, [next, "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: dir,
    env: { ...nextEnv, NODE_ENV: "production" }
  })
  const fail = (message) => new StepError(`${message}\n--- next start output ---\n${tail(server.output())}`)
  await timed("next start + requests", async () => {
    const deadline = Date.now() + 60_000
    for (;;) {
      if (server.child.exitCode !== null) throw fail(`next start exited with ${server.child.exitCode}`)
      if (Date.now() > deadline) throw fail("next start did not answer within 60 s")
      const up = await fetch(`${base}/api/notify`, { method: "GET" }).then(
        () => true,
        () => false
      )
      if (up) break
      await sleep(250)
    }

    const notify = await fetch(`${base}/api/notify`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ idempotencyKey: `next-${randomUUID()}` })
    })
    const notifyBody = await notify.text()
    console.log(`consumer: POST /api/notify -> ${notify.status} ${notifyBody}`)
    if (notify.status !== 200) throw fail(`POST /api/notify answered ${notify.status}: ${notifyBody}`)
    const notified = JSON.parse(notifyBody)
    if (notified.ok !== true || notified.status !== "sent") throw fail(`POST /api/notify did not send: ${notifyBody}`)
    results.notify = `${notify.status} ${notified.status}`

    const hook = (signature) => {
      const delivery = stripeDelivery(env.STRIPE_WEBHOOK_SECRET)
      return fetch(`${base}/api/webhooks/stripe`, {
        method: "POST",
        headers: {
          "content-type": "application/json; charset=utf-8",
          ...(signature ? { "stripe-signature": signature(delivery) } : {})
        },
        body: delivery.body
      })
    }
    const statuses = []
    for (const [what, signature, expected] of [
      ["signed", (delivery) => delivery.signature, 200],
      [
        "wrongly signed",
        (delivery) => delivery.signature.replace(/v1=([0-9a-f])/, (_, c) => `v1=${c === "0" ? "1" : "0"}`),
        401
      ],
      ["unsigned", undefined, 401]
    ]) {
      const response = await hook(signature)
      const text = await response.text()
      console.log(`consumer: POST /api/webhooks/stripe (${what}) -> ${response.status} ${text.slice(0, 200)}`)
      if (response.status !== expected)
        throw fail(`POST /api/webhooks/stripe (${what}) answered ${response.status}, expected ${expected}: ${text}`)
      statuses.push(response.status)
    }
    results.webhook = statuses.join("/")
  })
}

/** How many emails the Resend and Postmark simulators accepted. */
const emailsSent = async (controlUrl) => {
  let count = 0
  for (const provider of ["resend", "postmark"]) {
    const ledger = await (await fetch(`${controlUrl}/providers/${provider}/ledger`)).json()
    count += (ledger.sideEffects ?? []).length
  }
  return count
}

// ---------------------------------------------------------------- main

const main = async () => {
  const started = performance.now()
  const work = mkdtempSync(join(tmpdir(), "wedsync-consumer-"))
  const project = join(work, "project")
  console.log(`consumer: working in ${work}`)
  let ok = false
  try {
    const [node22, node24] = await timed("node 22 and 24", () =>
      Promise.all([ensureNode(NODE_22), ensureNode(NODE_24)])
    )

    const tarballs = await timed("pack", () => pack(work))
    check(tarballs.length > 0, "no tarballs were packed")
    const packages = new Map()
    for (const tarball of tarballs) {
      check(existsSync(tarball), `pack-all printed ${tarball}, which does not exist`)
      const manifest = manifestOf(tarball)
      const workspaceRefs = Object.entries({ ...manifest.dependencies, ...manifest.peerDependencies }).filter(
        ([, spec]) => String(spec).startsWith("workspace:")
      )
      check(
        workspaceRefs.length === 0,
        `${tarball} still has workspace: dependencies: ${workspaceRefs.map(([n]) => n).join(", ")}`
      )
      packages.set(manifest.name, { tarball, manifest })
    }
    for (const [name, { manifest }] of packages) {
      for (const dep of Object.keys(manifest.dependencies ?? {})) {
        check(!dep.startsWith("@wedsync/") || packages.has(dep), `${name} depends on ${dep}, which was not packed`)
      }
    }
    console.log(`consumer: ${packages.size} tarballs: ${[...packages.keys()].join(", ")}`)

    writeProject(project, packages)
    await timed("npm install", () =>
      run(
        "npm install",
        "npm",
        ["install", "--no-audit", "--no-fund", "--prefer-offline", "--cache", NPM_CACHE, "--loglevel", "error"],
        { cwd: project, env: withNode(node24), timeoutMillis: 20 * 60_000 }
      )
    )
    checkLockfile(project, packages)

    const { controlUrl, providers } = await timed("wedsync-sim", async () => {
      // the installed bin on Node 22 (--help) and Node 24 (running the simulators)
      const help = await run("wedsync-sim --help", join(project, "node_modules", ".bin", "wedsync-sim"), ["--help"], {
        cwd: project,
        env: withNode(node22),
        timeoutMillis: 60_000
      })
      check(/--control-port/.test(help.output()), `wedsync-sim --help on Node 22 printed no usage:\n${help.output()}`)
      // @wedsync/ops's operator CLI, compiled, on both Nodes
      for (const node of [node22, node24]) {
        const cli = await run(
          "wedsync-integrations --help",
          join(project, "node_modules", ".bin", "wedsync-integrations"),
          ["--help"],
          { cwd: project, env: withNode(node), timeoutMillis: 60_000 }
        )
        check(/dead-letters/.test(cli.output()), `wedsync-integrations --help printed no commands:\n${cli.output()}`)
      }
      return startSimulators(project, node24)
    })
    const env = simulatorEnv(providers)

    // From here on each check runs even when an earlier one failed, so one run shows every failure.
    const failed = []
    const attempt = async (name, body) => {
      try {
        await timed(name, body)
        return true
      } catch (error) {
        if (!(error instanceof StepError)) throw error
        failed.push(name)
        console.error(`\nconsumer: FAILED: ${error.message}\n`)
        return false
      }
    }
    const summary = []
    let expectedEmails = 0
    for (const [version, nodeBin] of [
      [NODE_22, node22],
      [NODE_24, node24]
    ]) {
      const childEnv = withNode(nodeBin, { ...env, WEDSYNC_SQLITE: join(project, ".data", `smoke-${version}.db`) })
      const script = (file) => async () => {
        const proc = await run(`${file} (node ${version})`, nodeBin, [file], {
          cwd: project,
          env: childEnv,
          timeoutMillis: 120_000
        })
        process.stdout.write(proc.stdout())
      }
      const imported = await attempt(`node ${version}: imports`, script("imports.mjs"))
      const smoked = await attempt(`node ${version}: smoke`, script("smoke.mjs"))
      if (smoked) expectedEmails++
      const contracts = await attempt(`node ${version}: contracts`, script("contracts.mjs"))
      const bad = [imported ? [] : ["imports"], smoked ? [] : ["smoke"], contracts ? [] : ["contracts"]].flat()
      summary.push(`node ${version} ${bad.length === 0 ? "ok" : `FAILED (${bad.join(", ")})`}`)
    }

    if (flags["no-next"]) summary.push("next skipped (--no-next)")
    else {
      const results = {}
      await attempt("next", () => nextApp(project, node24, env, results))
      if (results.notify !== undefined) expectedEmails++
      summary.push(
        !results.built
          ? "next build FAILED"
          : `next build ok, next start: notify ${results.notify ?? "FAILED"}, webhook ${results.webhook ?? "FAILED"}`
      )
    }

    const sent = await emailsSent(controlUrl)
    summary.push(`${sent} emails at the simulators`)
    if (sent < expectedEmails) {
      failed.push("emails")
      console.error(`consumer: FAILED: the email simulators recorded ${sent} emails, expected ${expectedEmails}`)
    }

    const total = (performance.now() - started) / 1000
    console.log(`consumer: timings: ${timings.map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`).join(", ")}`)
    console.log(`consumer: ${summary.join(", ")}; total ${total.toFixed(1)} s`)
    if (failed.length > 0) {
      console.error(`consumer: FAILED: ${failed.join(", ")}`)
      process.exitCode = 1
      return
    }
    ok = true
  } catch (error) {
    console.error(`\nconsumer: FAILED: ${error instanceof StepError ? error.message : (error?.stack ?? error)}`)
    process.exitCode = 1
  } finally {
    const stopping = performance.now()
    await stopAll()
    if (ok && !flags.keep) rmSync(work, { recursive: true, force: true })
    else console.log(`consumer: the project is kept in ${project}`)
    console.log(`consumer: cleaned up in ${((performance.now() - stopping) / 1000).toFixed(1)} s`)
  }
}

await main()
