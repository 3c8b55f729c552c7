/**
 * Bad input: secrets in a job's payload, where they do not belong. The secrets
 * suite on SQLite (the outbox on `QueueStore.layerSql`, dead letters and audit
 * in SQL, one in-memory database): after a job carrying generated secrets is
 * dead-lettered, replayed and purged, no secret is left in any row of any
 * table. PostgreSQL and Redis run the same suite in Secrets.integration.test.ts.
 */
import * as Sqlite from "../src/Sqlite.ts"
import { secretsSuite, sqlStore } from "./SecretsSuite.ts"

secretsSuite(
  "SQLite",
  sqlStore(() => Sqlite.layerMemory),
  100
)
