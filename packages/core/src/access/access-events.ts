/** Told to a user's open subscriptions when their roles or grants change, once the change commits. */
export interface AccessChange {
  type: "access.changed";
  at: Date;
}

export const accessChangesChannel = (userId: string) => `user:${userId}:access`;
