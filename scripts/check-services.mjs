// Checks that PostgreSQL and Redis answer at DATABASE_URL / REDIS_URL before the
// tests run. In CI (CI=true) a missing service is a failure, never a skip;
// locally it is a warning and the integration tests skip themselves.
import net from "node:net"

const targets = [
  ["PostgreSQL", process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test", 5432],
  ["Redis", process.env.REDIS_URL ?? "redis://127.0.0.1:6379", 6379]
]
const strict = process.env.CI === "true" || process.env.CI === "1"

const probe = (host, port) =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3000 })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("timeout", () => {
      socket.destroy()
      resolve(false)
    })
    socket.once("error", () => resolve(false))
  })

let missing = 0
for (const [name, url, defaultPort] of targets) {
  const parsed = new URL(url)
  const port = Number(parsed.port || defaultPort)
  const ok = await probe(parsed.hostname, port)
  console.log(`${name} at ${parsed.hostname}:${port}: ${ok ? "answers" : "NOT reachable"}`)
  if (!ok) missing++
}
if (missing > 0 && strict) {
  console.error("CI=true: a required service is missing; failing instead of skipping its tests")
  process.exit(1)
}
