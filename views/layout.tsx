// VIEW: the page shell every admin page shares: CSRF token, htmx settings, the static files, the header.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html, type PropsWithChildren } from "@elysiajs/html";

export type AssetUrls = { htmx: string; css: string; js: string };

/** What every page needs from the request: where the static files are and the session's CSRF token. */
export type PageContext = { assets: AssetUrls; csrf: string; signedIn: boolean };

// htmx without eval (hx-on, js: values) and without the <style> it would inject, so the
// Content-Security-Policy can stay at script-src/style-src 'self'. 4xx answers are swapped too: the
// server sends them as notices retargeted to #flash.
const htmxConfig = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  refreshOnHistoryMiss: true,
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "4..", swap: true, error: false },
    { code: "...", swap: false, error: true },
  ],
});

/** Starts at <html>: @elysiajs/html puts the doctype in front of a page that does (autoDoctype). */
export function Layout({ title, page, children }: PropsWithChildren<{ title: string; page: PageContext }>) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content={page.csrf} />
        <meta name="htmx-config" content={htmxConfig} />
        <meta name="referrer" content="same-origin" />
        <title safe>{`${title} · hookport`}</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href={page.assets.css} />
        <script src={page.assets.htmx} defer></script>
        <script src={page.assets.js} defer></script>
      </head>
      <body hx-headers={JSON.stringify({ "X-CSRF-Token": page.csrf })}>
        <header class="topbar">
          <a class="brand" href="/admin/webhooks">
            hookport
          </a>
          {page.signedIn && (
            <nav class="topnav" aria-label="Admin">
              <a href="/admin/webhooks">Webhooks</a>
              <a href="/admin/destinations">Destinations</a>
            </nav>
          )}
          {page.signedIn && (
            <form method="post" action="/admin/logout" class="logout">
              <input type="hidden" name="_csrf" value={page.csrf} />
              <button type="submit" class="button-quiet">
                Log out
              </button>
            </form>
          )}
        </header>
        <div id="flash" class="flash" role="status" aria-live="polite"></div>
        <main>{children}</main>
      </body>
    </html>
  );
}
