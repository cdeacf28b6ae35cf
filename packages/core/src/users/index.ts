export * from "./admin-accounts";
export * from "./admin-schemas";
export * from "./bootstrap";
export * from "./first-admin";
export * from "./user-directory";
