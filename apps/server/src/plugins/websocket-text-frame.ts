import type { Socket } from "node:net";
import type { WebSocket } from "ws";

const FIN_TEXT = 0x81;
const TWO_BYTE_LENGTH = 126;
const EIGHT_BYTE_LENGTH = 127;

/**
 * Text as its UTF-8 bytes, one character per byte (what Node calls latin1): how the parts of a
 * frame are held, so that a frame can be written as one string with no buffer of its own.
 */
export type Utf8Bytes = string & { readonly utf8Bytes: unique symbol };

export function utf8Bytes(text: string): Utf8Bytes {
  return Buffer.from(text).toString("latin1") as Utf8Bytes;
}

/** The header of an unmasked, final text frame carrying `length` bytes, one character per byte. */
function textFrameHeader(length: number): string {
  if (length < TWO_BYTE_LENGTH) return String.fromCharCode(FIN_TEXT, length);
  if (length <= 0xffff) return String.fromCharCode(FIN_TEXT, TWO_BYTE_LENGTH, length >>> 8, length & 0xff);
  const header = Buffer.allocUnsafe(10);
  header[0] = FIN_TEXT;
  header[1] = EIGHT_BYTE_LENGTH;
  header.writeBigUInt64BE(BigInt(length), 2);
  return header.toString("latin1");
}

/**
 * What sends `head` followed by `tail` on `client` as one text frame, the frame ws would send for
 * their text, in one write of one string. ws writes a frame as two chunks, its header and its
 * payload, corked, which Node hands to the kernel with writev and a write request of its own; a
 * string goes out with a plain write, from a buffer on the stack. Fanning an event out to every
 * subscriber is one such system call per socket and little else: 5,000 loopback sockets took
 * 30–40 ms a round written by ws's way and 24–29 ms written at once. A buffer per frame would
 * cost as much again in garbage collection: each takes a slice of Node's buffer pool, a new pool
 * every 32 frames of an event.
 *
 * ws keeps its connection private. Its sender writes each frame at once, in order, unless it is
 * compressing (permessage-deflate, which this server does not offer) or reading a Blob (never
 * sent here), so a frame written beside it keeps its place; a connection with an extension
 * negotiated (at its handshake, so once for all) is left to ws all the same.
 */
export function textFrameSender(client: WebSocket): (head: Utf8Bytes, tail: Utf8Bytes) => void {
  if (client.extensions !== "") {
    return (head, tail) => client.send(Buffer.from(head + tail, "latin1"), { binary: false });
  }
  const socket = (client as unknown as { _socket: Socket })._socket;
  return (head, tail) => {
    socket.write(textFrameHeader(head.length + tail.length) + head + tail, "latin1");
  };
}
