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

/** The wedding in an event's metadata, if a valid one is there. @internal */
export const weddingOf = (payload: unknown): typeof WeddingContext.Wedding.Encoded | undefined => {
  for (const metadata of metadataOf(payload)) {
    const weddingId = field(metadata, "weddingId", "wedding_id")
    const weddingDate = field(metadata, "weddingDate", "wedding_date")
    // Most events name no wedding: no decode (and no error built) for them.
    if (typeof weddingId !== "string" || typeof weddingDate !== "string") continue
    const candidate = { weddingId, weddingDate, vendorType: field(metadata, "vendorType", "vendor_type") ?? "unknown" }
    const decoded = decodeWedding(candidate)
    if (Result.isSuccess(decoded)) {
      return {
        weddingId: decoded.success.weddingId,
        weddingDate: decoded.success.weddingDate,
        vendorType: decoded.success.vendorType
      }
    }
  }
  return undefined
}
