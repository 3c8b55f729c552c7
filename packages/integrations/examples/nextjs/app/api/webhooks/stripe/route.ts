// app/api/webhooks/stripe/route.ts
import { integrations } from "@/lib/integrations"

export const runtime = "nodejs" // SQLite and the workers need Node.js, not the Edge runtime
export const POST = integrations.webhookHandler("stripe")
