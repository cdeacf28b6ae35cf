/** How a call reached the api: over HTTP, a WebSocket, or from inside the process. */
export type Transport = "http" | "websocket" | "internal";
