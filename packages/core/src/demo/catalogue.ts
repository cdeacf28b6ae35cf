/**
 * A deterministic demo catalogue: product `n` is always the same product, so seeding twice
 * inserts nothing new (its SKU already exists) and every run shows the same shop.
 */
const categories = {
  furniture: ["desk", "chair", "shelf", "stool", "bench", "sideboard"],
  lighting: ["lamp", "pendant", "sconce", "lantern"],
  kitchen: ["kettle", "teapot", "knife", "skillet", "bowl", "mug"],
  textiles: ["throw", "cushion", "rug", "apron", "towel"],
  garden: ["planter", "watering can", "trowel", "hammock"],
  stationery: ["notebook", "fountain pen", "desk tray", "letter opener"],
} as const;

const materials = ["oak", "walnut", "brass", "linen", "ceramic", "steel", "wool", "cork", "glass", "ash", "copper"];
const styles = ["Nordic", "Studio", "Heritage", "Compact", "Field", "Atelier", "Harbour", "Meadow"];

export interface DemoProduct {
  sku: string;
  name: string;
  description: string;
  category: string;
  priceAmount: number;
  currency: string;
  stock: number;
}

export const demoSku = (index: number) => `DEMO-${String(index + 1).padStart(6, "0")}`;

export function demoProduct(index: number): DemoProduct {
  const random = seededRandom(index);
  const [category, items] = pick(Object.entries(categories), random);
  const item = pick(items, random);
  const material = pick(materials, random);
  const style = pick(styles, random);
  return {
    sku: demoSku(index),
    name: `${style} ${material} ${item}`,
    description: `A ${material} ${item} from the ${style} range, made to last and easy to care for.`,
    category,
    // Prices end in 0, 5 or 9 cents, as shop prices do.
    priceAmount: Math.floor(random() * 400 + 5) * 100 + pick([0, 50, 99], random),
    currency: "EUR",
    stock: random() < 0.1 ? 0 : Math.floor(random() * 200),
  };
}

function pick<T>(values: readonly T[], random: () => number): T {
  return values[Math.floor(random() * values.length)]!;
}

/** mulberry32: small, fast and good enough to make varied but repeatable demo data. */
function seededRandom(seed: number): () => number {
  let state = (seed + 0x6d2b79f5) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}
