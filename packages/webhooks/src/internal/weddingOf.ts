/**
 * The wedding an event belongs to, from its own metadata: the keys WedSync
 * puts on what it sends (`weddingId`, `weddingDate`, `vendorType`, or their
 * snake_case forms) in the places providers echo metadata back — the
 * payload's `metadata` / `Metadata`, and a Stripe event's
 * `data.object.metadata`. A date that is not a calendar date, or a missing
 * id, is no wedding: the event is still received, only not prioritised.
 *
 * @internal
 */
import { Result, Schema } from "effect"
import { WeddingContext } from "@wedsync/core"

const decodeWedding = Schema.decodeUnknownResult(WeddingContext.Wedding)

const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

const field = (record: Readonly<Record<string, unknown>>, camel: string, snake: string): unknown =>
  Object.hasOwn(record, camel) ? record[camel] : Object.hasOwn(record, snake) ? record[snake] : undefined

const metadataOf = (payload: unknown): ReadonlyArray<Readonly<Record<string, unknown>>> => {
  if (!isRecord(payload)) return []
  const found: Array<Readonly<Record<string, unknown>>> = []
  for (const key of ["metadata", "Metadata"]) {
    const value = payload[key]
    if (isRecord(value)) found.push(value)
  }
  const data = payload.data
  if (isRecord(data) && isRecord(data.object) && isRecord(data.object.metadata)) found.push(data.object.metadata)
  return found
}

type Found = typeof WeddingContext.Wedding.Encoded

// A wedding's events arrive many times over (every payment, every status):
// its metadata is decoded once and remembered, a bounded number of them.
const decoded = new Map<string, Found | null>()
const decodedSize = 1024

const known = (weddingId: string, weddingDate: string, vendorType: unknown): Found | undefined => {
  const key =
    typeof vendorType === "string"
      ? `${weddingId.length}:${weddingId}${weddingDate.length}:${weddingDate}${vendorType}`
      : undefined
  const cached = key === undefined ? undefined : decoded.get(key)
  if (cached !== undefined) return cached ?? undefined
  const result = decodeWedding({ weddingId, weddingDate, vendorType })
  // The decoded `Wedding` itself: the outbox takes it as it is, without decoding it again.
  const found = Result.isSuccess(result) ? result.success : undefined
  if (key !== undefined) {
    if (decoded.size >= decodedSize) decoded.clear()
    decoded.set(key, found ?? null)
  }
  return found
}

/** The wedding in an event's metadata, if a valid one is there. @internal */
export const weddingOf = (payload: unknown): typeof WeddingContext.Wedding.Encoded | undefined => {
  for (const metadata of metadataOf(payload)) {
    const weddingId = field(metadata, "weddingId", "wedding_id")
    const weddingDate = field(metadata, "weddingDate", "wedding_date")
    // Most events name no wedding: no decode (and no error built) for them.
    if (typeof weddingId !== "string" || typeof weddingDate !== "string") continue
    const vendorType = field(metadata, "vendorType", "vendor_type") ?? "unknown"
    const found = known(weddingId, weddingDate, vendorType)
    if (found !== undefined) return found
  }
  return undefined
}
