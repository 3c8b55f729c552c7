/**
 * SMS segment counting, done before any request so that an over-long message
 * fails as `InvalidRequest` instead of being billed as a dozen parts (or
 * refused by the carrier after the provider took it).
 *
 * A body that fits the GSM 03.38 alphabet (basic table, plus the extension
 * table whose characters take two septets) is sent as GSM-7: 160 septets in
 * one segment, 153 per part once concatenated. Anything else goes as UCS-2:
 * 70 UTF-16 units in one segment, 67 per part. A two-unit character (an
 * escape sequence or a surrogate pair) is never split across parts, as the
 * providers do it.
 */
import { Result } from "effect"
import { AdapterConfig, IntegrationError } from "@wedsync/core"

/** The GSM 03.38 basic character set (one septet each). */
const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)

/** The GSM 03.38 extension table (escape + character: two septets each). */
const GSM_EXTENSION = new Set("^{}\\[~]|€\f")

/** How a body is encoded and how many parts it takes. */
export interface Segments {
  readonly encoding: "GSM-7" | "UCS-2"
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  readonly units: number
  readonly segments: number
}

/** Per-segment capacities: a single message, and each part of a concatenated one. */
const LIMITS = {
  "GSM-7": { single: 160, part: 153 },
  "UCS-2": { single: 70, part: 67 }
} as const

const isGsm = (body: string): boolean => {
  for (const character of body) {
    if (!GSM_BASIC.has(character) && !GSM_EXTENSION.has(character)) return false
  }
  return true
}

/**
 * Counts the segments a body takes.
 *
 * @example
 * ```ts
 * segments("Hi!")        // { encoding: "GSM-7", units: 3, segments: 1 }
 * segments("x".repeat(161)) // { encoding: "GSM-7", units: 161, segments: 2 }
 * segments("💍 yes")     // { encoding: "UCS-2", units: 6, segments: 1 }
 * ```
 */
export const segments = (body: string): Segments => {
  const encoding = isGsm(body) ? "GSM-7" : "UCS-2"
  const costs: Array<number> = []
  for (const character of body) {
    costs.push(encoding === "GSM-7" ? (GSM_EXTENSION.has(character) ? 2 : 1) : character.length)
  }
  const units = costs.reduce((sum, cost) => sum + cost, 0)
  const limit = LIMITS[encoding]
  if (units <= limit.single) return { encoding, units, segments: units === 0 ? 0 : 1 }
  let parts = 1
  let used = 0
  for (const cost of costs) {
    if (used + cost > limit.part) {
      parts += 1
      used = 0
    }
    used += cost
  }
  return { encoding, units, segments: parts }
}

/** The most segments a message may take unless the layer's options say otherwise. */
export const DEFAULT_MAX_SEGMENTS = 10

/**
 * Fails a body that would take more than `maxSegments` parts, before any
 * request: `InvalidRequest` on field `body`, which no provider would take
 * either (so it does not fail over).
 */
export const check = (
  provider: string,
  body: string,
  maxSegments: number
): IntegrationError.IntegrationError | undefined => {
  const counted = segments(body)
  if (counted.segments <= maxSegments) return undefined
  return IntegrationError.make(
    provider,
    "send",
    new IntegrationError.InvalidRequest({
      field: "body",
      description: `message takes ${counted.segments} ${counted.encoding} segments (${counted.units} units), more than the ${maxSegments} allowed`
    })
  )
}

/**
 * The `maxSegments` option checked: a whole number of at least one, else the
 * `Misconfigured` error naming it (a NaN or zero limit would refuse every body).
 */
export const checkMax = (provider: string, value: number | undefined): AdapterConfig.Check<number> => {
  const max = value ?? DEFAULT_MAX_SEGMENTS
  return Number.isSafeInteger(max) && max >= 1
    ? Result.succeed(max)
    : Result.fail(AdapterConfig.misconfigured(provider, "maxSegments", `is ${max}: give a whole number of at least 1`))
}
