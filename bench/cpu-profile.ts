import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

/** The parts of V8's `.cpuprofile` format that a summary needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

export interface HotSpot {
  name: string;
  percent: number;
}

export interface ProfileSummary {
  /** Samples taken while the load ran; V8 samples about once a millisecond. */
  samples: number;
  /** The functions with the most self time. */
  selfTime: HotSpot[];
  /** Self time added up per package (or Node.js module, or V8 pseudo-frame). */
  selfTimeByModule: HotSpot[];
  /** The functions with the most time in themselves and what they call: which stage costs what. */
  totalTime: HotSpot[];
}

const WORKSPACE_ROOT = fileURLToPath(new URL("..", import.meta.url));

// Frames on every stack, whose total time says nothing.
const EVERYWHERE = new Set(["(root)", "processTicksAndRejections", "runMicrotasks"]);

/**
 * Summarizes the samples taken inside `window` only, so that start-up (module loading,
 * migrations) and shutdown do not blur what the load costs.
 */
export async function summarizeCpuProfile(
  path: string,
  window: { start: number; end: number },
  top: number,
): Promise<ProfileSummary> {
  const profile = JSON.parse(await readFile(path, "utf8")) as CpuProfile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const parents = new Map(profile.nodes.flatMap((node) => (node.children ?? []).map((child) => [child, node.id])));
  const self = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  const total = new Map<string, number>();
  let samples = 0;
  let timestamp = profile.startTime;
  profile.samples.forEach((nodeId, index) => {
    timestamp += profile.timeDeltas[index] ?? 0;
    if (timestamp < window.start || timestamp > window.end) return;
    const frame = nodes.get(nodeId);
    if (!frame) return;
    samples += 1;
    increment(self, frameName(frame));
    increment(selfByModule, moduleOf(frame));
    // A recursive function is on the stack once as far as its total time goes.
    const onStack = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
      const caller = nodes.get(id)!;
      if (!EVERYWHERE.has(caller.functionName)) onStack.add(frameName(caller));
    }
    for (const name of onStack) increment(total, name);
  });
  if (samples === 0) throw new Error(`${path} has no sample inside the load window`);
  const ranked = (counts: Map<string, number>) =>
    [...counts]
      .sort(([, a], [, b]) => b - a)
      .slice(0, top)
      .map(([name, count]) => ({ name, percent: (100 * count) / samples }));
  return {
    samples,
    selfTime: ranked(self),
    selfTimeByModule: ranked(selfByModule),
    totalTime: ranked(total),
  };
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function frameName(frame: CallFrame): string {
  const name = frame.functionName || "(anonymous)";
  return frame.url ? `${name} ${shortLocation(frame.url)}:${frame.lineNumber + 1}` : name;
}

function shortLocation(url: string): string {
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const packagePath = path.split("/node_modules/").at(-1)!;
  return packagePath.startsWith(WORKSPACE_ROOT) ? packagePath.slice(WORKSPACE_ROOT.length) : packagePath;
}

/** `fastify`, `@trpc/server`, `node:internal/streams`, `packages/api`, or a V8 pseudo-frame. */
function moduleOf(frame: CallFrame): string {
  if (!frame.url) return frame.functionName.startsWith("(") ? frame.functionName : "(V8 built-ins)";
  const segments = shortLocation(frame.url).split("/");
  if (frame.url.startsWith("node:")) return segments.slice(0, 2).join("/");
  if (frame.url.includes("/node_modules/")) {
    return segments[0]!.startsWith("@") ? segments.slice(0, 2).join("/") : segments[0]!;
  }
  return segments.slice(0, segments[0] === "bench" ? 1 : 2).join("/");
}
