import { TextField } from "../layout/text-field";

export interface Credentials {
  email: string;
  password: string;
}

/** Email and password, with the autocomplete hints that let password managers fill or save them. */
export function CredentialFields({
  value,
  onChange,
  newPassword = false,
}: {
  value: Credentials;
  onChange: (value: Credentials) => void;
  newPassword?: boolean;
}) {
  return (
    <>
      <TextField
        label="Email"
        type="email"
        autoComplete="email"
        required
        value={value.email}
        onChange={(e) => onChange({ ...value, email: e.target.value })}
      />
      <TextField
        label="Password"
        type="password"
        autoComplete={newPassword ? "new-password" : "current-password"}
        required
        minLength={newPassword ? 8 : undefined}
        value={value.password}
        onChange={(e) => onChange({ ...value, password: e.target.value })}
      />
    </>
  );
}
