// RECEIVE: who sent a request, for per-client throttling (admin/throttle.ts). Behind the TLS proxy the
// README recommends, every peer is the proxy; when the peer is one of TRUSTED_PROXIES, the client is the
// right-most X-Forwarded-For entry that is not itself trusted. Entries to its left were written by the
// client and are ignored: whoever can append to the header can forge what precedes their own entry
// (MDN, X-Forwarded-For, "Selecting an IP address"; the same rule as Express's `trust proxy` list).
import { BlockList, isIP } from "node:net";

/** `peerOf` gives the socket's peer address (runtime.ts), or null when there is none (app.handle in tests). */
export function createClientAddress(trusted: readonly string[], peerOf: (request: Request) => string | null): (request: Request) => string | null {
  if (trusted.length === 0) return peerOf;
  const list = new BlockList();
  for (const entry of trusted) {
    const [address, bits] = entry.split("/") as [string, string | undefined];
    const type = isIP(address) === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  const isTrusted = (address: string) => {
    const version = isIP(address);
    return version !== 0 && list.check(address, version === 4 ? "ipv4" : "ipv6");
  };
  return (request) => {
    const peer = peerOf(request);
    if (peer === null || !isTrusted(peer)) return peer;
    const hops = (request.headers.get("x-forwarded-for") ?? "").split(",").map(bareAddress).filter(Boolean);
    for (let i = hops.length - 1; i >= 0; i--) if (!isTrusted(hops[i]!)) return hops[i]!;
    // Only trusted hops (or no header): the request came from the proxies' own network.
    return hops[0] ?? peer;
  };
}

/** `203.0.113.7`, from `203.0.113.7:4711` or `[2001:db8::1]:443` as some proxies write it; capped, as it becomes a map key. */
function bareAddress(entry: string): string {
  const text = entry.trim().slice(0, 64);
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return bracketed[1]!;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(text);
  return withPort ? withPort[1]! : text;
}
