import { oauthAccounts, users } from "@seed/db";
import { and, isNull, sql, type SQL } from "drizzle-orm";

/**
 * An account that still waits for its owner to take up the invitation: nobody has chosen a
 * password, confirmed the address or signed in through an identity provider, and it is neither
 * disabled nor deleted. Only such an account may be sent its invitation again, since the link
 * sets a password and confirms the address of whoever holds it.
 */
export function isOpenInvitation(): SQL {
  return and(
    isNull(users.passwordHash),
    isNull(users.emailVerifiedAt),
    isNull(users.disabledAt),
    isNull(users.deletedAt),
    sql`not exists (select 1 from ${oauthAccounts} where ${oauthAccounts.userId} = ${users.id})`,
  )!;
}
