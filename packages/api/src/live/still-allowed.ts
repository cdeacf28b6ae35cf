import type { Access, Permission } from "@seed/core";

/**
 * The rule of a subscription to one owner's resource, asked again whenever the subscriber's
 * access changes: its owner may go on following it, anyone else only while holding `permission`.
 */
export function ownerOrHolderOf(ownerId: string, subscriberId: string, permission: Permission) {
  return (access: Access): boolean => ownerId === subscriberId || access.permissions.has(permission);
}

/** The rule of a subscription open to holders of `permission`, asked again whenever their access changes. */
export function holderOf(permission: Permission) {
  return (access: Access): boolean => access.permissions.has(permission);
}
