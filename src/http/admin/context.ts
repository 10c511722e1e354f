// HTTP (admin): what every admin handler is given, built once by admin.ts.
import type { Logger } from "../../log.ts";
import type { Executor } from "../../store/db.ts";
import type { PageContext } from "../../../views/layout.tsx";
import type { createAssets } from "./assets.ts";
import type { AdminAuth, AdminSession } from "./auth.ts";
import type { Throttle } from "./throttle.ts";

export type AdminContext = {
  db: Executor;
  /** Tells the queue that requeued events are due (the same wake() the receive route calls). */
  wake: () => void;
  log: Logger;
  /** Unix seconds. */
  now: () => number;
  assets: ReturnType<typeof createAssets>;
  auth: AdminAuth;
  throttle: Throttle;
  /** The endpoint names, which the history filters by (`source`). */
  sources: readonly string[];
  /** The configured forwarding destinations (names and URLs; their state is in the store). */
  destinations: readonly { name: string; url: string }[];
  /** Who to count wrong tokens against. */
  addressOf: (request: Request) => string;
};

export function pageContext(ctx: AdminContext, session: AdminSession | null): PageContext {
  return {
    assets: ctx.assets.urls,
    csrf: session?.kind === "cookie" ? session.csrf : "",
    signedIn: session?.kind === "cookie",
  };
}
