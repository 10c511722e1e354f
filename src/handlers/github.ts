// HANDLE: built-in GitHub handlers: a log of pushes and a pull-request mirror with its action history.
import type { EventPayloadMap } from "@octokit/webhooks-types";
import { sql } from "drizzle-orm";
import { githubPullRequestActions, githubPullRequests, githubPushes } from "../store/schema.ts";
import { defineHandlers, excluded, placeholders, prepared } from "./registry.ts";

// A redelivery of the same push (same X-GitHub-Delivery) adds nothing. Returning the delivery id, not the
// serial id: a sequence does not roll back, so on the embedded store a transaction that lent the connection
// would see another id when it ran the insert again, and could not resume (pglite-gate.ts).
const recordPush = prepared((tx) =>
  tx
    .insert(githubPushes)
    .values(placeholders(githubPushes, ["deliveryId", "repository", "branch", "headCommitId", "headCommitMessage", "pusher", "commitCount"]))
    .onConflictDoNothing({ target: githubPushes.deliveryId })
    .returning({ deliveryId: githubPushes.deliveryId })
    .prepare("github_record_push"),
);

// Fields follow the newest pull_request.updated_at; an older delivery only adds to the history.
const mirrorPullRequest = prepared((tx) => {
  const t = githubPullRequests;
  const proposed = excluded(t, ["title", "state", "merged", "updatedAt"]);
  const newest = sql`${proposed.updatedAt} >= ${t.updatedAt}`;
  return tx
    .insert(t)
    .values(placeholders(t, ["repository", "number", "title", "state", "merged", "updatedAt"]))
    .onConflictDoUpdate({
      target: [t.repository, t.number],
      set: {
        title: sql`case when ${newest} then ${proposed.title} else ${t.title} end`,
        state: sql`case when ${newest} then ${proposed.state} else ${t.state} end`,
        merged: sql`case when ${newest} then ${proposed.merged} else ${t.merged} end`,
        updatedAt: sql`greatest(${proposed.updatedAt}, ${t.updatedAt})`,
      },
    })
    .prepare("github_mirror_pull_request");
});

// The history: once per delivery (a redelivery adds nothing), read in the order of `at`.
const recordPullRequestAction = prepared((tx) =>
  tx
    .insert(githubPullRequestActions)
    .values(placeholders(githubPullRequestActions, ["deliveryId", "repository", "number", "action", "at"]))
    .onConflictDoNothing({ target: githubPullRequestActions.deliveryId })
    .prepare("github_record_pull_request_action"),
);

export const githubHandlers = defineHandlers<EventPayloadMap>("github")
  .on("ping", (_event, { note }) => note("pong"))
  .on("push", async (event, { tx, event: meta, note }) => {
    const ref = event.ref;
    const inserted = await recordPush(tx).execute({
      deliveryId: meta.eventId,
      repository: event.repository.full_name,
      branch: ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null,
      headCommitId: event.head_commit?.id ?? null,
      headCommitMessage: event.head_commit?.message ?? null,
      pusher: event.pusher?.name ?? null,
      commitCount: event.commits?.length ?? 0,
    } satisfies typeof githubPushes.$inferInsert);
    if (inserted.length === 0) note("push already recorded");
  })
  .on("pull_request", async (event, { tx, event: meta }) => {
    const pr = event.pull_request;
    const repository = event.repository.full_name;
    const updatedAt = new Date(pr.updated_at);
    await mirrorPullRequest(tx).execute({
      repository,
      number: pr.number,
      title: pr.title,
      state: pr.state,
      merged: pr.merged ?? false,
      updatedAt,
    } satisfies typeof githubPullRequests.$inferInsert);
    await recordPullRequestAction(tx).execute({
      deliveryId: meta.eventId,
      repository,
      number: pr.number,
      action: event.action,
      at: updatedAt,
    } satisfies typeof githubPullRequestActions.$inferInsert);
  });
