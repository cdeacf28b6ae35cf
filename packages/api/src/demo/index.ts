export { DEFAULT_DEMO_SIZE, seedDemoData } from "./seed-demo-data";
export type { DemoDataSize, SeedProgress } from "./seed-demo-data";
