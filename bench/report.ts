import { mkdir, writeFile } from "node:fs/promises";
import type { HotSpot, ProfileSummary } from "./cpu-profile";
import type { IdleMemory } from "./idle-memory";
import type { LoadShape, Measurement } from "./load";
import type { ServerVariant } from "./server-variants";

interface RowIdentity {
  scenario: string;
  server: ServerVariant;
  limit: ServerVariant;
  /** The least ratio to the limit the shipped server must reach on this scenario. */
  target: number;
}

/** A server's figures from the round with the median throughput. */
export interface MeasuredRow extends RowIdentity, Measurement {
  outcome: "measured";
  requestsPerSecondByRound: number[];
  /** This server's throughput divided by the limit's, on the same scenario in the same run. */
  throughputRatio: number | null;
  /** The limit's CPU time per request divided by this server's: 1 when it spends no more. */
  cpuRatio: number | null;
  rssBytes: number;
  /**
   * The server's CPU time per request during the load: unlike the throughput, barely moved by
   * other work on the machine, so the steadier figure to compare two versions of the code by.
   */
  cpuMicrosPerRequest: number;
  profile: ProfileSummary | null;
}

/** A server that could not be measured: it refused the scenario, or answered unlike its limit. */
export interface FailedRow extends RowIdentity {
  outcome: "failed";
  reason: string;
}

export type ResultRow = MeasuredRow | FailedRow;

export interface RunReport {
  startedAt: string;
  mode: "quick" | "full";
  profiled: boolean;
  machine: {
    node: string;
    cpus: number;
    cpuModel: string;
    /** The 1-minute load average before and after the run: how much else was running. */
    loadAverage: { atStart: number; atEnd: number };
  };
  commit: string;
  load: LoadShape & { warmupSeconds: number; rounds: number };
  /** The built production server at rest after start-up, before any load. */
  idleMemory: IdleMemory[];
  rows: ResultRow[];
}

const MIB = 1024 * 1024;

export function formatIdleMemory(measured: IdleMemory[]): string {
  const header = ["idle after start-up", "start s", "RSS MiB at 2 s", "at rest (30 s)"];
  const lines = measured.map((idle) => [
    idle.database,
    (idle.startMs / 1000).toFixed(1),
    (idle.startedRssBytes / MIB).toFixed(0),
    (idle.restingRssBytes / MIB).toFixed(0),
  ]);
  return formatColumns(header, lines, 1);
}

export function formatTable(rows: ResultRow[]): string {
  const header = [
    "scenario",
    "server",
    "req/s",
    "spread",
    "p50 ms",
    "p99 ms",
    "CPU µs/req",
    "vs limit: req/s",
    "CPU",
    "target",
    "RSS MiB",
  ];
  const lines = rows.map((row) =>
    row.outcome === "failed"
      ? [row.scenario, row.server, "failed", "-", "-", "-", "-", "-", "-", "-", "-"]
      : [
          row.scenario,
          row.server,
          row.requestsPerSecond.toFixed(0),
          spreadCell(row),
          row.latencyMs.p50.toFixed(1),
          row.latencyMs.p99.toFixed(1),
          row.cpuMicrosPerRequest.toFixed(0),
          ...ratioCells(row),
          (row.rssBytes / MIB).toFixed(0),
        ],
  );
  return formatColumns(header, lines, 2);
}

/** A plain-text table: the first `textColumns` columns aligned left, the figures right. */
function formatColumns(header: string[], lines: string[][], textColumns: number): string {
  const widths = header.map((title, column) => Math.max(title.length, ...lines.map((line) => line[column]!.length)));
  const format = (cells: string[]) =>
    cells
      .map((cell, column) => (column < textColumns ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join("  ");
  return [format(header), widths.map((width) => "-".repeat(width)).join("  "), ...lines.map(format)].join("\n");
}

/** Half the range of the rounds' throughputs, relative to the median: how steady the figure is. */
function spreadCell(row: MeasuredRow): string {
  if (row.requestsPerSecondByRound.length < 2) return "-";
  const range = Math.max(...row.requestsPerSecondByRound) - Math.min(...row.requestsPerSecondByRound);
  return `±${((50 * range) / row.requestsPerSecond).toFixed(0)}%`;
}

/** The ratios to the limit, and for the shipped server whether both reach the target. */
function ratioCells(row: MeasuredRow): [string, string, string] {
  if (row.server === row.limit) return ["limit", "limit", "-"];
  const ratio = (value: number | null) => (value === null ? "-" : `${value.toFixed(2)}x`);
  const cells: [string, string, string] = [ratio(row.throughputRatio), ratio(row.cpuRatio), "-"];
  if (row.server === SHIPPED && row.throughputRatio !== null && row.cpuRatio !== null) {
    const met = Math.min(row.throughputRatio, row.cpuRatio) >= row.target;
    cells[2] = `${row.target.toFixed(2)}x ${met ? "met" : "missed"}`;
  }
  return cells;
}

/** The server apps/server registers: the one the targets are for. */
const SHIPPED: ServerVariant = "trpc-fast-path";

export function formatFailures(rows: ResultRow[]): string {
  return rows
    .flatMap((row) => (row.outcome === "failed" ? [`${row.scenario} on ${row.server} failed: ${row.reason}`] : []))
    .join("\n");
}

export function formatProfile(row: MeasuredRow): string {
  return row.profile ? formatProfileSummary(`${row.scenario} on ${row.server}`, row.profile) : "";
}

export function formatProfileSummary(title: string, profile: ProfileSummary): string {
  const list = (heading: string, spots: HotSpot[]) => [
    `${heading}:`,
    ...spots.map((spot) => `  ${spot.percent.toFixed(1).padStart(5)}%  ${spot.name}`),
  ];
  return [
    `${title}: ${profile.samples} samples under load`,
    ...list("self time by module", profile.selfTimeByModule),
    ...list("self time", profile.selfTime),
    ...list("total time (self and callees)", profile.totalTime),
  ].join("\n");
}

export async function writeReport(directory: URL, report: RunReport): Promise<string> {
  await mkdir(directory, { recursive: true });
  const file = new URL(`${report.startedAt.replaceAll(":", "-")}-${report.mode}.json`, directory);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  return file.pathname;
}
