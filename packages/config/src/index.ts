export { loadConfig, ConfigError } from "./load-config";
export type { Config } from "./load-config";
export { envSchema } from "./env-schema";
export { isLoopbackHostname } from "./oidc-providers";
export type { OidcProviderSettings } from "./oidc-providers";
export { loadConfigOrExit } from "./load-config-or-exit";
export { loadEnvFileIfPresent } from "./env-file";
