// VIEW: a timestamp from the store (ISO 8601, UTC) shown as "2026-11-28 23:36:05".
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";

export function Time({ iso }: { iso: string | null }) {
  if (!iso) return <span class="muted">—</span>;
  return (
    <time datetime={iso} safe>
      {iso.slice(0, 19).replace("T", " ")}
    </time>
  );
}
