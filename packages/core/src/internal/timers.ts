/**
 * The longest a Node timer can wait: 2^31 - 1 ms (about 24.8 days). A longer
 * delay overflows and fires at once, so every timeout and delay is bounded by it.
 *
 * @internal
 */
export const MAX_TIMER_MILLIS = 2_147_483_647
