export type { LoginThrottle, ThrottledKey } from "./login-throttle";
export { loginKeys, lockoutAfter } from "./login-throttle";
export { createInProcessLoginThrottle } from "./in-process";
export { createRedisLoginThrottle } from "./redis";
