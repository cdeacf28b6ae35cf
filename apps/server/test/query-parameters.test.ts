import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { everyQueryParameterOf, queryParametersOf } from "../src/plugins/query-parameters";

const requestFor = (url: string) => ({ raw: { url } }) as unknown as FastifyRequest;

// Request targets a client can send: what the URL standard escapes, drops, cuts off or keeps.
const TARGETS = [
  "/trpc/health.check",
  "/trpc/health.check?",
  "/trpc/a,b?batch=1&input=%7B%220%22%3A1%7D",
  '/trpc/a?input={"0":{"json":"x y"}}',
  "/trpc/a?input=a+b%2Bc&input=second",
  "/trpc/a?input=%E0%A4%A&x=%zz&y=%",
  "/trpc/a?input=caf\u00e9&\u00ff=\u00fe",
  "/trpc/a?one=1?two=2&three",
  "/trpc/a,b??batch=1",
  "/trpc/a???x=1&?y=2",
  "/trpc/a?x=1#fragment&y=2",
  "/trpc/a#fragment?x=1",
  "/trpc/a?x=1\ty=2&z=\n3",
  "/trpc/a?x= 1 ",
  "/trpc/a?x=\u0001\u007f",
  "/trpc/a?&&=&a==b&c",
  "http://example.com/trpc/a?x=1",
  "//example.com/trpc/a?x=1",
  "/trpc/a?access_token=secret&ACCESS_TOKEN=other",
];

describe("a request's query parameters", () => {
  it.each(TARGETS)("are what a URL's searchParams hold for %j", (target) => {
    const expected = [...new URL(target, "http://localhost").searchParams];
    expect([...queryParametersOf(requestFor(target))]).toEqual(expected);
  });

  it("are read from the text after the first `?` when the target is no URL", () => {
    expect([...queryParametersOf(requestFor("http://a b/?x=1#y"))]).toEqual([["x", "1#y"]]);
  });

  it("are all read for the token guard, those past a `#` too", () => {
    expect([...everyQueryParameterOf(requestFor("/trpc/a?x=1#&token=abc"))]).toEqual([
      ["x", "1#"],
      ["token", "abc"],
    ]);
    expect([...everyQueryParameterOf(requestFor("/trpc/a#?token=abc"))]).toEqual([["token", "abc"]]);
  });

  it("are parsed once per request", () => {
    const request = requestFor("/trpc/a?x=1");
    expect(queryParametersOf(request)).toBe(queryParametersOf(request));
  });
});
