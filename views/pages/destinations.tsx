// VIEW: the destinations page: where stored events are forwarded, and how each destination is doing.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import { Layout, type PageContext } from "../layout.tsx";
import { DestinationsTable, type DestinationsTableData } from "../partials/destinations-table.tsx";

export function DestinationsPage({ page, data }: { page: PageContext; data: DestinationsTableData }) {
  return (
    <Layout title="Destinations" page={page}>
      <h1>Destinations</h1>
      {data.rows.length === 0 ? (
        <p class="muted">
          No destination is configured: events are stored and handled, not forwarded. Set <code>FORWARD_URL</code> and{" "}
          <code>FORWARD_SECRET</code>, or declare <code>destinations</code> in the <code>HOOKPORT_CONFIG</code> file (README, "Forwarding").
        </p>
      ) : (
        <DestinationsTable data={data} />
      )}
    </Layout>
  );
}
