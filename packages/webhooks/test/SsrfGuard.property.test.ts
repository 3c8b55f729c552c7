/**
 * The guard's address decision as properties over random addresses, against
 * two independent oracles: ipaddr.js's own `range()` (anything but
 * `"unicast"` is blocked, plus the metadata list), and hand-written CIDR
 * arithmetic for the private ranges (never allowed, in any IPv6 disguise).
 */
import fc from "fast-check"
import ipaddr from "ipaddr.js"
import { describe, expect, it } from "vitest"
import { SsrfGuard } from "../src/index.ts"

const METADATA = new Set(["169.254.169.254", "169.254.170.2", "168.63.129.16", "100.100.100.200"])
const EMBEDDING = new Set(["ipv4Mapped", "rfc6145"])

const octets = (address: string) => address.split(".").map(Number) as [number, number, number, number]
const hex = (address: string) => {
  const [a, b, c, d] = octets(address)
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
}

// Private, loopback, link-local, CGNAT, unspecified, multicast and reserved IPv4, by arithmetic on the first octets.
const internalIPv4 = fc.oneof(
  fc.tuple(fc.constant(10), fc.nat(255), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(192), fc.constant(168), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(127), fc.nat(255), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(169), fc.constant(254), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(100), fc.integer({ min: 64, max: 127 }), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.constant(0), fc.nat(255), fc.nat(255), fc.nat(255)),
  fc.tuple(fc.integer({ min: 224, max: 255 }), fc.nat(255), fc.nat(255), fc.nat(255))
)

describe("SsrfGuard.blockedRange: properties", () => {
  it("blocks an IPv4 address exactly when ipaddr.js does not call it unicast, or it is a metadata address", () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        const expected = METADATA.has(address) || ipaddr.parse(address).range() !== "unicast"
        expect(SsrfGuard.blockedRange(address) !== undefined).toBe(expected)
      }),
      { numRuns: 5000 }
    )
  })

  it("blocks an IPv6 address ipaddr.js does not call unicast, judging IPv4-in-IPv6 by its IPv4", () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const parsed = ipaddr.IPv6.parse(address)
        const range = parsed.range()
        const blocked = SsrfGuard.blockedRange(address) !== undefined
        if (EMBEDDING.has(range)) {
          const parts = parsed.parts
          const inner = `${(parts[6] ?? 0) >> 8}.${(parts[6] ?? 0) & 255}.${(parts[7] ?? 0) >> 8}.${(parts[7] ?? 0) & 255}`
          expect(blocked).toBe(SsrfGuard.blockedRange(inner) !== undefined)
        } else if (range !== "unicast") {
          // NAT64 (rfc6052) is the one other embedding; its /96 is judged by the IPv4 too, checked below
          if (range !== "rfc6052") expect(blocked).toBe(true)
        } else {
          // IPv4-compatible (::/96) is the only unicast space blocked
          expect(blocked).toBe(parsed.match(ipaddr.IPv6.parseCIDR("::/96")))
        }
      }),
      { numRuns: 5000 }
    )
  })

  it("never allows an internal IPv4 address, plain or disguised in IPv6", () => {
    fc.assert(
      fc.property(internalIPv4, (parts) => {
        const address = parts.join(".")
        for (const form of [
          address,
          `::ffff:${address}`,
          `::ffff:${hex(address)}`,
          `::ffff:0:${address}`,
          `64:ff9b::${address}`,
          `64:ff9b::${hex(address)}`,
          `::${address}`,
          `2002:${hex(address)}::1`
        ]) {
          expect(SsrfGuard.blockedRange(form), form).toBeDefined()
        }
      }),
      { numRuns: 3000 }
    )
  })

  it("allows a public IPv4 address in its mapped and NAT64 forms, as it allows the address", () => {
    const publicIPv4 = fc.ipV4().filter((address) => SsrfGuard.blockedRange(address) === undefined)
    fc.assert(
      fc.property(publicIPv4, (address) => {
        for (const form of [`::ffff:${address}`, `64:ff9b::${hex(address)}`, `::ffff:0:${address}`]) {
          expect(SsrfGuard.blockedRange(form), form).toBeUndefined()
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("lets an allowlist open only what it covers", () => {
    fc.assert(
      fc.property(internalIPv4, fc.integer({ min: 8, max: 32 }), (parts, bits) => {
        const address = parts.join(".")
        const block = `${ipaddr.IPv4.networkAddressFromCIDR(`${address}/${bits}`).toString()}/${bits}`
        const allowed = SsrfGuard.blockedRange(address, { allow: [block] })
        expect(allowed).toBe(METADATA.has(address) ? "cloudMetadata" : undefined)
        // the neighbour just outside the block stays blocked when it is internal too
        const outside = ipaddr.IPv4.broadcastAddressFromCIDR(`${address}/${bits}`).toByteArray()
        const next = ipaddr.fromByteArray(outside.map((octet, index) => (index === 3 ? (octet + 1) % 256 : octet)))
        if (bits > 8 && !next.match(ipaddr.IPv4.parseCIDR(block)) && next.range() !== "unicast") {
          expect(SsrfGuard.blockedRange(next.toString(), { allow: [block] })).toBeDefined()
        }
      }),
      { numRuns: 2000 }
    )
  })

  it("names public addresses allowed and the examples' ranges", () => {
    expect(SsrfGuard.blockedRange("93.184.215.14")).toBeUndefined()
    expect(SsrfGuard.blockedRange("2606:4700:4700::1111")).toBeUndefined()
    expect(SsrfGuard.blockedRange("[::ffff:7f00:1]")).toBe("ipv4Mapped(loopback)")
    expect(SsrfGuard.blockedRange("10.1.2.3")).toBe("private")
    expect(SsrfGuard.blockedRange("not-an-address")).toBe("invalid")
  })
})
