import type { ReactNode } from "react";
import { useSearchParams } from "react-router";
import { ErrorMessage } from "../api/error-message";

/** What a page needs of the mutation a mailed link triggers. */
export interface LinkMutation<Input> {
  mutate: (input: Input) => void;
  isPending: boolean;
  isSuccess: boolean;
  error: unknown;
}

/** The single-use token a mailed link carries in its `token` query parameter, or "" when it has none. */
export function useLinkToken(): string {
  const [params] = useSearchParams();
  return params.get("token") ?? "";
}

/**
 * The frame of every page a mailed link opens: a heading, then either the form or, once done, the
 * outcome. A link cut short (a mail client wrapping it, say) is said so before anything is typed;
 * `lostLink` says where to get a new one, since a used or expired link is the usual failure.
 */
export function MailedLinkPage({
  title,
  doneTitle,
  done,
  isDone,
  hasToken,
  error,
  lostLink,
  children,
}: {
  title: string;
  doneTitle: string;
  done: ReactNode;
  isDone: boolean;
  hasToken: boolean;
  error: unknown;
  lostLink: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby="mailed-link-title" className="narrow">
      <h1 id="mailed-link-title">{isDone ? doneTitle : title}</h1>
      {isDone ? (
        done
      ) : hasToken ? (
        <>
          {children}
          <ErrorMessage error={error} />
        </>
      ) : (
        <p role="alert" className="error">
          This link is incomplete. Open the link from your mail exactly as it is.
        </p>
      )}
      {!isDone && <p className="muted">{lostLink}</p>}
    </section>
  );
}
