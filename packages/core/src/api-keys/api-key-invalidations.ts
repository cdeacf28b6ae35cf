/** Told to every instance when a key may no longer be used: it was revoked. */
export interface ApiKeyInvalidation {
  userId: string;
  /** The revoked key's public id, or null for every key of the user. */
  publicId: string | null;
}

export const apiKeyInvalidationsChannel = "api-keys:invalidated";
