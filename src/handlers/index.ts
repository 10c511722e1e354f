// HANDLE: the handlers the service runs. A new sender's table is one line here.
import { githubHandlers } from "./github.ts";
import type { Registry } from "./registry.ts";
import { stripeHandlers } from "./stripe.ts";

export const builtinHandlers: Registry = [stripeHandlers, githubHandlers] as unknown as Registry;
