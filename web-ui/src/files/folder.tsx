import { Button } from "@mantine/core";
import { useCallback, useEffect, useRef, useState } from "react";
import type { ApiProblem } from "../api/errors";
import { IconDownload } from "../common/icons";
import { FilesApiError, saveBlob } from "./filesApi";

/** A refusal or failure as a dialog shows it: the API's code and message under a title. */
export interface Problem extends ApiProblem {
  title: string;
}

export const problemOf = (title: string, e: unknown): Problem =>
  e instanceof FilesApiError
    ? { title, code: e.code, message: e.message }
    : { title, code: "ERROR", message: e instanceof Error ? e.message : String(e) };

/**
 * The listing of a desktop's folder (its home, its prints) while a dialog is open: read when the
 * dialog opens and on refresh. Only the latest request counts: an answer overtaken by a newer one
 * (a refresh after an upload) or arriving after the dialog closed is dropped. `list` must keep its
 * identity between renders (useCallback).
 */
export function useFolderListing<L>(opened: boolean, list: () => Promise<L>, failure: string) {
  const [listing, setListing] = useState<L | null>(null);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<Problem | null>(null);
  const latest = useRef(0);

  const load = useCallback(
    (isOpen: () => boolean = () => true) => {
      const request = ++latest.current;
      const counts = () => isOpen() && request === latest.current;
      return list()
        .then(
          (answer) => {
            if (counts()) setListing(answer);
          },
          (e: unknown) => {
            if (counts()) setProblem(problemOf(failure, e));
          },
        )
        .finally(() => {
          if (counts()) setLoading(false);
        });
    },
    [list, failure],
  );

  useEffect(() => {
    if (!opened) return;
    let open = true;
    void load(() => open);
    return () => {
      open = false;
    };
  }, [opened, load]);

  const refresh = useCallback(() => {
    setLoading(true);
    return load();
  }, [load]);

  return { listing, loading, problem, setProblem, refresh };
}

/** Downloads one file of a folder at a time and saves it under its name; failures go to `fail`. */
export function useDownload(
  fetchFile: (name: string) => Promise<Blob>,
  fail: (problem: Problem | null) => void,
) {
  const [downloading, setDownloading] = useState<string | null>(null);
  const download = async (name: string) => {
    fail(null);
    setDownloading(name);
    try {
      saveBlob(await fetchFile(name), name);
    } catch (e) {
      fail(problemOf("The download failed", e));
    } finally {
      setDownloading(null);
    }
  };
  return { downloading, download };
}

/** The Download button of one row. */
export function DownloadButton({
  name,
  busy,
  testId,
  onClick,
}: {
  name: string;
  busy: boolean;
  testId: string;
  onClick: () => void;
}) {
  return (
    <Button
      size="xs"
      variant="light"
      leftSection={<IconDownload size={16} />}
      loading={busy}
      aria-label={`Download ${name}`}
      data-testid={testId}
      onClick={onClick}
    >
      Download
    </Button>
  );
}
