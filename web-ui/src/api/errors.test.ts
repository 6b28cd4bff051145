import { CombinedError } from "urql";
import { describe, expect, it } from "vitest";
import { describeError } from "./errors";

describe("describeError", () => {
  it("takes the code and message of the first GraphQL error", () => {
    const e = new CombinedError({
      graphQLErrors: [{ message: "only admins", extensions: { code: "FORBIDDEN" } }],
    });
    expect(describeError(e)).toEqual({ code: "FORBIDDEN", message: "only admins" });
  });

  it("reports a refused token as an expired session", () => {
    const e = new CombinedError({
      networkError: new Error("Unauthorized"),
      response: { status: 401 },
    });
    expect(describeError(e)?.code).toBe("UNAUTHENTICATED");
  });

  it("reports an unreachable gateway as a network problem", () => {
    const e = new CombinedError({ networkError: new Error("Failed to fetch") });
    expect(describeError(e)).toEqual({
      code: "NETWORK",
      message: "The gateway cannot be reached: Failed to fetch",
    });
  });

  it("is null without an error", () => {
    expect(describeError(undefined)).toBeNull();
  });
});
