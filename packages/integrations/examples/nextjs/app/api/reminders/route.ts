// app/api/reminders/route.ts
import { integrations } from "@/lib/integrations"

export async function POST(request: Request) {
  const { weddingId, email, phone } = await request.json()
  const result = await integrations.notify({
    to: { email, phone },
    message: { subject: "Your tasting is tomorrow", text: "See you at 3 pm at Villa Rosa." },
    channels: ["sms", "email"],
    idempotencyKey: `reminder:${weddingId}:tasting`
  })
  if (result.ok) return Response.json(result, { status: result.status === "sent" ? 200 : 202 })
  // a refusal the caller must fix (a bad address) is theirs; anything else is ours
  return Response.json(result, { status: result.family === "request" ? 422 : 503 })
}
