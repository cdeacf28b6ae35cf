import { randomUUID } from "node:crypto";
import { auditLog, products } from "@seed/db";
import { availableDrivers } from "@seed/db/testing";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ProductChange, productChangesChannel } from "@seed/core";
import { member, productInput, recordEvents, type TestApi } from "./shop-support";
import { createTestApi } from "./support";

describe.each(availableDrivers())("products on %s", (driver) => {
  let api: TestApi;
  let manager: Awaited<ReturnType<typeof member>>;
  let admin: Awaited<ReturnType<typeof member>>;
  let customer: Awaited<ReturnType<typeof member>>;

  beforeAll(async () => {
    api = await createTestApi(driver);
    [manager, admin, customer] = await Promise.all([
      member(api, ["manager"]),
      member(api, ["admin"]),
      member(api, ["customer"]),
    ]);
  });
  afterAll(() => api?.database.destroy());

  const stored = (id: string) => api.deps.db.query.products.findFirst({ where: eq(products.id, id) });

  it("creates a product with its price in minor units and a first version", async () => {
    const product = await manager.api.products.create(productInput({ price: { amount: 1999, currency: "USD" } }));
    expect(product).toMatchObject({ price: { amount: 1999, currency: "USD" }, version: 1, deletedAt: null });
    expect(await customer.api.products.get({ productId: product.id })).toEqual(product);
  });

  it("refuses a second product with the same SKU, and keeps the first", async () => {
    const first = await manager.api.products.create(productInput());
    await expect(manager.api.products.create(productInput({ sku: first.sku, name: "Copy" }))).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect((await stored(first.id))?.name).toBe(first.name);
  });

  it("applies an update made on the current version, and refuses one made on a stale version", async () => {
    const product = await manager.api.products.create(productInput());
    const updated = await manager.api.products.update({
      productId: product.id,
      version: 1,
      changes: { name: "Brass desk lamp", price: { amount: 3100, currency: "EUR" } },
    });
    expect(updated).toMatchObject({ name: "Brass desk lamp", price: { amount: 3100 }, version: 2 });

    const stale = manager.api.products.update({ productId: product.id, version: 1, changes: { stock: 0 } });
    await expect(stale).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("version 1, now 2"),
    });
    expect(await stored(product.id)).toMatchObject({ name: "Brass desk lamp", stock: 10, version: 2 });
  });

  it.each([
    ["an unknown field", { version: 1, changes: { stock: 1 }, deletedAt: null }],
    ["a field callers do not set", { version: 1, changes: { version: 50 } }],
    ["no change at all", { version: 1, changes: {} }],
    ["a fractional price", { version: 1, changes: { price: { amount: 10.5, currency: "EUR" } } }],
    ["a negative stock", { version: 1, changes: { stock: -1 } }],
    ["a currency that is no ISO code", { version: 1, changes: { price: { amount: 10, currency: "euro" } } }],
  ])("refuses an update with %s and changes nothing", async (_case, input) => {
    const product = await manager.api.products.create(productInput());
    const update = manager.api.products.update({ productId: product.id, ...input } as never);
    await expect(update).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await stored(product.id)).toMatchObject({ version: 1, stock: 10, deletedAt: null });
  });

  it("hides a deleted product from the shop, and lets an admin find and restore it", async () => {
    const product = await manager.api.products.create(productInput({ category: `hidden-${randomUUID()}` }));
    await manager.api.products.delete({ productId: product.id });

    await expect(customer.api.products.get({ productId: product.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await customer.api.products.list({ category: product.category })).items).toEqual([]);
    await expect(customer.api.products.list({ deleted: true })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(manager.api.products.delete({ productId: product.id })).rejects.toMatchObject({ code: "NOT_FOUND" });

    const deleted = await admin.api.products.list({ category: product.category, deleted: true });
    expect(deleted.items.map((item) => item.id)).toEqual([product.id]);
    const restored = await admin.api.products.restore({ productId: product.id });
    expect(restored).toMatchObject({ deletedAt: null, version: 3 });
    expect((await customer.api.products.list({ category: product.category })).items).toHaveLength(1);
    await expect(admin.api.products.restore({ productId: product.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("finds products by words of their name or description, with stemming", async () => {
    const category = `search-${randomUUID()}`;
    const desk = await manager.api.products.create(
      productInput({ category, name: "Walnut desk", description: "Solid wood, oiled by hand" }),
    );
    const chair = await manager.api.products.create(
      productInput({ category, name: "Oak chair", description: "Stackable seating" }),
    );
    const ids = async (search: string) =>
      (await customer.api.products.list({ category, search })).items.map((item) => item.id);
    expect(await ids("wood")).toEqual([desk.id]);
    expect(await ids("chairs")).toEqual([chair.id]);
    expect(await ids("oak -walnut")).toEqual([chair.id]);
    expect(await ids("marble")).toEqual([]);
  });

  it("filters by category, price range, currency and stock", async () => {
    const category = `filters-${randomUUID()}`;
    const make = (amount: number, stock: number, currency = "EUR") =>
      manager.api.products.create(productInput({ category, price: { amount, currency }, stock }));
    const cheap = await make(500, 3);
    const middle = await make(1500, 0);
    const dear = await make(9000, 1);
    const dollars = await make(1500, 2, "USD");
    const ids = async (filters: object) =>
      (await customer.api.products.list({ category, sort: "price_asc", ...filters })).items.map((item) => item.id);

    expect(await ids({})).toEqual([cheap.id, middle.id, dollars.id, dear.id].sort(byPriceThenId));
    expect(await ids({ minPrice: 1000, maxPrice: 2000, currency: "EUR" })).toEqual([middle.id]);
    expect(await ids({ inStock: true, currency: "EUR" })).toEqual([cheap.id, dear.id]);
    expect(await ids({ inStock: false })).toEqual([middle.id]);
    await expect(customer.api.products.list({ minPrice: 10, maxPrice: 5 })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });

    function byPriceThenId(a: string, b: string) {
      const price = (id: string) => [cheap, middle, dear, dollars].find((product) => product.id === id)!.price.amount;
      return price(a) - price(b) || a.localeCompare(b);
    }
  });

  it("sorts only by the allow-listed keys", async () => {
    for (const sort of ["stock", "created_at; drop table products", "id"]) {
      await expect(customer.api.products.list({ sort } as never)).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
  });

  it.each(["newest", "price_asc", "price_desc", "name_asc"] as const)(
    "pages through %s without skipping or repeating a product while others are added",
    async (sort) => {
      const category = `paging-${randomUUID()}`;
      const add = (index: number) =>
        manager.api.products.create(
          productInput({ category, name: `Item ${index % 4}`, price: { amount: 100 * (index % 5), currency: "EUR" } }),
        );
      const original: string[] = [];
      for (let index = 0; index < 23; index++) original.push((await add(index)).id);

      const seen: string[] = [];
      let cursor: string | undefined;
      let added = 100;
      do {
        const page = await customer.api.products.list({ category, sort, limit: 5, cursor });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.nextCursor ?? undefined;
        for (let more = 0; more < 3; more++) await add(added++);
      } while (cursor);

      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(original));
    },
  );

  it("refuses a forged cursor and a cursor of another sort order", async () => {
    const category = `cursor-${randomUUID()}`;
    for (let index = 0; index < 3; index++) await manager.api.products.create(productInput({ category }));
    const { nextCursor } = await customer.api.products.list({ category, limit: 1 });
    expect(nextCursor).not.toBeNull();

    const forged = Buffer.from(JSON.stringify(["newest", "x') or 1=1 --", randomUUID()])).toString("base64url");
    const impossibleTime = Buffer.from(JSON.stringify(["newest", "2026-13-45 25:61:61+00", randomUUID()])).toString(
      "base64url",
    );
    const hugePrice = Buffer.from(JSON.stringify(["price_asc", 1e300, randomUUID()])).toString("base64url");
    for (const cursor of ["not a cursor", forged, impossibleTime, Buffer.from("[1,2,3]").toString("base64url")]) {
      await expect(customer.api.products.list({ category, cursor })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    }
    await expect(customer.api.products.list({ category, sort: "price_asc", cursor: hugePrice })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
    await expect(
      customer.api.products.list({ category, sort: "price_asc", cursor: nextCursor! }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("another sort") });
  });

  it("announces each committed change, and nothing for a change that was refused", async () => {
    const events = await recordEvents<ProductChange>(api.deps.events, productChangesChannel);
    const product = await manager.api.products.create(productInput());
    await manager.api.products.update({ productId: product.id, version: 1, changes: { stock: 4 } });
    await expect(
      manager.api.products.update({ productId: product.id, version: 1, changes: { stock: 9 } }),
    ).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(manager.api.products.create(productInput({ sku: product.sku }))).rejects.toMatchObject({
      code: "CONFLICT",
    });
    await manager.api.products.delete({ productId: product.id });

    const received = (await events.settle()).filter((event) => event.productId === product.id);
    expect(received.map(({ type, version }) => ({ type, version }))).toEqual([
      { type: "product.created", version: 1 },
      { type: "product.updated", version: 2 },
      { type: "product.deleted", version: 3 },
    ]);
  });

  it("audits every change with who made it and what changed", async () => {
    const product = await manager.api.products.create(productInput());
    await manager.api.products.update({ productId: product.id, version: 1, changes: { name: "Renamed" } });
    const rows = await api.deps.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.resource, "product"), eq(auditLog.resourceId, product.id)))
      .orderBy(auditLog.id);
    expect(rows.map((row) => [row.action, row.actorId])).toEqual([
      ["product.created", manager.id],
      ["product.updated", manager.id],
    ]);
    expect(rows[1]).toMatchObject({ before: { name: product.name }, after: { name: "Renamed" } });
  });
});
