/**
 * Which IP addresses an outbound webhook may reach: a pure decision over one
 * address, read from ipaddr.js's range classification plus a short explicit
 * list, with an operator allowlist that overrides both.
 *
 * Anything ipaddr.js does not call `"unicast"` is blocked. IPv6 forms that
 * carry an IPv4 address the kernel or a translator would reach (IPv4-mapped
 * `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d`, NAT64 `64:ff9b::/96`)
 * are judged by that IPv4 address; forms that tunnel somewhere we cannot see
 * (6to4, Teredo, local-use NAT64, deprecated IPv4-compatible `::a.b.c.d`) are
 * blocked whatever they embed.
 *
 * @internal
 */
import ipaddr from "ipaddr.js"

type Address = ipaddr.IPv4 | ipaddr.IPv6

/** A parsed allowlist: CIDR blocks and exact hostnames. @internal */
export interface Allowlist {
  readonly blocks: ReadonlyArray<readonly [Address, number]>
  readonly hosts: ReadonlySet<string>
}

/** Why an address is refused: the name of the range it fell in. @internal */
export interface Verdict {
  readonly address: string
  readonly range: string
}

// Cloud metadata services. Most already sit in a blocked range (link-local,
// unique-local, CGNAT); listed anyway so the error names them and an
// allowlist of the wider range does not open them.
const METADATA: ReadonlyArray<string> = [
  "169.254.169.254", // AWS, GCP, Azure, OpenStack
  "169.254.170.2", // AWS ECS task metadata
  "168.63.129.16", // Azure wire server: a public address
  "100.100.100.200", // Alibaba Cloud
  "fd00:ec2::254" // AWS over IPv6
]
const metadata: ReadonlySet<string> = new Set(METADATA.map((address) => ipaddr.parse(address).toNormalizedString()))

// IPv6 ranges whose last 32 bits are an IPv4 address a packet ends up at.
const EMBEDDING: ReadonlySet<string> = new Set(["ipv4Mapped", "rfc6145", "rfc6052"])
const nat64 = ipaddr.IPv6.parseCIDR("64:ff9b::/96")
const ipv4Compatible = ipaddr.IPv6.parseCIDR("::/96")

const embeddedIPv4 = (address: ipaddr.IPv6): ipaddr.IPv4 => {
  const high = address.parts[6] ?? 0
  const low = address.parts[7] ?? 0
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff])
}

const isMetadata = (address: Address): boolean => metadata.has(address.toNormalizedString())

const allowed = (address: Address, allow: Allowlist): boolean =>
  allow.blocks.some(([block, bits]) => block.kind() === address.kind() && address.match(block, bits))

const classifyIPv4 = (address: ipaddr.IPv4, allow: Allowlist): string | undefined => {
  if (isMetadata(address)) return "cloudMetadata"
  if (allowed(address, allow)) return undefined
  const range = address.range()
  return range === "unicast" ? undefined : range
}

const classifyIPv6 = (address: ipaddr.IPv6, allow: Allowlist): string | undefined => {
  if (isMetadata(address)) return "cloudMetadata"
  const range = address.range()
  // Only the /96 NAT64 prefix holds the address in its last 32 bits; the local-use /48 does not.
  const embeds = EMBEDDING.has(range) && (range !== "rfc6052" || address.match(nat64))
  if (embeds) {
    const inner = classifyIPv4(embeddedIPv4(address), allow)
    return inner === undefined ? undefined : `${range}(${inner})`
  }
  if (allowed(address, allow)) return undefined
  if (range === "unicast" && address.match(ipv4Compatible)) return "ipv4Compatible"
  return range === "unicast" ? undefined : range
}

const everything: Allowlist = {
  blocks: [ipaddr.parseCIDR("0.0.0.0/0"), ipaddr.parseCIDR("::/0")],
  hosts: new Set()
}

/**
 * The range that blocks `address` (a literal IPv4 or IPv6 address without
 * brackets), or `undefined` when it may be reached. A string that is not an
 * address is blocked as `"invalid"`. For a host allowlisted by name
 * (`trustedHost`) only cloud metadata is still refused.
 *
 * @internal
 */
export const verdict = (address: string, allow: Allowlist, trustedHost = false): Verdict | undefined => {
  if (!ipaddr.isValid(address)) return { address, range: "invalid" }
  const parsed = ipaddr.parse(address)
  const policy = trustedHost ? everything : allow
  const range =
    parsed.kind() === "ipv4" ? classifyIPv4(parsed as ipaddr.IPv4, policy) : classifyIPv6(parsed as ipaddr.IPv6, policy)
  return range === undefined ? undefined : { address, range }
}

/** Whether `host` (a URL's hostname, brackets removed) is an IP literal. @internal */
export const isAddress = (host: string): boolean =>
  ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host)

/** `[::1]` → `::1`: the URL's hostname as an address or a name. @internal */
export const unbracket = (hostname: string): string =>
  hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname

const normalHost = (host: string): string => host.toLowerCase().replace(/\.$/, "")

/**
 * Parses allowlist entries: CIDR blocks (`"10.1.0.0/16"`, `"::1/128"`), bare
 * addresses (one address) and hostnames (trusted whatever they resolve to).
 * Throws on an entry that is none of these: a typo must not widen or silently
 * narrow the list.
 *
 * @internal
 */
export const parseAllowlist = (entries: ReadonlyArray<string>): Allowlist => {
  const blocks: Array<readonly [Address, number]> = []
  const hosts = new Set<string>()
  for (const entry of entries) {
    const text = entry.trim()
    if (ipaddr.isValidCIDR(text)) blocks.push(ipaddr.parseCIDR(text))
    else if (ipaddr.isValid(text)) {
      const address = ipaddr.parse(text)
      blocks.push([address, address.kind() === "ipv4" ? 32 : 128])
    } else if (/^[a-z0-9.-]+$/i.test(text) && !/^[0-9.]+$/.test(text)) hosts.add(normalHost(text))
    else throw new TypeError(`SsrfGuard: not a CIDR, address or hostname in allow: ${JSON.stringify(entry)}`)
  }
  return { blocks, hosts }
}

/** Whether a hostname is allowlisted by name. @internal */
export const hostAllowed = (host: string, allow: Allowlist): boolean => allow.hosts.has(normalHost(host))
