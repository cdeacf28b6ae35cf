/**
 * A URL's text decoded once more, as tRPC decodes a procedure's name and @seed/api's REST router
 * a path parameter: past what Fastify's router decoded, or from the URL as it was sent.
 */
export function decodedOnceMore(text: string): string {
  // Nothing to decode: a path without escapes, as nearly all are, decodes to itself.
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // Not valid percent-encoding: the reader refuses it as it is.
    return text;
  }
}
