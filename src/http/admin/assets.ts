// HTTP (admin): htmx, the stylesheet and the copy script, served from inside the executable under a
// content hash (`/admin/static/htmx.3f2a….js`), so they can be cached for a year and a new build
// still reaches every browser at once. No CDN: admins often sit behind firewalls.
import { createHash } from "node:crypto";
import type { AssetUrls } from "../../../views/layout.tsx";

export type StaticFiles = Readonly<{ htmx: string; css: string; js: string }>;

type Asset = { body: string; type: string };

export function createAssets(files: StaticFiles): { urls: AssetUrls; serve(name: string): Response | null } {
  const byName = new Map<string, Asset>();
  const add = (stem: string, ext: "js" | "css", text: string) => {
    const hash = createHash("sha256").update(text).digest("hex").slice(0, 12);
    const name = `${stem}.${hash}.${ext}`;
    byName.set(name, { body: text, type: ext === "js" ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8" });
    return `/admin/static/${name}`;
  };
  const urls = { htmx: add("htmx", "js", files.htmx), css: add("admin", "css", files.css), js: add("admin", "js", files.js) };
  return {
    urls,
    serve(name) {
      const asset = byName.get(name);
      if (!asset) return null;
      return new Response(asset.body, {
        headers: {
          "content-type": asset.type,
          "cache-control": "public, max-age=31536000, immutable",
          "x-content-type-options": "nosniff",
        },
      });
    },
  };
}
