import { useId, type InputHTMLAttributes } from "react";

/** A labelled input: the label is tied to the field so that screen readers and tests find it by name. */
export function TextField({ label, ...input }: { label: string } & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} />
    </div>
  );
}
