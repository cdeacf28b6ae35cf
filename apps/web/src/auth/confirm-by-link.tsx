import type { ReactNode } from "react";
import { MailedLinkPage, useLinkToken, type LinkMutation } from "./mailed-link";

/**
 * A mailed link that confirms something by itself (an address). It waits for a click rather than
 * confirming on load: mail scanners and link previews open links, and some run the page's script,
 * which would use the link up before its reader ever saw it.
 */
export function ConfirmByLink({
  title,
  intro,
  confirmLabel,
  doneTitle,
  done,
  lostLink,
  confirm,
}: {
  title: string;
  intro: ReactNode;
  confirmLabel: string;
  doneTitle: string;
  done: ReactNode;
  lostLink: ReactNode;
  confirm: LinkMutation<{ token: string }>;
}) {
  const token = useLinkToken();
  return (
    <MailedLinkPage
      title={title}
      doneTitle={doneTitle}
      done={done}
      isDone={confirm.isSuccess}
      hasToken={token !== ""}
      error={confirm.error}
      lostLink={lostLink}
    >
      <p>{intro}</p>
      <button type="button" disabled={confirm.isPending} onClick={() => confirm.mutate({ token })}>
        {confirmLabel}
      </button>
    </MailedLinkPage>
  );
}
