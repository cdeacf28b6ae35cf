import { useState, type FormEvent, type ReactNode } from "react";
import { Link } from "react-router";
import { TextField } from "../layout/text-field";
import { MailedLinkPage, useLinkToken, type LinkMutation } from "./mailed-link";

/**
 * A mailed link that sets the account's password (a reset, an invitation). The server uses the
 * link up, so a second try with it is refused with a message this page shows.
 */
export function PasswordByLink({
  title,
  intro,
  lostLink,
  setPassword,
}: {
  title: string;
  intro: ReactNode;
  lostLink: ReactNode;
  setPassword: LinkMutation<{ token: string; password: string }>;
}) {
  const token = useLinkToken();
  const [password, setPasswordValue] = useState("");

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setPassword.mutate({ token, password });
  };

  return (
    <MailedLinkPage
      title={title}
      doneTitle="Your password is set"
      done={
        <p role="status">
          <Link to="/sign-in">Sign in</Link> with your email address and the password you chose.
        </p>
      }
      isDone={setPassword.isSuccess}
      hasToken={token !== ""}
      error={setPassword.error}
      lostLink={lostLink}
    >
      <p>{intro}</p>
      <form onSubmit={submit}>
        <TextField
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          value={password}
          onChange={(e) => setPasswordValue(e.target.value)}
        />
        <button type="submit" disabled={setPassword.isPending}>
          Set password
        </button>
      </form>
    </MailedLinkPage>
  );
}
