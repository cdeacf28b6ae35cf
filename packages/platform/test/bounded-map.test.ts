import { describe, expect, it } from "vitest";
import { BoundedMap } from "../src";

describe("a bounded map", () => {
  it("drops the entry set longest ago to make room", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1).set("b", 2).set("c", 3);
    expect([...map]).toEqual([
      ["b", 2],
      ["c", 3],
    ]);
  });

  it("makes an entry set again the newest, without dropping another for it", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1).set("b", 2).set("a", 10);
    expect([...map]).toEqual([
      ["b", 2],
      ["a", 10],
    ]);
    map.set("c", 3);
    expect([...map.keys()]).toEqual(["a", "c"]);
  });
});
