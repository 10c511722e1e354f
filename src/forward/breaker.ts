// FORWARD: the circuit breaker of a destination. After `threshold` deliveries in a row found it down
// (no answer in time, a refused connection, 5xx, 429), nothing is sent for a cool-down (30 s,
// doubling at each failed probe up to 10 min); then one delivery, the probe, decides: success closes
// the breaker, failure opens it again. Jobs wait meanwhile, due: nothing is dropped. Pure.
import type { BreakerState } from "../store/destinations.ts";

export const breakerThreshold = 5;
export const minCoolDownMs = 30_000;
export const maxCoolDownMs = 10 * 60_000;

export const closedBreaker: BreakerState = Object.freeze({ failuresInARow: 0, openUntil: null, coolDownMs: null });

/** How many deliveries may start now: all free slots when closed, none while open, one probe (alone) after the cool-down. */
export function breakerSlots(state: BreakerState, nowMs: number, concurrency: number, inFlight: number): number {
  if (state.openUntil === null) return Math.max(0, concurrency - inFlight);
  if (nowMs < state.openUntil.getTime()) return 0;
  return inFlight === 0 ? 1 : 0;
}

/** Whether a delivery started now is the probe of an open breaker. */
export const isProbe = (state: BreakerState, nowMs: number) => state.openUntil !== null && nowMs >= state.openUntil.getTime();

/**
 * The state after a delivery. `up`: the destination answered (2xx, or a 4xx, which is the app's answer
 * about one event, not the destination's health). `down`: it did not, or answered 5xx/429.
 */
export function breakerAfter(
  state: BreakerState,
  result: "up" | "down",
  { nowMs, probe, firstCoolDownMs = minCoolDownMs }: { nowMs: number; probe: boolean; firstCoolDownMs?: number },
): BreakerState {
  if (result === "up") return closedBreaker;
  const failuresInARow = state.failuresInARow + 1;
  if (probe) {
    const coolDownMs = Math.min(maxCoolDownMs, Math.max(firstCoolDownMs, (state.coolDownMs ?? firstCoolDownMs / 2) * 2));
    return { failuresInARow, openUntil: new Date(nowMs + coolDownMs), coolDownMs };
  }
  // A delivery started before the breaker opened that fails now changes nothing but the count.
  if (state.openUntil !== null) return { ...state, failuresInARow };
  if (failuresInARow >= breakerThreshold) return { failuresInARow, openUntil: new Date(nowMs + firstCoolDownMs), coolDownMs: firstCoolDownMs };
  return { failuresInARow, openUntil: null, coolDownMs: null };
}
