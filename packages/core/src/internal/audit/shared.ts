/**
 * What the audit stores share: ids, the JSON form of details, the list limit.
 *
 * @internal
 */
import { randomUUID } from "node:crypto"
import { redact } from "../../Redaction.ts"

/** A new audit entry id. @internal */
export const newId = (): string => `audit_${randomUUID()}`

/** `details` as the JSON data a store keeps: redacted, `undefined` when there is nothing to keep. @internal */
export const toJson = (details: unknown): unknown => {
  if (details === undefined) return undefined
  const json = JSON.stringify(redact(details))
  return json === undefined ? undefined : (JSON.parse(json) as unknown)
}

/** The number of entries `list` returns: 100 by default, at most 1000. @internal */
export const clampLimit = (limit: number | undefined): number =>
  limit === undefined || !Number.isFinite(limit) ? 100 : Math.min(1000, Math.max(1, Math.floor(limit)))
