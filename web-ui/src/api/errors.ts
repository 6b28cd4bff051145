import type { CombinedError } from "urql";

/** An API failure as the UI shows it: the API's `extensions.code` and its message. */
export interface ApiProblem {
  code: string;
  message: string;
}

/** Turns a urql error into the code and message the gateway sent (docs/api.md lists the codes). */
export function describeError(error: CombinedError | undefined | null): ApiProblem | null {
  if (!error) return null;
  const first = error.graphQLErrors[0];
  if (first) {
    const code = first.extensions?.code;
    return { code: typeof code === "string" ? code : "ERROR", message: first.message };
  }
  if (error.response?.status === 401) {
    return { code: "UNAUTHENTICATED", message: "Your session has expired; please sign in again." };
  }
  if (error.networkError) {
    return {
      code: "NETWORK",
      message: `The gateway cannot be reached: ${error.networkError.message}`,
    };
  }
  return { code: "ERROR", message: error.message };
}
