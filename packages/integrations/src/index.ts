/**
 * @wedsync/integrations: WedSync's integrations behind Promises, for
 * async/await services (Next.js, Supabase) that do not use Effect. Build
 * once with {@link createIntegrations}, then `notify`, `pay`, and
 * `webhookHandler(provider)` as a route handler; failures come back as
 * results with `ok`, `reason`, `family` and `attempts`.
 *
 * @example
 * ```ts
 * import { createIntegrations } from "@wedsync/integrations"
 *
 * export const integrations = createIntegrations({ store: { sqlite: "./.data/wedsync.db" }, stripe: { secretKey } })
 * ```
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Integrations from "./Integrations.ts"
/** @since 0.1.0 */
export * as Options from "./Options.ts"
/** @since 0.1.0 */
export * as Results from "./Results.ts"

export { ClosedError, createIntegrations, StartError } from "./Integrations.ts"
export { ConfigError } from "./Options.ts"
