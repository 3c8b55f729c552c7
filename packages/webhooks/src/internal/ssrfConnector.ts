/**
 * The undici connector behind the SSRF guard: the check happens where the
 * socket is opened, on the addresses the socket is opened to.
 *
 * - A name is resolved by the guard's own `lookup`, handed to `net.connect` /
 *   `tls.connect`: every address of the answer is checked, any blocked one
 *   refuses the connection, and Node connects only to the addresses that
 *   lookup returned. There is no second resolution between the check and the
 *   connect for a rebinding DNS server to answer differently.
 * - Node skips `lookup` for IP literals, so they are checked here first.
 * - Once connected, the socket's `remoteAddress` is checked again before
 *   undici writes a byte (defence in depth, should Node ever connect
 *   elsewhere).
 *
 * The connector is called with the URL's own hostname, so the `Host` header
 * (written by undici from the origin) and the TLS SNI and certificate check
 * (`servername`, derived from the host) stay those of the vendor's URL.
 *
 * @internal
 */
import * as dns from "node:dns"
import type { LookupFunction } from "node:net"
import { buildConnector } from "undici"
import { SsrfBlocked } from "./ssrfError.ts"
import { type Allowlist, hostAllowed, isAddress, unbracket, verdict } from "./ssrfRanges.ts"

/** One address of a name. @internal */
export interface ResolvedAddress {
  readonly address: string
  readonly family: 4 | 6
}

/** Resolves a name to all its addresses. @internal */
export type Resolver = (hostname: string) => Promise<ReadonlyArray<ResolvedAddress>>

/** `dns.lookup` with every address, in the resolver's order. @internal */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await dns.promises.lookup(hostname, { all: true, order: "verbatim" })
  return answers.map((answer) => ({ address: answer.address, family: answer.family === 6 ? 6 : 4 }))
}

const notFound = (hostname: string) =>
  Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname })

/** The first blocked address of an answer, as the guard's error. @internal */
export const refusal = (
  host: string,
  addresses: ReadonlyArray<ResolvedAddress>,
  allow: Allowlist
): SsrfBlocked | undefined => {
  const trusted = hostAllowed(host, allow)
  for (const { address } of addresses) {
    const blocked = verdict(address, allow, trusted)
    if (blocked !== undefined) return new SsrfBlocked({ rule: "address", host, ...blocked })
  }
  return undefined
}

const guardedLookup =
  (resolve: Resolver, allow: Allowlist): LookupFunction =>
  (hostname, options, callback) => {
    resolve(hostname).then(
      (answer) => {
        const blocked = refusal(hostname, answer, allow)
        if (blocked !== undefined) return callback(blocked, "")
        const family = options.family === 4 || options.family === 6 ? options.family : undefined
        const usable = family === undefined ? answer : answer.filter((entry) => entry.family === family)
        const first = usable[0]
        if (first === undefined) return callback(notFound(hostname), "")
        if (options.all === true)
          return callback(
            null,
            usable.map(({ address, family }) => ({ address, family }))
          )
        return callback(null, first.address, first.family)
      },
      (error: unknown) => callback(error instanceof Error ? error : notFound(hostname), "")
    )
  }

/**
 * A connector that refuses blocked destinations, built on undici's own
 * (`buildConnector`, so TLS, keep-alive and the connect timeout are undici's).
 *
 * @internal
 */
export const make = (
  allow: Allowlist,
  resolve: Resolver,
  options: buildConnector.BuildOptions
): buildConnector.connector => {
  const base = buildConnector({ ...options, lookup: guardedLookup(resolve, allow) })
  return (connectOptions, callback) => {
    const host = unbracket(connectOptions.hostname)
    const trusted = hostAllowed(host, allow)
    if (isAddress(host)) {
      const blocked = verdict(host, allow, trusted)
      if (blocked !== undefined) return callback(new SsrfBlocked({ rule: "address", host, ...blocked }), null)
    }
    return base(connectOptions, (error, socket) => {
      if (error !== null) return callback(error, null)
      const remote = socket.remoteAddress
      const blocked = remote === undefined ? undefined : verdict(remote, allow, trusted)
      if (blocked === undefined) return callback(null, socket)
      socket.destroy()
      return callback(new SsrfBlocked({ rule: "address", host, ...blocked }), null)
    })
  }
}
