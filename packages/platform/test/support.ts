import { expect } from "vitest";
import { AppError } from "../src";

/** The `AppError` a call fails with; fails the test when it succeeds or fails with anything else. */
export async function appErrorOf(call: Promise<unknown>): Promise<AppError> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}
