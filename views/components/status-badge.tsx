// VIEW: an event status as text plus a shape, so it reads without colour (WCAG 1.4.1).
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { EventStatus } from "../../src/store/schema.ts";

const marks = {
  pending: "○",
  processing: "◐",
  processed: "✓",
  failed: "!",
  dead: "✕",
} as const satisfies Record<EventStatus, string>;

export function StatusBadge({ status }: { status: EventStatus }) {
  return (
    <span class={`badge badge-${status}`}>
      <span class="badge-mark" aria-hidden="true">
        {marks[status]}
      </span>
      {status}
    </span>
  );
}
