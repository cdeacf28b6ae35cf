import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Stripe from "stripe";

/** Payment methods as Stripe's test mode names them, with the outcome each has here. */
export const testPaymentMethods = {
  /** A card that is charged at once. */
  visa: "pm_card_visa",
  /** A card its bank declines. */
  declined: "pm_card_chargeDeclined",
  /** A bank debit: processing at first, settled later (`settle`). */
  bankDebit: "pm_usBankAccount",
} as const;

interface PaymentIntentRecord {
  id: string;
  object: "payment_intent";
  amount: number;
  currency: string;
  status: Stripe.PaymentIntent.Status;
  metadata: Record<string, string>;
  payment_method: string | null;
  last_payment_error: { type: string; code: string; message: string } | null;
  livemode: false;
  created: number;
}

interface Answer {
  status: number;
  body: unknown;
}

export interface StripeStandIn {
  /** The origin to give the SDK (`STRIPE_API_BASE`). */
  url: string;
  secretKey: string;
  webhookSecret: string;
  /** Every PaymentIntent, by id. */
  intents: Map<string, PaymentIntentRecord>;
  /** The PaymentIntents refunded, in order; one entry per refund made. */
  refunds: string[];
  /** The requests that reached the API, as "METHOD /path". */
  requests: string[];
  /** The PaymentIntents charged: one entry per confirmation that took the money. */
  readonly charged: string[];
  /** Answers the next `count` requests with a 500, before doing anything (and remembering nothing). */
  failNext(count: number): void;
  /** The PaymentIntent of a payment (an order id). */
  intentFor(paymentId: string): PaymentIntentRecord | undefined;
  /** Settles a processing PaymentIntent, as a bank does days later; returns the event Stripe would send. */
  settle(intentId: string, outcome: "succeeded" | "failed"): Stripe.Event;
  /** An event about a PaymentIntent as it is now, as Stripe would post it. */
  eventAbout(intentId: string, type: "payment_intent.succeeded" | "payment_intent.payment_failed"): Stripe.Event;
  /**
   * The body and Stripe-Signature header of a webhook post, signed with the SDK's own test helper:
   * the event as JSON, or a string as it is.
   */
  signed(event: unknown, secret?: string): { body: string; signature: string };
  close(): Promise<void>;
}

/**
 * A local stand-in for the part of Stripe's API the adapter uses: PaymentIntents (create, confirm,
 * retrieve, search by metadata, cancel) and Refunds, with Idempotency-Key honoured as Stripe does (the first answer is
 * replayed; the same key with other parameters is refused). Nothing leaves the machine.
 */
export async function startStripeStandIn(): Promise<StripeStandIn> {
  const secretKey = `sk_test_${randomBytes(12).toString("hex")}`;
  const webhookSecret = `whsec_${randomBytes(12).toString("hex")}`;
  const intents = new Map<string, PaymentIntentRecord>();
  const answered = new Map<string, { fingerprint: string; answer: Answer }>();
  const refunds: string[] = [];
  const requests: string[] = [];
  const charged: string[] = [];
  let failures = 0;
  const sdk = new Stripe(secretKey);

  const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;
  const error = (status: number, type: string, message: string, extra: object = {}): Answer => ({
    status,
    body: { error: { type, message, ...extra } },
  });

  const expands = (params: URLSearchParams, field: string) =>
    [...params].some(([name, value]) => /^expand\[\d*\]$/.test(name) && value === field);

  /** The intent with its charge in place of the charge's id, as `expand` asks: one that took the money has one. */
  function withLatestCharge(intent: PaymentIntentRecord) {
    if (intent.status !== "succeeded") return intent;
    const charge = { id: `ch_${intent.id.slice(3)}`, object: "charge", amount: intent.amount };
    return {
      ...intent,
      latest_charge: { ...charge, amount_refunded: refunds.includes(intent.id) ? intent.amount : 0 },
    };
  }

  function route(method: string, path: string, params: URLSearchParams): Answer {
    const [, version, resource, id, action] = path.split("/");
    if (version !== "v1") return error(404, "invalid_request_error", "Unrecognized request URL");
    if (resource === "payment_intents" && method === "POST" && !id) {
      const metadata: Record<string, string> = {};
      for (const [key, value] of params) {
        const name = /^metadata\[(.+)\]$/.exec(key)?.[1];
        if (name) metadata[name] = value;
      }
      const intent: PaymentIntentRecord = {
        id: newId("pi"),
        object: "payment_intent",
        amount: Number(params.get("amount")),
        currency: params.get("currency") ?? "",
        status: "requires_payment_method",
        metadata,
        payment_method: null,
        last_payment_error: null,
        livemode: false,
        created: Math.floor(Date.now() / 1000),
      };
      intents.set(intent.id, intent);
      return { status: 200, body: intent };
    }
    if (resource === "payment_intents" && method === "GET" && id === "search") {
      // The one query the adapter makes: `metadata['key']:'value'`.
      const query = /^metadata\['([^']+)'\]:'((?:[^'\\]|\\.)*)'$/.exec(params.get("query") ?? "");
      if (!query) return error(400, "invalid_request_error", "This query is not one the stand-in reads");
      const [, key, quoted] = query;
      const value = quoted!.replace(/\\(.)/g, "$1");
      const data = [...intents.values()]
        .filter((candidate) => candidate.metadata[key!] === value)
        .map((found) => (expands(params, "data.latest_charge") ? withLatestCharge(found) : found));
      return {
        status: 200,
        body: { object: "search_result", url: "/v1/payment_intents/search", has_more: false, next_page: null, data },
      };
    }
    const intent = resource === "payment_intents" && id ? intents.get(id) : undefined;
    if (resource === "payment_intents" && !intent) {
      return error(404, "invalid_request_error", `No such payment_intent: '${id}'`, { code: "resource_missing" });
    }
    if (intent && method === "GET" && !action) {
      return { status: 200, body: expands(params, "latest_charge") ? withLatestCharge(intent) : intent };
    }
    if (intent && method === "POST" && action === "confirm") {
      if (intent.status !== "requires_payment_method" && intent.status !== "requires_confirmation") {
        return error(400, "invalid_request_error", `This PaymentIntent's status is ${intent.status}`, {
          code: "payment_intent_unexpected_state",
        });
      }
      intent.payment_method = params.get("payment_method");
      if (intent.payment_method === testPaymentMethods.declined) {
        intent.last_payment_error = { type: "card_error", code: "card_declined", message: "Your card was declined." };
        return error(402, "card_error", "Your card was declined.", { code: "card_declined", payment_intent: intent });
      }
      if (intent.payment_method === testPaymentMethods.bankDebit) {
        intent.status = "processing";
      } else {
        intent.status = "succeeded";
        charged.push(intent.id);
      }
      return { status: 200, body: intent };
    }
    if (intent && method === "POST" && action === "cancel") {
      // Stripe cancels an intent that took nothing, and refuses one taken, settling or cancelled.
      if (intent.status === "succeeded" || intent.status === "processing" || intent.status === "canceled") {
        return error(400, "invalid_request_error", `This PaymentIntent's status is ${intent.status}`, {
          code: "payment_intent_unexpected_state",
        });
      }
      intent.status = "canceled";
      return { status: 200, body: intent };
    }
    if (resource === "refunds" && method === "POST" && !id) {
      const refunded = intents.get(params.get("payment_intent") ?? "");
      if (!refunded || refunded.status !== "succeeded") {
        return error(400, "invalid_request_error", "This PaymentIntent has no successful charge to refund");
      }
      if (refunds.includes(refunded.id)) {
        return error(400, "invalid_request_error", "This charge has already been refunded", {
          code: "charge_already_refunded",
        });
      }
      refunds.push(refunded.id);
      return {
        status: 200,
        body: { id: newId("re"), object: "refund", payment_intent: refunded.id, status: "succeeded" },
      };
    }
    return error(404, "invalid_request_error", "Unrecognized request URL");
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const path = new URL(req.url ?? "/", "http://stand-in").pathname;
    requests.push(`${req.method} ${path}`);
    const reply = ({ status, body: payload }: Answer) => {
      res.writeHead(status, { "content-type": "application/json", "request-id": newId("req") });
      res.end(JSON.stringify(payload));
    };
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      return reply(error(401, "invalid_request_error", "Invalid API Key provided"));
    }
    if (failures > 0) {
      failures -= 1;
      return reply(error(500, "api_error", "Something went wrong on Stripe's end"));
    }
    const key = req.headers["idempotency-key"];
    if (req.method === "GET")
      return reply(route(req.method, path, new URL(req.url ?? "/", "http://stand-in").searchParams));
    if (typeof key !== "string") return reply(route(req.method!, path, new URLSearchParams(body)));
    const fingerprint = createHash("sha256").update(`${req.method} ${path} ${body}`).digest("hex");
    const earlier = answered.get(key);
    if (earlier) {
      if (earlier.fingerprint !== fingerprint) {
        return reply(
          error(400, "idempotency_error", "Keys for idempotent requests can only be used with the same parameters"),
        );
      }
      return reply(earlier.answer);
    }
    const answer = route(req.method!, path, new URLSearchParams(body));
    // Stripe keeps the answer of a request it executed, even a refusal; a snapshot of it, as
    // the object may change later.
    const kept = { status: answer.status, body: structuredClone(answer.body) };
    answered.set(key, { fingerprint, answer: kept });
    return reply(kept);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((caught: unknown) => {
      res.writeHead(500).end(String(caught));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  function eventAbout(intentId: string, type: "payment_intent.succeeded" | "payment_intent.payment_failed") {
    return {
      id: newId("evt"),
      object: "event",
      type,
      api_version: Stripe.API_VERSION,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: structuredClone(intents.get(intentId)!) },
    } as unknown as Stripe.Event;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    webhookSecret,
    intents,
    refunds,
    requests,
    charged,
    failNext(count) {
      failures = count;
    },
    intentFor(paymentId) {
      return [...intents.values()].find((intent) => intent.metadata.payment_id === paymentId);
    },
    settle(intentId, outcome) {
      const intent = intents.get(intentId)!;
      if (outcome === "succeeded") {
        intent.status = "succeeded";
        charged.push(intent.id);
        return eventAbout(intentId, "payment_intent.succeeded");
      }
      intent.status = "requires_payment_method";
      intent.last_payment_error = {
        type: "card_error",
        code: "debit_not_authorized",
        message: "The debit was refused.",
      };
      return eventAbout(intentId, "payment_intent.payment_failed");
    },
    eventAbout,
    signed(event, secret = webhookSecret) {
      const body = typeof event === "string" ? event : JSON.stringify(event);
      return { body, signature: sdk.webhooks.generateTestHeaderString({ payload: body, secret }) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
