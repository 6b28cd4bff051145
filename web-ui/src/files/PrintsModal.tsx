import { Button, Group, Loader, Modal, Stack, Table, Text } from "@mantine/core";
import { useCallback, useEffect, useRef, useState } from "react";
import { ErrorAlert } from "../api/ErrorAlert";
import type { ApiProblem } from "../api/errors";
import { useAuth } from "../auth/AuthContext";
import { formatTime } from "../common/format";
import { IconDownload, IconPrinter, IconRefresh } from "../common/icons";
import { formatBytes } from "../desktops/snapshots/snapshots";
import {
  FilesApiError,
  downloadPrint,
  listPrints,
  newestFirst,
  saveBlob,
  type PrintListing,
} from "./filesApi";

interface Problem extends ApiProblem {
  title: string;
}

const problemOf = (title: string, e: unknown): Problem =>
  e instanceof FilesApiError
    ? { title, code: e.code, message: e.message }
    : { title, code: "ERROR", message: e instanceof Error ? e.message : String(e) };

/** What the dialog says when the printer has made nothing yet. */
export const NOTHING_PRINTED =
  "Nothing printed yet — print from any application in the desktop to the OpenCDI PDF printer";

/**
 * The PDFs of a running desktop's virtual printer, newest first, each downloadable. A print job
 * takes the printer a few seconds; Refresh lists what arrived since. Every refusal of the gateway
 * (printing off, desktop not running, a runtime without a printer) is shown with its code.
 */
export function PrintsModal({
  desktop,
  opened,
  onClose,
}: {
  desktop: { id: string; name: string };
  opened: boolean;
  onClose: () => void;
}) {
  const { session } = useAuth();
  const token = session?.token ?? null;
  const [listing, setListing] = useState<PrintListing | null>(null);
  const [loading, setLoading] = useState(true);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [downloading, setDownloading] = useState<string | null>(null);

  // Only the latest listing counts: an answer overtaken by a newer request or arriving after the
  // dialog closed is dropped. The dialog opens loading; Refresh shows it loads again.
  const latest = useRef(0);
  const load = useCallback(
    (isOpen: () => boolean = () => true) => {
      const request = ++latest.current;
      const counts = () => isOpen() && request === latest.current;
      return listPrints(desktop.id, token)
        .then(
          (answer) => {
            if (counts()) {
              setListing(answer);
              setProblem(null);
            }
          },
          (e: unknown) => {
            if (counts()) setProblem(problemOf("The prints could not be listed", e));
          },
        )
        .finally(() => counts() && setLoading(false));
    },
    [desktop.id, token],
  );

  useEffect(() => {
    if (!opened) return;
    let open = true;
    void load(() => open);
    return () => {
      open = false;
    };
  }, [opened, load]);

  const refresh = () => {
    setLoading(true);
    void load();
  };

  const download = async (name: string) => {
    setProblem(null);
    setDownloading(name);
    try {
      saveBlob(await downloadPrint(desktop.id, name, token), name);
    } catch (e) {
      setProblem(problemOf("The download failed", e));
    } finally {
      setDownloading(null);
    }
  };

  const prints = listing ? newestFirst(listing.files) : [];

  return (
    <Modal opened={opened} onClose={onClose} title={`Prints of ${desktop.name}`} size="xl">
      <Stack data-testid="prints-panel">
        <Text size="sm" c="dimmed">
          Every print job of this desktop&apos;s OpenCDI PDF printer becomes a PDF here, newest
          first. A job takes a few seconds: refresh to see it.
        </Text>
        <Group gap="xs">
          <Button
            size="sm"
            variant="light"
            leftSection={<IconRefresh size={16} />}
            loading={loading}
            aria-label={`Refresh prints of ${desktop.name}`}
            data-testid="prints-refresh"
            onClick={refresh}
          >
            Refresh
          </Button>
        </Group>
        {problem && (
          <div data-testid="prints-error" data-error-code={problem.code}>
            <ErrorAlert error={problem} title={problem.title} onClose={() => setProblem(null)} />
          </div>
        )}
        {loading && !listing ? (
          <Loader aria-label="Loading prints" />
        ) : !listing ? null : prints.length === 0 ? (
          <Text c="dimmed" size="sm" data-testid="prints-empty">
            {NOTHING_PRINTED}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={480}>
            <Table striped aria-label={`Prints of ${desktop.name}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Printed</Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th aria-label="Actions" />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {prints.map((f) => (
                  <Table.Tr key={f.name} data-testid="prints-row" data-file={f.name}>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatTime(f.modifiedAt)}</Table.Td>
                    <Table.Td style={{ overflowWrap: "anywhere" }}>{f.name}</Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatBytes(f.size)}</Table.Td>
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="light"
                        leftSection={<IconDownload size={16} />}
                        loading={downloading === f.name}
                        aria-label={`Download ${f.name}`}
                        data-testid="prints-download"
                        onClick={() => void download(f.name)}
                      >
                        Download
                      </Button>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
    </Modal>
  );
}

/** The button on a running desktop's card that opens its prints (the card offers it only then). */
export function PrintsButton({ desktop }: { desktop: { id: string; name: string } }) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button
        size="xs"
        variant="light"
        color="grape"
        leftSection={<IconPrinter size={16} />}
        aria-label={`Prints of ${desktop.name}`}
        data-testid="prints-button"
        onClick={() => setOpened(true)}
      >
        Prints
      </Button>
      {opened && <PrintsModal desktop={desktop} opened={opened} onClose={() => setOpened(false)} />}
    </>
  );
}
