/**
 * The bad-input suite of the `sim` command: a stray `--`, unknown flags, bad
 * values, a port in use and an older Node each give one line on stderr and
 * exit code 2, never a stack trace; `--help` prints the usage and exits 0.
 * Each case runs `node src/bin/sim.ts` as a user would.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { once } from "node:events"
import { createServer } from "node:net"
import { fileURLToPath } from "node:url"
import { describe, it } from "vitest"

const bin = fileURLToPath(new URL("../src/bin/sim.ts", import.meta.url))

const sim = async (args: ReadonlyArray<string>, nodeArgs: ReadonlyArray<string> = []) => {
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, bin, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 15_000
  })
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8")
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8")
  })
  const [code] = (await once(child, "exit")) as [number | null]
  return { code, stdout, stderr }
}

describe.concurrent("the sim command", () => {
  const flags = "the flags are --seed N, --control-port N, --webhook-url URL, --body-limit BYTES, --help"
  const cases: ReadonlyArray<readonly [ReadonlyArray<string>, string]> = [
    [
      ["--", "--seed", "7"],
      'sim: unexpected "--": pnpm passes it on as it is, so give the flags without it (pnpm --filter @wedsync/testkit sim --seed 7)'
    ],
    [["--sede", "7"], `sim: unknown flag --sede; ${flags}`],
    [
      ["--control-port", "70000"],
      "sim: --control-port must be a whole number from 0 to 65535 (0 picks a free port), got 70000"
    ],
    [
      ["--control-port", "http"],
      'sim: --control-port must be a whole number from 0 to 65535 (0 picks a free port), got "http"'
    ],
    [["--seed"], "sim: --seed needs a value, e.g. --seed 7"],
    [["--webhook-url", "file:///tmp/x"], 'sim: --webhook-url must be an http:// or https:// URL, got "file:///tmp/x"']
  ]
  for (const [args, line] of cases) {
    it(`answers ${args.join(" ")} with one line and exit code 2`, async ({ expect }) => {
      expect(await sim(args)).toEqual({ code: 2, stdout: "", stderr: `${line}\n` })
    })
  }

  it("answers a control port in use with one line and exit code 2", async ({ expect }) => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve))
    const { port } = blocker.address() as { port: number }
    try {
      expect(await sim(["--control-port", String(port)])).toEqual({
        code: 2,
        stdout: "",
        stderr: `sim: port ${port} is already in use; stop what listens there or pick another with --control-port N (0 picks a free port)\n`
      })
    } finally {
      await new Promise((resolve) => blocker.close(resolve))
    }
  })

  it("prints its usage for --help and exits 0", async ({ expect }) => {
    const { code, stdout, stderr } = await sim(["--help"])
    expect([code, stderr]).toEqual([0, ""])
    expect(stdout).toMatch(/^Usage: pnpm --filter @wedsync\/testkit sim \[flags\]\n/)
    expect(stdout).toContain("--body-limit BYTES")
    expect(stdout).toContain("Exit codes: 0 stopped or --help; 2 a bad flag or a port that cannot be used")
  })

  it("says which Node it needs on an older one, before importing anything else", async ({ expect }) => {
    const older =
      'data:text/javascript,Object.defineProperty(process.versions,"node",{value:"22.18.0"});Object.defineProperty(process,"version",{value:"v22.18.0"})'
    expect(await sim(["--control-port", "0"], ["--import", older])).toEqual({
      code: 2,
      stdout: "",
      stderr: "Node 22.19 or newer is required (this is v22.18.0)\n"
    })
  })
})
