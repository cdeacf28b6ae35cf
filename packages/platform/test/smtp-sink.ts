import { EventEmitter, once } from "node:events";
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  to: string;
  body: string;
}

export interface SmtpSink {
  url: string;
  received: ReceivedMail[];
  /** While set, every recipient is refused with 550. */
  refusing: boolean;
  /** While set, a message is read but never acknowledged: its sender hangs mid-send. */
  holding: boolean;
  /** Emits "received" (with the mail) and "held" as they happen. */
  events: EventEmitter;
  /** Stops holding and acknowledges the messages held so far. */
  release(): void;
  close(): Promise<void>;
}

/** A real SMTP server on a free port that the test can make refuse or hang. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const events = new EventEmitter();
  const held: (() => void)[] = [];
  const sink: SmtpSink = {
    url: "",
    received: [],
    refusing: false,
    holding: false,
    events,
    release() {
      sink.holding = false;
      for (const acknowledge of held.splice(0)) acknowledge();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onRcptTo(_address, _session, callback) {
      if (!sink.refusing) return callback();
      callback(Object.assign(new Error("mailbox unavailable"), { responseCode: 550 }));
    },
    onData(stream, session, done) {
      let body = "";
      stream.on("data", (chunk: Buffer) => (body += chunk.toString()));
      stream.on("end", () => {
        const accept = () => {
          const mail = { to: session.envelope.rcptTo[0]!.address, body };
          sink.received.push(mail);
          done();
          events.emit("received", mail);
        };
        if (!sink.holding) return accept();
        held.push(accept);
        events.emit("held");
      });
    },
  });
  server.listen(0, "127.0.0.1");
  await once(server.server, "listening");
  sink.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return sink;
}
