// app/api/deposits/route.ts
import { integrations } from "@/lib/integrations"

export async function POST(request: Request) {
  const { bookingId, amount, customer, paymentMethod } = await request.json()
  const result = await integrations.pay({
    bookingId,
    instalment: "deposit",
    amount,
    currency: "gbp",
    customer,
    paymentMethod
  })
  if (!result.ok) return Response.json(result, { status: result.reason === "Rejected" ? 402 : 422 })
  return Response.json(result, { status: result.status === "charged" ? 200 : 202 })
}
