/** A signing secret, shown the one time the server answers it. */
export function WebhookSecret({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <div role="status">
      <p>Copy the signing secret now: it will not be shown again.</p>
      <p>
        <code aria-label="Signing secret" className="secret">
          {secret}
        </code>
      </p>
      <p>Verify each request with it as Standard Webhooks says (the standardwebhooks libraries do).</p>
      <button type="button" onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}
