import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { type InputIssue, refuse } from "./error-responses";

/** What a guard refuses a request with: a client error, the sentence that explains it, and the fields at fault. */
export interface Refusal {
  status: number;
  message: string;
  issues?: readonly InputIssue[];
}

/** A check of an HTTP request before it is handled: its refusal, or undefined to let it through. */
export type RequestGuard = (req: FastifyRequest) => Refusal | undefined;

/**
 * A guard as an `onRequest` or `preValidation` hook, in Fastify's callback style: a request it
 * lets through costs no promise, where an async hook costs every request one and a turn of the
 * microtask queue. A refused request is answered here, and `done` is then not called, which is
 * how a callback hook tells Fastify that it replied.
 */
export function guardHook(guard: RequestGuard) {
  return (req: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const refusal = guard(req);
    if (refusal) void refuse(req, reply, refusal.status, refusal.message, refusal.issues);
    else done();
  };
}
