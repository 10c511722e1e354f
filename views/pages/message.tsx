// VIEW: a page that only says something: not found, a bad link, too many tries.
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import { Layout, type PageContext } from "../layout.tsx";

export function MessagePage({ page, title, message }: { page: PageContext; title: string; message: string }) {
  return (
    <Layout title={title} page={page}>
      <section class="panel">
        <h1 safe>{title}</h1>
        <p safe>{message}</p>
        <p>
          <a href="/admin/webhooks">Back to the history</a>
        </p>
      </section>
    </Layout>
  );
}
