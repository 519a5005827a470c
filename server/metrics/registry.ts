/**
 * The metrics registry: the seam through which any part of the server (the room, a store, the
 * cluster bus) offers numbers to `/metrics`, and the Prometheus text format they are written in.
 * Nothing is computed until a scrape: a source is a function read at that moment, over counters
 * that the hot path bumps with plain integer increments.
 * @module
 */

/** Prometheus metric types used here. */
export type MetricType = "counter" | "gauge";

/** One value of a metric, with its labels (none for a metric without labels). */
export interface Sample {
  /** Label names to values; keep the set of values bounded (never a user name or address). */
  readonly labels?: Readonly<Record<string, string>>;
  /** The value: a count for counters, any number for gauges. */
  readonly value: number;
}

/**
 * A metric offered to the registry. `read` is called on every scrape and must be cheap and must
 * not throw (a throw leaves the metric out of that scrape and is counted in
 * `chat_metric_read_errors_total`).
 */
export interface MetricSource {
  /** `chat_...` in base units (`_seconds`, `_bytes`); counters end in `_total`. */
  readonly name: string;
  /** One line saying what it counts. */
  readonly help: string;
  /** Counter (only goes up) or gauge. */
  readonly type: MetricType;
  /** The value now: one number, or one sample per label set; `undefined` leaves it out. */
  read(): number | readonly Sample[] | undefined;
}

/** A metric name or label name Prometheus would refuse; registration throws it. */
export class MetricNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MetricNameError";
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/**
 * Holds the metric sources and renders them. Registering returns a function that unregisters
 * (a subsystem that stops, such as a store that closes).
 */
export class MetricsRegistry {
  readonly #sources = new Map<string, MetricSource>();
  #readErrors = 0;

  /** Adds a metric; throws MetricNameError for a bad or duplicate name or counter naming. */
  register(source: MetricSource): () => void {
    if (!METRIC_NAME.test(source.name)) {
      throw new MetricNameError(`invalid metric name '${source.name}'`);
    }
    if (source.type === "counter" && !source.name.endsWith("_total")) {
      throw new MetricNameError(`counter '${source.name}' must end in _total`);
    }
    if (this.#sources.has(source.name)) {
      throw new MetricNameError(`metric '${source.name}' is registered already`);
    }
    this.#sources.set(source.name, source);
    return () => {
      if (this.#sources.get(source.name) === source) this.#sources.delete(source.name);
    };
  }

  /** Registers several sources; the returned function unregisters them all. */
  registerAll(sources: readonly MetricSource[]): () => void {
    const undo = sources.map((source) => this.register(source));
    return () => undo.forEach((unregister) => unregister());
  }

  /** Names registered, sorted (tests, docs). */
  names(): string[] {
    return [...this.#sources.keys()].sort();
  }

  /** Every metric in the Prometheus text exposition format (version 0.0.4). */
  render(): string {
    const out: string[] = [];
    for (const name of this.names()) {
      const source = this.#sources.get(name);
      if (source === undefined) continue;
      try {
        out.push(...renderSource(source));
      } catch {
        this.#readErrors++;
      }
    }
    out.push(
      "# HELP chat_metric_read_errors_total Metric reads that failed during scrapes.",
      "# TYPE chat_metric_read_errors_total counter",
      `chat_metric_read_errors_total ${this.#readErrors}`,
    );
    return out.join("\n") + "\n";
  }
}

/** One metric's lines: HELP, TYPE and its samples; none when it has no value now. */
function renderSource(source: MetricSource): string[] {
  const value = source.read();
  if (value === undefined) return [];
  const { name } = source;
  const lines = [`# HELP ${name} ${escapeHelp(source.help)}`, `# TYPE ${name} ${source.type}`];
  if (typeof value === "number") {
    lines.push(`${name} ${formatValue(value)}`);
  } else {
    for (const sample of value) {
      lines.push(`${name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
    }
  }
  return lines;
}

/** The content type of {@link MetricsRegistry.render}'s text. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  if (labels === undefined) return "";
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return "";
  return `{${
    pairs.map(([key, value]) => {
      if (!LABEL_NAME.test(key) || key.startsWith("__")) {
        throw new MetricNameError(`invalid label name '${key}'`);
      }
      return `${key}="${escapeLabel(value)}"`;
    }).join(",")
  }}`;
}

function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}

function escapeLabel(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
