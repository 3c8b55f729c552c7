/**
 * `impact` (the upcoming weddings an outage of a service, or one provider,
 * reaches, most urgent first) and `timeline` (a booking workflow's steps and
 * what was observed; admin API only).
 *
 * @internal
 */
import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { details, table, time } from "../render.ts"
import { service, show } from "./shared.ts"

/** `impact`. @internal */
export const impact = Command.make(
  "impact",
  {
    service: service("service").pipe(Flag.withDescription("The service that is down, e.g. sms")),
    provider: Flag.String("provider").pipe(
      Flag.withDescription("Only this provider is down, e.g. twilio"),
      Flag.optional
    )
  },
  (input) =>
    Effect.asVoid(
      show(
        (backend) => backend.impact(input.service, Option.getOrUndefined(input.provider)),
        (assessment) =>
          [
            `${assessment.service}${assessment.provider === undefined ? "" : `/${assessment.provider}`}: ${assessment.affected.length} weddings affected, ${assessment.weddingsToday} today`,
            table(assessment.affected, [
              ["WEDDING", (row) => row.weddingId],
              ["DATE", (row) => row.weddingDate],
              ["DAYS", (row) => row.daysAway],
              ["CRITICALITY", (row) => row.criticality],
              ["QUEUED", (row) => row.queued],
              ["DEAD", (row) => row.deadLettered],
              ["WHY", (row) => row.why]
            ])
          ].join("\n")
      )
    )
).pipe(Command.withDescription("Upcoming weddings an outage reaches, most urgent first"))

/** `timeline`. @internal */
export const timeline = Command.make(
  "timeline",
  { key: Argument.String("booking-key").pipe(Argument.withDescription("The workflow key, e.g. booking:b_1")) },
  (input) =>
    Effect.asVoid(
      show(
        (backend) => backend.workflow(input.key),
        (workflow) =>
          [
            details([["workflow", workflow.key]]),
            "steps:",
            ...workflow.steps.map(
              (step) =>
                `  ${step.index + 1}. ${step.name}: ${step.arrivedAt === undefined ? `waiting${step.dueAt === undefined ? "" : ` (due ${time(step.dueAt)})`}` : `arrived ${time(step.arrivedAt)}`}`
            ),
            "timeline:",
            table(workflow.timeline, [
              ["AT", (entry) => time(entry.at)],
              ["KIND", (entry) => entry.kind],
              ["PROVIDER", (entry) => entry.provider],
              ["OUTCOME", (entry) => entry.outcome],
              ["STEP", (entry) => entry.step]
            ])
          ].join("\n")
      )
    )
).pipe(Command.withDescription("A booking workflow's steps and timeline (admin API only)"))
