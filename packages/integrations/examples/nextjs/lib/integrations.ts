// lib/integrations.ts: built once per process, and found again after a hot reload
import { createIntegrations } from "@wedsync/integrations"
import { confirmDeposit } from "@/lib/bookings"

export const integrations = createIntegrations({
  store: { sqlite: process.env.WEDSYNC_SQLITE ?? "./.data/wedsync.db" },
  email: {
    from: "WedSync <reminders@wedsync.example>",
    resend: { apiKey: process.env.RESEND_API_KEY ?? "", baseUrl: process.env.RESEND_BASE_URL },
    postmark: { serverToken: process.env.POSTMARK_SERVER_TOKEN ?? "", baseUrl: process.env.POSTMARK_BASE_URL }
  },
  sms: {
    from: "+15005550006",
    twilio: {
      accountSid: process.env.TWILIO_ACCOUNT_SID ?? "",
      authToken: process.env.TWILIO_AUTH_TOKEN ?? "",
      baseUrl: process.env.TWILIO_BASE_URL
    }
  },
  stripe: { secretKey: process.env.STRIPE_SECRET_KEY ?? "", baseUrl: process.env.STRIPE_BASE_URL },
  webhooks: {
    stripe: {
      secrets: [process.env.STRIPE_WEBHOOK_SECRET ?? ""],
      on: {
        // runs after the 200, on the workers; a throw is retried later
        "payment_intent.succeeded": async (event) => {
          await confirmDeposit(event.payload as { data: { object: { id: string } } })
        }
      }
    }
  }
})
