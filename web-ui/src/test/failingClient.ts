import { Client, makeResult, type Exchange } from "urql";
import { filter, map, pipe } from "wonka";

/**
 * A real urql client whose every operation fails with one GraphQL error, as the gateway sends it:
 * query errors then travel urql's own pipeline (unlike fakeClient, which answers by name).
 */
export function failingClient(code: string, message: string): Client {
  const fail: Exchange = () => (ops$) =>
    pipe(
      ops$,
      filter((op) => op.kind !== "teardown"),
      map((op) => makeResult(op, { errors: [{ message, extensions: { code } }] })),
    );
  return new Client({ url: "http://gateway.test/graphql", exchanges: [fail] });
}
