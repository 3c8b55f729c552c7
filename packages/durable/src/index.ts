/**
 * @wedsync/durable: durable work for WedSync integrations — the embedded
 * SQLite client, a batched SQL store for `PersistedQueue`, the outbox, dead
 * letters, and the SQL stores of the audit trail and operator overrides.
 * Knows no provider; SQL (SQLite or PostgreSQL) and Redis backends live here,
 * so `@wedsync/core` stays free of them.
 *
 * @since 0.1.0
 */
export * as Audit from "./Audit.ts"
export * as DeadLetters from "./DeadLetters.ts"
export * as Migrations from "./Migrations.ts"
export * as Outbox from "./Outbox.ts"
export * as Overrides from "./Overrides.ts"
export * as Postgres from "./Postgres.ts"
export * as QueueStore from "./QueueStore.ts"
export * as RedisConnection from "./RedisConnection.ts"
export * as Sqlite from "./Sqlite.ts"
export * as StaleReads from "./StaleReads.ts"
