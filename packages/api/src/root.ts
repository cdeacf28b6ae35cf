import { adminRouter } from "./routers/admin";
import { authRouter } from "./routers/auth";
import { healthRouter } from "./routers/health";
import { notificationsRouter } from "./routers/notifications";
import { productSubscriptions } from "./routers/products-live";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  health: healthRouter,
  auth: authRouter,
  admin: adminRouter,
  products: productSubscriptions,
  notifications: notificationsRouter,
});

export type AppRouter = typeof appRouter;

/** Calls the routers inside the process, without HTTP: for workers, scripts and other apps. */
export const createCaller = createCallerFactory(appRouter);
