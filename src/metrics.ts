// Counters and gauges in Prometheus text format, kept beside the log points that feed them.
type Labels = Record<string, string>;

class Counter {
  private values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly type: "counter" | "gauge" = "counter") {}
  inc(labels: Labels = {}, by = 1) {
    const k = labelText(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  set(labels: Labels, value: number) {
    this.values.set(labelText(labels), value);
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k} ${v}`);
    return lines.join("\n");
  }
}

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`))}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

export function createMetrics() {
  const received = new Counter("hookport_events_received_total", "Webhook requests answered, by source and outcome.");
  const rejected = new Counter("hookport_events_rejected_total", "Webhook requests refused, by source and reason.");
  const handled = new Counter("hookport_events_handled_total", "Handler attempts finished, by source and outcome.");
  const backlog = new Counter("hookport_events_backlog", "Events not yet processed, by status, counted every few seconds.", "gauge");
  const forwarded = new Counter("hookport_forward_attempts_total", "Deliveries to destinations finished, by destination and outcome (processed, failed, dead, lost).");
  const forwardBacklog = new Counter(
    "hookport_forward_backlog",
    "Deliveries not yet made, by destination and status (pending, processing, failed, dead), counted every few seconds.",
    "gauge",
  );
  const all = [received, rejected, handled, backlog, forwarded, forwardBacklog];
  return { received, rejected, handled, backlog, forwarded, forwardBacklog, render: () => all.map((c) => c.render()).join("\n") + "\n" };
}

export type Metrics = ReturnType<typeof createMetrics>;
