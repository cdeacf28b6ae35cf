import { once } from "node:events";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { WebSocket, WebSocketServer, type ServerOptions } from "ws";
import { textFrameSender, utf8Bytes } from "../src/plugins/websocket-text-frame";

const servers: WebSocketServer[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((server) => {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A ws server and a ws client connected to it over a real socket: the server's end of it, and what the client hears. */
async function connection(options: ServerOptions = {}) {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", ...options });
  servers.push(server);
  await once(server, "listening");
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    perMessageDeflate: options.perMessageDeflate !== undefined,
  });
  const [serverEnd] = (await once(server, "connection")) as [WebSocket];
  await once(client, "open");
  const heard: { text: string; binary: boolean }[] = [];
  client.on("message", (data: Buffer, binary: boolean) => heard.push({ text: data.toString(), binary }));
  const received = async (count: number) => {
    while (heard.length < count) await once(client, "message");
    return heard;
  };
  return { serverEnd, client, received };
}

// Each length a frame header encodes its own way: one byte, two bytes past 125, eight past 65,535.
const PAYLOAD_LENGTHS = [0, 1, 125, 126, 127, 65_535, 65_536, 200_000];

/** `length` bytes of UTF-8 text, split into a head and a tail, with characters of two, three and four bytes. */
function textOf(length: number): { head: string; tail: string } {
  const unit = "aé€😀"; // 1 + 2 + 3 + 4 bytes
  let text = unit.repeat(Math.floor(length / 10));
  text += "x".repeat(length - Buffer.byteLength(text));
  const cut = Math.floor(text.length / 3);
  // Never between the halves of a surrogate pair.
  const at = /[\uDC00-\uDFFF]/.test(text[cut] ?? "") ? cut + 1 : cut;
  return { head: text.slice(0, at), tail: text.slice(at) };
}

describe("textFrameSender", () => {
  it("sends the head and tail as one text message, whatever length the frame's header must encode", async () => {
    const { serverEnd, received } = await connection();
    const send = textFrameSender(serverEnd);
    const texts = PAYLOAD_LENGTHS.map(textOf);
    for (const { head, tail } of texts) send(utf8Bytes(head), utf8Bytes(tail));
    const heard = await received(texts.length);
    expect(heard.map(({ text }) => Buffer.byteLength(text))).toEqual(PAYLOAD_LENGTHS);
    expect(heard).toEqual(texts.map(({ head, tail }) => ({ text: head + tail, binary: false })));
  });

  it("writes byte for byte the frame ws writes for the same text, in one write", async () => {
    const { serverEnd } = await connection();
    const socket = (serverEnd as unknown as { _socket: Socket })._socket;
    const writes = vi.spyOn(socket, "write");
    const send = textFrameSender(serverEnd);
    for (const { head, tail } of PAYLOAD_LENGTHS.map(textOf)) {
      writes.mockClear();
      serverEnd.send(head + tail);
      const ws = Buffer.concat(writes.mock.calls.map(([chunk]) => Buffer.from(chunk as Buffer | string)));
      writes.mockClear();
      send(utf8Bytes(head), utf8Bytes(tail));
      expect(writes).toHaveBeenCalledOnce();
      const [ours, encoding] = writes.mock.calls[0]! as [string, BufferEncoding];
      expect(Buffer.from(ours, encoding).equals(ws)).toBe(true);
    }
  });

  it("keeps its place among the frames ws sends on the same connection", async () => {
    const { serverEnd, received } = await connection();
    const send = textFrameSender(serverEnd);
    for (let message = 0; message < 30; message++) {
      if (message % 3 === 0) serverEnd.send(`ws ${message}`);
      else send(utf8Bytes("ours "), utf8Bytes(String(message)));
    }
    const heard = await received(30);
    expect(heard.map(({ text }) => text)).toEqual(
      Array.from({ length: 30 }, (_, message) => (message % 3 === 0 ? `ws ${message}` : `ours ${message}`)),
    );
  });

  it("counts what it has not written yet in the connection's buffered amount, which backpressure reads", async () => {
    const { serverEnd, client } = await connection();
    client.pause();
    const send = textFrameSender(serverEnd);
    const chunk = utf8Bytes("a".repeat(1 << 20));
    for (let frame = 0; frame < 64; frame++) send(chunk, utf8Bytes(""));
    expect(serverEnd.bufferedAmount).toBeGreaterThan(1 << 20);
  });

  it("leaves a connection with compression negotiated to ws, whose compressed frames would otherwise be overtaken", async () => {
    const { serverEnd, received } = await connection({ perMessageDeflate: { threshold: 0 } });
    expect(serverEnd.extensions).toContain("permessage-deflate");
    const send = textFrameSender(serverEnd);
    const { head, tail } = textOf(70_000);
    const expected: string[] = [];
    for (let message = 0; message < 10; message++) {
      // ws compresses off the main thread and queues what is sent meanwhile.
      serverEnd.send(`ws ${message} ${head}`);
      send(utf8Bytes(`ours ${message} `), utf8Bytes(tail));
      expected.push(`ws ${message} ${head}`, `ours ${message} ${tail}`);
    }
    expect((await received(20)).map(({ text, binary }) => ({ text, binary }))).toEqual(
      expected.map((text) => ({ text, binary: false })),
    );
  });
});
