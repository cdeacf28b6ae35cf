export * from "./access";
export * from "./access-events";
export * from "./authorization-catalog";
export * from "./catalog";
export * from "./permission-grants";
export * from "./role-assignments";
