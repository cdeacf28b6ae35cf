import { fileURLToPath } from "node:url";

/** The committed migrations, read at run time by both drivers' migrators. */
export const migrationsFolder = fileURLToPath(new URL("../migrations", import.meta.url));
