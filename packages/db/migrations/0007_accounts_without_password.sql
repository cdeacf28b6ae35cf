-- An account without a password used to hold the hash of a secret nobody knows, which cannot be
-- told apart from a real one. It is null from now on, so that the account can be asked for a
-- recent sign-in through its identity provider where others are asked for their password.
ALTER TABLE "users" ALTER COLUMN "password_hash" DROP NOT NULL;
--> statement-breakpoint
-- The audit trail tells which accounts have no password yet: those an identity provider's first
-- sign-in created, or whose password it ended, unless a password was set by mail since; and the
-- deleted ones.
UPDATE "users" SET "password_hash" = NULL
WHERE "deleted_at" IS NOT NULL
   OR "id"::text IN (
     SELECT link."after"->>'userId'
     FROM "audit_log" link
     WHERE link."action" = 'oauth_account.link'
       AND (link."after"->>'account' = 'created' OR link."after"->>'passwordDisabled' = 'true')
       AND NOT EXISTS (
         SELECT 1 FROM "audit_log" reset
         WHERE reset."action" = 'user.reset_password'
           AND reset."resource_id" = link."after"->>'userId'
           AND reset."id" > link."id"
       )
   );
