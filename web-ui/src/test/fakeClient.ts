import { CombinedError, makeResult, type Client, type Operation, type OperationResult } from "urql";
import { fromValue, makeSubject, never, pipe, delay, type Source } from "wonka";

type Answer = (op: Operation) => Source<OperationResult>;

/**
 * A urql client whose transport is replaced: each operation is answered by name, and
 * subscriptions read from subjects the test pushes events into.
 */
export function fakeClient(
  answers: Record<string, (variables: Record<string, unknown>) => unknown>,
) {
  const subjects = new Map<
    string,
    { op: Operation; subject: ReturnType<typeof makeSubject<OperationResult>> }
  >();
  const calls: { name: string; variables: Record<string, unknown> }[] = [];
  const name = (op: Operation) =>
    op.query.definitions.find((d) => d.kind === "OperationDefinition")?.name?.value ?? "";

  const answer: Answer = (op) => {
    const n = name(op);
    const variables = (op.variables ?? {}) as Record<string, unknown>;
    calls.push({ name: n, variables });
    const handler = answers[n];
    if (!handler) return never;
    const data = handler(variables);
    const result =
      data instanceof CombinedError
        ? makeResult(op, { errors: data.graphQLErrors })
        : makeResult(op, { data: data as Record<string, unknown> });
    return pipe(fromValue(result), delay(1));
  };

  const client = {
    executeQuery: answer,
    executeMutation: answer,
    executeSubscription: (op: Operation) => {
      const n = name(op);
      calls.push({ name: n, variables: (op.variables ?? {}) as Record<string, unknown> });
      const subject = makeSubject<OperationResult>();
      subjects.set(n, { op, subject });
      return subject.source;
    },
    mutation: (query: unknown, variables: Record<string, unknown>) => ({
      toPromise: async () => {
        const n = (query as Operation["query"]).definitions.find(
          (d) => d.kind === "OperationDefinition",
        )?.name?.value;
        calls.push({ name: n ?? "", variables });
        const data = answers[n ?? ""]?.(variables);
        return data instanceof CombinedError ? { error: data } : { data };
      },
    }),
  } as unknown as Client;

  /** Delivers a subscription event to whoever subscribed to `subscription`. */
  const push = (subscription: string, data: unknown) => {
    const entry = subjects.get(subscription);
    if (!entry) throw new Error(`nobody subscribed to ${subscription}`);
    entry.subject.next(makeResult(entry.op, { data: data as Record<string, unknown> }));
  };

  return { client, calls, push };
}

/** A GraphQL error as the gateway sends it. */
export function apiError(code: string, message: string) {
  return new CombinedError({ graphQLErrors: [{ message, extensions: { code } }] });
}
