import {
  bootstrap,
  configurePasswordHashing,
  DEFAULT_DEMO_SIZE,
  type DemoDataSize,
  seedDemoData,
  sessionInvalidator,
} from "@seed/core";
import { createInProcessEventBus, createInProcessPaymentProvider } from "@seed/platform";
import { parseArgs } from "node:util";
import { CommandError, type Command, type CommandIo } from "../command";
import { withDatabase } from "../database";
import { withEventBus } from "../event-bus";
import { startProgress, type Progress } from "../progress";

const labels = { products: "Products", customers: "Customers", orders: "Orders" };

export const seedCommand: Command = {
  usage: "[--products N] [--customers N] [--orders N]",
  summary: "Roles, permissions and the first admin from the environment, then a demo shop; safe to run again",
  async run(io) {
    const size = sizeFrom(io);
    configurePasswordHashing(io.config.auth.passwordHashing);
    const { result } = await withEventBus(io.config, io.log, (events) =>
      withDatabase(io.config, async ({ db }) => {
        const admin = await bootstrap(
          { db, events, sessionCache: sessionInvalidator(events), log: io.log },
          io.config.firstAdmin,
        );
        const bars = new Map<string, Progress>();
        const { added } = await seedDemoData(
          {
            db,
            // Nobody can be watching orders of customers made up here: their events stay here.
            events: createInProcessEventBus(),
            log: io.log,
            payments: createInProcessPaymentProvider(),
            paymentTimeoutMs: io.config.payments.timeoutMs,
          },
          size,
          (stage, step, steps) => {
            if (!bars.has(stage)) bars.set(stage, startProgress(io.out, labels[stage], steps));
            bars.get(stage)!.advance(`${step}/${steps}`);
          },
        );
        return { admin, added };
      }),
    );
    io.out.write(
      `Seeded: roles and permissions in place, first admin ${result.admin}, ${result.added} new products.\n`,
    );
  },
};

function sizeFrom(io: CommandIo): DemoDataSize {
  let values;
  try {
    ({ values } = parseArgs({
      args: io.args,
      options: { products: { type: "string" }, customers: { type: "string" }, orders: { type: "string" } },
    }));
  } catch (error) {
    throw new CommandError((error as Error).message);
  }
  const count = (value: string | undefined, fallback: number, name: string) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0 || parsed > 1_000_000) {
      throw new CommandError(`--${name} must be a whole number from 0 to 1,000,000`);
    }
    return parsed;
  };
  return {
    products: count(values.products, DEFAULT_DEMO_SIZE.products, "products"),
    customers: count(values.customers, DEFAULT_DEMO_SIZE.customers, "customers"),
    ordersPerCustomer: count(values.orders, DEFAULT_DEMO_SIZE.ordersPerCustomer, "orders"),
  };
}
