import type { RouterInputs } from "@seed/client";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ErrorMessage } from "../api/error-message";
import { useTRPC } from "../api/trpc";
import { TextField } from "../layout/text-field";
import { WebhookSecret } from "./webhook-secret";

type EventType = RouterInputs["admin"]["webhooks"]["create"]["eventTypes"][number];

/** A new endpoint: its URL and the event types it hears, from the server's catalogue. Its secret is shown once. */
export function WebhookEndpointCreation({ onCreated }: { onCreated: () => void }) {
  const trpc = useTRPC();
  const catalogue = useQuery(trpc.admin.webhooks.eventTypes.queryOptions());
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [eventTypes, setEventTypes] = useState<EventType[]>([]);
  const create = useMutation(trpc.admin.webhooks.create.mutationOptions({ onSuccess: onCreated }));

  if (create.data) return <WebhookSecret secret={create.data.secret} onDone={() => create.reset()} />;

  const toggle = (type: EventType, on: boolean) =>
    setEventTypes((chosen) => (on ? [...chosen, type] : chosen.filter((held) => held !== type)));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ url, description, eventTypes });
  };
  return (
    <form onSubmit={submit} aria-label="Register a webhook endpoint">
      <TextField
        label="URL"
        type="url"
        required
        maxLength={2000}
        value={url}
        onChange={(e) => setUrl(e.target.value)}
      />
      <TextField
        label="Description"
        maxLength={500}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
      />
      <fieldset>
        <legend>Event types</legend>
        {catalogue.data?.map(({ type, description: meaning }) => (
          <label key={type} className="checkbox" title={meaning}>
            <input
              type="checkbox"
              checked={eventTypes.includes(type as EventType)}
              onChange={(e) => toggle(type as EventType, e.target.checked)}
            />
            {type}
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={catalogue.error ?? create.error} />
      <button type="submit" disabled={create.isPending || eventTypes.length === 0}>
        Register endpoint
      </button>
    </form>
  );
}
