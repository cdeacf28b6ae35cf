import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** In development the API runs beside Vite; the proxy keeps both on one origin, as in production. */
const apiTarget = process.env.SEED_API_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react()],
  server: { proxy: { "/trpc": { target: apiTarget, ws: true } } },
  build: { outDir: "dist", emptyOutDir: true },
});
