// VIEW: the login page: one field, the admin token. A plain form post (no script needed to log in).
/** @jsxRuntime classic */
/** @jsx Html.createElement */
/** @jsxFrag Html.Fragment */
import { Html } from "@elysiajs/html";
import { Layout, type PageContext } from "../layout.tsx";

export type LoginData = { next: string; error: string | null };

export function LoginPage({ page, data }: { page: PageContext; data: LoginData }) {
  return (
    <Layout title="Log in" page={page}>
      <section class="login panel">
        <h1>hookport admin</h1>
        <form method="post" action="/admin/login">
          <input type="hidden" name="next" value={data.next} />
          <label>
            Admin token
            <input type="password" name="token" required autofocus autocomplete="current-password" />
          </label>
          {data.error !== null ? (
            <p class="notice notice-error" role="alert" safe>
              {data.error}
            </p>
          ) : (
            ""
          )}
          <button type="submit" class="button-primary">
            Log in
          </button>
        </form>
        <p class="muted">The token is ADMIN_TOKEN, or the one hookport printed at its first start.</p>
      </section>
    </Layout>
  );
}
