export type { AttemptReservation, LoginThrottle, ThrottledKey } from "./login-throttle";
export { loginKeys, lockoutAfter } from "./login-throttle";
export { createInProcessLoginThrottle } from "./in-process";
export { createRedisLoginThrottle } from "./redis";
export type { UsageBudget, UsageBudgetPolicy, UsageLimiter } from "./usage-limiter";
export { createInProcessUsageLimiter } from "./usage-limiter-in-process";
export { createRedisUsageLimiter } from "./usage-limiter-redis";
