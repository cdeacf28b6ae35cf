import type { Deployment } from "../../../server/test/support/test-server";

/**
 * The link to `path` in the latest mail to `to` that holds one, on the server under test: the
 * mail names APP_URL, and the page is the same there.
 */
export async function mailedLink(
  deployment: Pick<Deployment, "database">,
  baseUrl: string,
  to: string,
  path: string,
): Promise<string> {
  const mails = await deployment.database.connection.db.query.mailOutbox.findMany({
    where: (outbox, { eq }) => eq(outbox.to, to),
    orderBy: (outbox, { desc }) => desc(outbox.id),
  });
  const pattern = new RegExp(String.raw`https?://\S+${path}\?token=[\w-]+`);
  const link = mails.map((mail) => pattern.exec(mail.text)?.[0]).find((found) => found !== undefined);
  if (!link) throw new Error(`no link to ${path} mailed to ${to}`);
  const { pathname, search } = new URL(link);
  return `${baseUrl}${pathname}${search}`;
}
