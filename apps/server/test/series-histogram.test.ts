import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { SeriesHistogram } from "../src/telemetry/series-histogram";
import { parseSamples, type Sample } from "./support/prometheus";

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];

// Values on each bound and on either side of it, beyond the last and at zero.
const VALUES = [0, 0.0005, 0.001, 0.0011, 0.01, 0.05, 0.1, 0.5, 1, 1.0001, 10, 11, 1e9];

const LABEL_SETS = [
  { procedure: "health.check", type: "query", code: "OK" },
  { procedure: "health.check", type: "query", code: "TOO_MANY_REQUESTS" },
  { procedure: "auth.me", type: "query", code: "OK" },
  { procedure: 'a"quoted\\name\n', type: "mutation", code: "OK" },
];

/** The same observations through prom-client's `Histogram` and ours, each in a registry of its own. */
function observedByBoth(labelNames: string[], observations: [Record<string, string>, number][]) {
  const reference = new Registry();
  const ours = new Registry();
  const histogram = new Histogram({
    name: "latency_seconds",
    help: "Latency",
    labelNames,
    buckets: BUCKETS,
    registers: [reference],
  });
  const series = new SeriesHistogram("latency_seconds", "Latency", { labelNames, buckets: BUCKETS, registry: ours });
  for (const [labels, value] of observations) {
    histogram.observe(labels, value);
    series.observe(labels, value);
  }
  return { reference, ours, series };
}

// Labels in a fixed order: prom-client writes `le` first, this histogram last.
const comparable = (samples: Sample[]) =>
  samples.map(({ name, labels, value }) => ({ name, labels: Object.entries(labels).sort(), value }));

describe("SeriesHistogram", () => {
  it("writes what prom-client's Histogram writes for the same observations", async () => {
    const observations = LABEL_SETS.flatMap((labels, index) =>
      VALUES.slice(index).map((value): [Record<string, string>, number] => [labels, value]),
    );
    const { reference, ours } = observedByBoth(["procedure", "type", "code"], observations);
    const expected = await reference.metrics();
    const actual = await ours.metrics();
    expect(actual.split("\n").slice(0, 2)).toEqual(expected.split("\n").slice(0, 2));
    expect(comparable(parseSamples(actual))).toEqual(comparable(parseSamples(expected)));
    expect(parseSamples(actual).length).toBe(LABEL_SETS.length * (BUCKETS.length + 3));
  });

  it("serves a histogram without labels, and its JSON as prom-client's", async () => {
    const { reference, ours } = observedByBoth(
      [],
      [
        [{}, 0.002],
        [{}, 0.2],
        [{}, 20],
      ],
    );
    expect(comparable(parseSamples(await ours.metrics()))).toEqual(comparable(parseSamples(await reference.metrics())));
    const [json] = await ours.getMetricsAsJSON();
    expect(json).toMatchObject({ name: "latency_seconds", type: "histogram", aggregator: "sum" });
  });

  it("starts afresh when the registry resets its metrics", async () => {
    const { ours, series } = observedByBoth(["code"], [[{ code: "OK" }, 0.5]]);
    ours.resetMetrics();
    expect(parseSamples(await ours.metrics())).toEqual([]);
    series.observe({ code: "OK" }, 0.05);
    const count = parseSamples(await ours.metrics()).find((sample) => sample.name === "latency_seconds_count");
    expect(count?.value).toBe(1);
  });

  it("refuses a value that is not a finite number, as prom-client does", () => {
    const { series } = observedByBoth(["code"], []);
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => series.observe({ code: "OK" }, value)).toThrow(TypeError);
    }
  });
});
