import autocannon from "autocannon";
import type { ScenarioRequest } from "./scenarios";

export interface LoadShape {
  connections: number;
  durationSeconds: number;
}

export interface Measurement {
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  requests: number;
}

/** What one response looks like, to check that two servers answer alike before timing them. */
export interface ResponseSample {
  status: number;
  contentType: string | null;
  body: string;
}

/** Loads one server with a request; any error or non-2xx answer fails the measurement. */
export async function applyLoad(baseUrl: string, request: ScenarioRequest, shape: LoadShape): Promise<Measurement> {
  const { bodyPerRequest } = request;
  const result = await autocannon({
    url: baseUrl + request.path,
    method: request.method,
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body }),
    ...(bodyPerRequest ? { requests: [{ setupRequest: (req) => ({ ...req, body: bodyPerRequest() }) }] } : {}),
    connections: shape.connections,
    duration: shape.durationSeconds,
  });
  if (result.errors + result.timeouts + result.non2xx > 0) {
    throw new Error(
      `load on ${request.path} failed: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  return {
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p99: result.latency.p99 },
    requests: result.requests.total,
  };
}

export async function sampleResponse(baseUrl: string, request: ScenarioRequest): Promise<ResponseSample> {
  const body = request.bodyPerRequest?.() ?? request.body;
  const response = await fetch(baseUrl + request.path, {
    method: request.method,
    headers: request.headers ?? {},
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, contentType: response.headers.get("content-type"), body: await response.text() };
}
