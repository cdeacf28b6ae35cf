export * from "./guarded-http-client";
export * from "./outbound-http";
export * from "./public-address";
