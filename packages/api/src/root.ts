import { adminRouter } from "./routers/admin";
import { apiKeysRouter } from "./routers/api-keys";
import { authRouter } from "./routers/auth";
import { exportsRouter } from "./routers/exports";
import { healthRouter } from "./routers/health";
import { notificationsRouter } from "./routers/notifications";
import { ordersRouter } from "./routers/orders";
import { productsRouter } from "./routers/products";
import { usersRouter } from "./routers/users";
import { createCallerFactory, router } from "./trpc";
import { compileOutputChecks } from "./compiled-output-check";

export const appRouter = compileOutputChecks(
  router({
    health: healthRouter,
    auth: authRouter,
    admin: adminRouter,
    users: usersRouter,
    apiKeys: apiKeysRouter,
    products: productsRouter,
    orders: ordersRouter,
    notifications: notificationsRouter,
    exports: exportsRouter,
  }),
);

export type AppRouter = typeof appRouter;

/** Calls the routers inside the process, without HTTP: for workers, scripts and other apps. */
export const createCaller = createCallerFactory(appRouter);
