import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * In development the API runs beside Vite; the proxy keeps both on one origin, as in production,
 * so the session cookies and the server's same-origin check on mutations work unchanged.
 */
const apiTarget = process.env.SEED_API_URL ?? "http://127.0.0.1:3000";
const serverPaths = ["/api", "/openapi.json", "/docs", "/.well-known"];

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/trpc": { target: apiTarget, ws: true },
      ...Object.fromEntries(serverPaths.map((path) => [path, apiTarget])),
    },
  },
  build: { outDir: "dist", emptyOutDir: true },
});
