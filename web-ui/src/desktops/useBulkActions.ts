import { useCallback, useState } from "react";
import { useClient } from "urql";
import { describeError, type ApiProblem } from "../api/errors";
import { DeleteDesktopDocument, StopDesktopDocument } from "../gql/graphql";

export interface BulkOutcome {
  done: number;
  failures: { id: string; problem: ApiProblem }[];
}

/** Powers off or deletes many desktops, a few at a time, and reports each failure with its reason. */
export function useBulkActions(concurrency = 8) {
  const client = useClient();
  const [running, setRunning] = useState(false);
  const [outcome, setOutcome] = useState<BulkOutcome | null>(null);

  const run = useCallback(
    async (action: "stop" | "delete", ids: string[]) => {
      setRunning(true);
      setOutcome(null);
      const document = action === "stop" ? StopDesktopDocument : DeleteDesktopDocument;
      const failures: BulkOutcome["failures"] = [];
      let done = 0;
      const queue = [...ids];
      const worker = async () => {
        for (let id = queue.shift(); id; id = queue.shift()) {
          const r = await client.mutation(document, { id }).toPromise();
          const problem = describeError(r.error);
          if (problem) failures.push({ id, problem });
          else done++;
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
      const result = { done, failures };
      setOutcome(result);
      setRunning(false);
      return result;
    },
    [client, concurrency],
  );

  return { run, running, outcome, clear: () => setOutcome(null) };
}
