// VIEW: pretty-printed JSON with simple syntax colouring, every token escaped. Very large payloads are
// shown plain: a span per token would make the page heavier than the payload is worth.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";

const colourLimit = 300_000;

// Strings (a key when a colon follows), numbers, literals; whatever lies between is punctuation and space.
const token = /("(?:[^"\\]|\\.)*")(\s*:)?|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|\b(true|false|null)\b/g;

type Piece = { kind: "key" | "string" | "number" | "literal" | "plain"; text: string };

export function tokenizeJson(pretty: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of pretty.matchAll(token)) {
    if (m.index > last) pieces.push({ kind: "plain", text: pretty.slice(last, m.index) });
    if (m[1] !== undefined) {
      pieces.push({ kind: m[2] ? "key" : "string", text: m[1] });
      if (m[2]) pieces.push({ kind: "plain", text: m[2] });
    } else if (m[3] !== undefined) pieces.push({ kind: "number", text: m[3] });
    else pieces.push({ kind: "literal", text: m[4]! });
    last = m.index + m[0].length;
  }
  if (last < pretty.length) pieces.push({ kind: "plain", text: pretty.slice(last) });
  return pieces;
}

export function JsonView({ pretty, id }: { pretty: string; id: string }) {
  if (pretty.length > colourLimit) {
    return (
      <pre id={id} class="json" safe>
        {pretty}
      </pre>
    );
  }
  return (
    <pre id={id} class="json">
      {tokenizeJson(pretty).map((p) =>
        p.kind === "plain" ? (
          <span safe>{p.text}</span>
        ) : (
          <span class={`j-${p.kind}`} safe>
            {p.text}
          </span>
        ),
      )}
    </pre>
  );
}
