// VIEW: the history page: at a glance, the filters, then #history (the same partial htmx swaps on a filter change).
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import { Filters, type FilterOptions } from "../components/filters.tsx";
import { Layout, type PageContext } from "../layout.tsx";
import { GlancePlaceholder } from "../partials/glance.tsx";
import { HistoryRegion, type HistoryRegionData } from "../partials/history-region.tsx";

export type HistoryPageData = { region: HistoryRegionData; options: FilterOptions; eventTypes: readonly string[] };

export function HistoryPage({ page, data }: { page: PageContext; data: HistoryPageData }) {
  return (
    <Layout title="Webhooks" page={page}>
      <h1 class="visually-hidden">Webhooks</h1>
      <GlancePlaceholder />
      <Filters filter={data.region.filter} options={data.options} />
      <HistoryRegion data={data.region} />
      <datalist id="event-types">
        {data.eventTypes.map((t) => (
          <option value={t} />
        ))}
      </datalist>
    </Layout>
  );
}
