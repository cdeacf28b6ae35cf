export * from "./catalogue";
export * from "./seed-demo-data";
