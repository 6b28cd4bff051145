import { Alert } from "@mantine/core";
import { IconAlertTriangle } from "../common/icons";
import type { CombinedError } from "urql";
import { describeError, type ApiProblem } from "./errors";

/** An API error shown where it happened, with the gateway's code and reason. */
export function ErrorAlert({
  error,
  title,
  onClose,
}: {
  error: CombinedError | ApiProblem | undefined | null;
  title?: string;
  onClose?: () => void;
}) {
  if (!error) return null;
  const problem = "graphQLErrors" in error ? describeError(error) : error;
  if (!problem) return null;
  return (
    <Alert
      color="red"
      variant="light"
      role="alert"
      icon={<IconAlertTriangle size={18} />}
      title={title ?? "Something went wrong"}
      withCloseButton={Boolean(onClose)}
      onClose={onClose}
    >
      <span data-error-code={problem.code}>
        {problem.message} <code>({problem.code})</code>
      </span>
    </Alert>
  );
}
