import { readdirSync, readFileSync } from "node:fs";
import { envSchema } from "@seed/config";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { sourceOfBuiltEntry } from "./support/built-entry";
import { useDeployment } from "./support/test-server";

const manifestsDir = new URL("../../../deploy/kubernetes/", import.meta.url);
const files = readdirSync(manifestsDir).filter((file) => file.endsWith(".yaml"));

interface Manifest {
  file: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  // Each kind has its own shape; the tests read the parts they check.
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
}

const manifests: Manifest[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(new URL(file, manifestsDir), "utf8")).map((document) => {
    expect(document.errors, file).toEqual([]);
    return { file, ...(document.toJS() as Omit<Manifest, "file">) };
  }),
);

const ofKind = (kind: string) => manifests.filter((manifest) => manifest.kind === kind);
const named = (kind: string, name: string) => {
  const found = ofKind(kind).find((manifest) => manifest.metadata.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
};

interface Container {
  name: string;
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  env?: { name: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: { httpGet: { path: string; port: string | number } };
  readinessProbe?: { httpGet: { path: string; port: string | number } };
  startupProbe?: { httpGet: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

const workloads = manifests.filter((manifest) => ["Deployment", "Job"].includes(manifest.kind));
const containersOf = (workload: Manifest): Container[] => workload.spec.template.spec.containers;
const server = containersOf(named("Deployment", "seed-server"))[0]!;

describe("deploy/kubernetes", () => {
  it("has a server and a worker Deployment, Service, Ingress, autoscaler, ConfigMap and Secret example", () => {
    expect(
      ofKind("Deployment")
        .map((manifest) => manifest.metadata.name)
        .sort(),
    ).toEqual(["seed-server", "seed-worker"]);
    for (const kind of ["Service", "Ingress", "HorizontalPodAutoscaler", "ConfigMap", "Secret"]) {
      expect(ofKind(kind), kind).toHaveLength(1);
    }
  });

  it("lists every manifest in its kustomization", () => {
    const [kustomization] = ofKind("Kustomization");
    expect(new Set(kustomization!.resources)).toEqual(new Set(files.filter((file) => file !== "kustomization.yaml")));
  });

  it("uses only environment variables the config schema knows", () => {
    const known = new Set(Object.keys(envSchema.shape));
    const used = [
      ...Object.keys(named("ConfigMap", "seed-config").data ?? {}),
      ...Object.keys(named("Secret", "seed-secrets").stringData ?? {}),
      ...workloads.flatMap((workload) => containersOf(workload).flatMap((c) => (c.env ?? []).map((e) => e.name))),
    ];
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it("gives every workload its config and secrets, and resource requests and limits", () => {
    for (const workload of workloads) {
      for (const container of containersOf(workload)) {
        const where = `${workload.metadata.name}/${container.name}`;
        expect(container.envFrom, where).toEqual([
          { configMapRef: { name: "seed-config" } },
          { secretRef: { name: "seed-secrets" } },
        ]);
        expect(Object.keys(container.resources?.requests ?? {}).sort(), where).toEqual(["cpu", "memory"]);
        expect(Object.keys(container.resources?.limits ?? {}).sort(), where).toEqual(["cpu", "memory"]);
      }
    }
  });

  it("probes the server on its own port, the one PORT sets", () => {
    const port = server.ports!.find((candidate) => candidate.name === server.readinessProbe!.httpGet.port);
    expect(port?.containerPort).toBe(Number(named("ConfigMap", "seed-config").data!.PORT));
    expect(server.livenessProbe!.httpGet.port).toBe(port!.name);
  });

  it("gives the server more time to stop than its shutdown deadline", () => {
    const grace = named("Deployment", "seed-server").spec.template.spec.terminationGracePeriodSeconds as number;
    expect(grace * 1000).toBeGreaterThan(Number(named("ConfigMap", "seed-config").data!.SHUTDOWN_TIMEOUT_MS));
  });

  it("sends traffic from the Ingress through the Service to the server pods", () => {
    const service = named("Service", "seed-server");
    const podLabels = named("Deployment", "seed-server").spec.template.metadata.labels as Record<string, string>;
    expect(podLabels).toMatchObject(service.spec.selector);
    const backend = named("Ingress", "seed-server").spec.rules[0].http.paths[0].backend.service;
    expect(backend.name).toBe(service.metadata.name);
    expect(service.spec.ports.map((port: { name: string }) => port.name)).toContain(backend.port.name);
    expect(service.spec.ports[0].targetPort).toBe(server.ports![0]!.name);
    // Sockets stay open longer than the server's keep-alive interval.
    expect(
      Number(named("Ingress", "seed-server").metadata.annotations!["nginx.ingress.kubernetes.io/proxy-read-timeout"]),
    ).toBeGreaterThan(60);
  });

  it("scales the server Deployment on CPU", () => {
    const hpa = named("HorizontalPodAutoscaler", "seed-server");
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: "seed-server" });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it("runs the worker and the migration from the builds of apps that exist", () => {
    const commands = workloads.flatMap((workload) => containersOf(workload).flatMap((c) => c.command ?? []));
    const entries = commands.filter((part) => part.endsWith(".js"));
    expect(entries.sort()).toEqual(["apps/cli/dist/main.js", "apps/worker/dist/main.js"]);
    for (const entry of entries) expect(sourceOfBuiltEntry(entry), entry).not.toBeNull();
  });
});

describe("the server's probes against a running server", () => {
  const deployment = useDeployment("embedded", { instances: ["running"] });

  it.each(["livenessProbe", "readinessProbe", "startupProbe"] as const)("the %s path answers 200", async (probe) => {
    const response = await fetch(`${deployment.running.baseUrl}${server[probe]!.httpGet.path}`);
    expect(response.status).toBe(200);
  });
});
