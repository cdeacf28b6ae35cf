import { existsSync, readdirSync, readFileSync } from "node:fs";
import { envSchema } from "@seed/config";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { sourceOfBuiltEntry } from "./support/built-entry";

const repoRoot = new URL("../../../", import.meta.url);
const read = (url: URL) => readFileSync(url, "utf8");

const dockerfile = read(new URL("../Dockerfile", import.meta.url));
const healthRoutesSource = read(new URL("../src/plugins/health.ts", import.meta.url));
// The compose file shares its app settings through a `<<: *app` merge key, a YAML 1.1 feature
// the parser only honours when asked.
const compose = parse(read(new URL("../../../docker-compose.yml", import.meta.url)), { merge: true }) as {
  services: Record<string, Service>;
};

interface Service {
  command?: string[];
  environment?: Record<string, string> | string[];
  healthcheck?: { test?: string[] | string; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
}

function service(name: string): Service {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no "${name}" service`);
  return found;
}

// Compose accepts both `KEY: value` mappings and `KEY=value` lists.
function environmentOf(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  if (!Array.isArray(environment)) return environment;
  return Object.fromEntries(
    environment.map((entry) => {
      const [key = "", ...value] = entry.split("=");
      return [key, value.join("=")];
    }),
  );
}

function healthcheckCommand(name: string): string {
  const test = service(name).healthcheck?.test;
  return Array.isArray(test) ? test.join(" ") : (test ?? "");
}

function dockerInstructions(keyword: string): string[] {
  return dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.toUpperCase().startsWith(`${keyword} `));
}

describe("docker-compose.yml", () => {
  it("runs postgres, redis, a migration job, the server and a worker", () => {
    expect(Object.keys(compose.services)).toEqual(
      expect.arrayContaining(["postgres", "redis", "migrate", "server", "worker"]),
    );
  });

  it("the worker runs the worker app's build once postgres, redis and the migration are ready", () => {
    expect(service("worker").command).toEqual(["node", "apps/worker/dist/main.js"]);
    expect(sourceOfBuiltEntry("apps/worker/dist/main.js")).toBe("apps/worker/src/main.ts");
    expect(service("worker").depends_on).toMatchObject({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
      migrate: { condition: "service_completed_successfully" },
    });
    // The server then only queues jobs: the workers run them.
    expect(environmentOf("server").JOBS_RUN_IN_SERVER).toBe("false");
  });

  it("gives every long-running service a healthcheck", () => {
    for (const name of ["postgres", "redis", "server"]) {
      expect(healthcheckCommand(name), `${name} healthcheck`).not.toBe("");
    }
  });

  it("the server waits for healthy postgres and redis and a finished migration", () => {
    expect(service("server").depends_on).toMatchObject({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
      migrate: { condition: "service_completed_successfully" },
    });
  });

  it("the migration job waits for healthy postgres and runs the CLI's build once", () => {
    expect(service("migrate").depends_on).toMatchObject({ postgres: { condition: "service_healthy" } });
    expect(service("migrate").command).toEqual(["node", "apps/cli/dist/main.js", "migrate"]);
    expect(sourceOfBuiltEntry("apps/cli/dist/main.js")).toBe("apps/cli/src/main.ts");
  });

  it("the server's healthcheck probes the readiness route the server registers", () => {
    expect(healthcheckCommand("server")).toContain("/readyz");
    expect(healthRoutesSource).toContain('"/readyz"');
  });

  it("sets only environment variables the server's config schema knows", () => {
    const known = Object.keys(envSchema.shape);
    for (const name of ["migrate", "server", "worker"]) {
      const names = Object.keys(environmentOf(name));
      expect(names.length, `${name} environment`).toBeGreaterThan(0);
      expect(known, `${name} environment`).toEqual(expect.arrayContaining(names));
    }
  });

  it("refuses to start without a JWT_SECRET rather than shipping a default one", () => {
    for (const name of ["migrate", "server", "worker"]) {
      expect(environmentOf(name).JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?[^}]*\}$/);
    }
  });
});

describe("apps/server/Dockerfile", () => {
  it("builds in separate stages so the runtime image leaves the build tooling behind", () => {
    expect(dockerInstructions("FROM").length).toBeGreaterThanOrEqual(2);
  });

  it("runs the server's build with plain node, its build tooling left out of the runtime", () => {
    expect(dockerInstructions("CMD")).toEqual(['CMD ["node", "apps/server/dist/main.js"]']);
    expect(sourceOfBuiltEntry("apps/server/dist/main.js")).toBe("apps/server/src/main.ts");
    expect(dockerInstructions("RUN").some((run) => /pnpm install --prod /.test(run))).toBe(true);
  });

  it("runs as an unprivileged user", () => {
    const users = dockerInstructions("USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|\s|$)/i);
  });

  it("checks liveness on the route the server registers", () => {
    const [healthcheck, ...others] = dockerInstructions("HEALTHCHECK");
    expect(others).toEqual([]);
    expect(healthcheck).toContain("/healthz");
    expect(healthRoutesSource).toContain('"/healthz"');
  });

  it("bakes no secret into the image", () => {
    expect(dockerfile).not.toContain("JWT_SECRET=");
  });

  it("copies every workspace manifest before installing, or the frozen install would fail", () => {
    const manifests = ["apps", "packages"].flatMap((group) =>
      readdirSync(new URL(`${group}/`, repoRoot))
        .map((dir) => `${group}/${dir}/package.json`)
        .filter((manifest) => existsSync(new URL(manifest, repoRoot))),
    );
    expect(manifests.length).toBeGreaterThan(0);
    for (const manifest of manifests) expect(dockerfile).toContain(`COPY ${manifest} `);
  });

  it("installs the pnpm version package.json pins", () => {
    const { packageManager } = JSON.parse(read(new URL("package.json", repoRoot))) as { packageManager: string };
    expect(dockerfile).toContain(`ARG PNPM_VERSION=${packageManager.replace(/^pnpm@/, "")}`);
  });
});
