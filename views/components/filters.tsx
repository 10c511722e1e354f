// VIEW: the history's filters. htmx sends them as you type (debounced) and swaps #history; the server
// answers with HX-Push-Url so the address bar always reproduces the view. Without JS it is a plain GET form.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import type { HistoryFilter } from "../../src/store/history.ts";
import type { EventStatus } from "../../src/store/schema.ts";

export type FilterOptions = { sources: readonly string[]; statuses: readonly EventStatus[] };

export function Filters({ filter, options }: { filter: HistoryFilter; options: FilterOptions }) {
  return (
    <form
      id="filters"
      class="filters"
      role="search"
      action="/admin/webhooks"
      method="get"
      hx-get="/admin/webhooks"
      hx-target="#history"
      hx-swap="outerHTML"
      hx-trigger="input delay:350ms, submit"
      hx-sync="this:replace"
    >
      <label>
        Source
        <select name="source">
          <option value="">all</option>
          {options.sources.map((s) => (
            <option value={s} selected={filter.source === s} safe>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status
        <select name="status">
          <option value="">all</option>
          {options.statuses.map((s) => (
            <option value={s} selected={filter.status === s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      <label>
        Event type
        <input name="type" list="event-types" value={filter.type ?? ""} placeholder="any" autocomplete="off" />
      </label>
      <label class="grow">
        Event id
        <input type="search" name="q" value={filter.q ?? ""} placeholder="evt_… or a GitHub delivery id" autocomplete="off" spellcheck="false" />
      </label>
      <button type="submit" class="button-quiet">
        Filter
      </button>
    </form>
  );
}
