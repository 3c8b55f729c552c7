/**
 * One runtime per process per name, kept on `globalThis` under a
 * `Symbol.for` key: Next.js dev re-evaluates modules on every change, and a
 * module-level `createIntegrations(...)` must then find the runtime it
 * already built (one SQLite handle, one set of workers) instead of opening a
 * second. The same configuration under the same name is the same entry (its
 * webhook handlers replaced by the newest functions); a different one closes
 * the old entry, and the new one waits for that close before it starts.
 *
 * @internal
 */
import { Layer, ManagedRuntime } from "effect"
import * as Inbound from "@wedsync/webhooks/Inbound"
import type { WebhookProvider } from "../Options.ts"
import type { Checked } from "./config.ts"
import * as Layers from "./layers.ts"
import type * as WebhookJobs from "./webhookJobs.ts"

const KEY = Symbol.for("@wedsync/integrations/registry")

type Runtime = ManagedRuntime.ManagedRuntime<Layers.Services, unknown>

/** A name's runtime and what hangs off it; `F` is the facade the caller builds over it. @internal */
export class Entry<F = unknown> {
  runtime: Runtime
  readonly facade: F
  handlers: WebhookJobs.Handlers
  closed = false
  private readonly receivers = new Map<WebhookProvider, ReturnType<typeof Inbound.webHandler>>()
  private closing: Promise<void> | undefined

  readonly checked: Checked
  /** The close of the entry this one replaced: nothing starts before it is done. */
  readonly previous: Promise<void>

  constructor(checked: Checked, previous: Promise<void>, facadeOf: (entry: Entry<F>) => F) {
    this.checked = checked
    this.previous = previous
    this.handlers = checked.handlers
    this.runtime = this.fresh()
    this.facade = facadeOf(this)
  }

  private fresh(): Runtime {
    return ManagedRuntime.make(Layers.make(this.checked, () => this.handlers))
  }

  /** Builds the runtime (once); a build that failed is forgotten, so the next call tries again. */
  async context(): Promise<void> {
    await this.previous
    const runtime = this.runtime
    try {
      await runtime.context()
    } catch (cause) {
      if (this.runtime === runtime && !this.closed) {
        this.runtime = this.fresh()
        await runtime.dispose().catch(() => undefined)
      }
      throw cause
    }
  }

  /**
   * The webhook receiver of one source, built once the runtime is up, over
   * the runtime's own inbox (one store handle for everything). Rejects when
   * the runtime cannot start.
   */
  async receiver(provider: WebhookProvider): Promise<ReturnType<typeof Inbound.webHandler> | undefined> {
    const built = this.checked.sources[provider]
    if (built === undefined) return undefined
    await this.context()
    const services = await this.runtime.context()
    // closed while starting: a receiver made now would outlive the store it writes to
    if (this.closed) return undefined
    const existing = this.receivers.get(provider)
    if (existing !== undefined) return existing
    const receiver = Inbound.webHandler(built.source, Layer.succeedContext(services), built.options)
    this.receivers.set(provider, receiver)
    return receiver
  }

  /** Closes the receivers, then the runtime (workers stop, the store closes). Idempotent. */
  close(): Promise<void> {
    this.closed = true
    this.closing ??= (async () => {
      await Promise.all([...this.receivers.values()].map((receiver) => receiver.dispose().catch(() => undefined)))
      this.receivers.clear()
      await this.previous
      await this.runtime.dispose()
    })()
    return this.closing
  }
}

/** The per-process registry. @internal */
export const registry = (): Map<string, Entry> => {
  const global = globalThis as { [KEY]?: Map<string, Entry> }
  global[KEY] ??= new Map()
  return global[KEY]
}
