// VIEW: a one-line notice for #flash: a refusal ("the CSRF token is missing…") or a confirmation. The text may
// quote request data (an id from the URL), so it is always escaped.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";

export function Notice({ kind, message }: { kind: "ok" | "error"; message: string }) {
  return (
    <p class={`notice notice-${kind}`} safe>
      {message}
    </p>
  );
}
