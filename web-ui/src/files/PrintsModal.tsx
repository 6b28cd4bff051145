import { Button, Group, Loader, Modal, Stack, Table, Text } from "@mantine/core";
import { useCallback, useEffect, useState } from "react";
import { useSubscription } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { useAuth } from "../auth/AuthContext";
import { formatTime } from "../common/format";
import { IconPrinter, IconRefresh } from "../common/icons";
import { formatBytes } from "../desktops/snapshots/snapshots";
import { DesktopPrintsDocument, type DesktopPrintsSubscription } from "../gql/graphql";
import { downloadPrint, listPrints, newestFirst, type PrintListing } from "./filesApi";
import { DownloadButton, useDownload, useFolderListing } from "./folder";

/** What the dialog says when the printer has made nothing yet. */
export const NOTHING_PRINTED =
  "Nothing printed yet — print from any application in the desktop to the OpenCDI PDF printer";

/**
 * The PDFs of a running desktop's virtual printer, newest first, each downloadable. A print job
 * takes the printer a few seconds; while the dialog is open the desktop's agent announces each new
 * PDF (a `desktopEvents` event with `printed`) and the list follows by itself; Refresh lists
 * again on demand (a job printed while the agent was away is not announced). Every refusal of the gateway
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
  const list = useCallback(() => listPrints(desktop.id, token), [desktop.id, token]);
  const { listing, loading, problem, setProblem, refresh } = useFolderListing<PrintListing>(
    opened,
    list,
    "The prints could not be listed",
  );
  const { downloading, download } = useDownload(
    (name) => downloadPrint(desktop.id, name, token),
    setProblem,
  );

  // The newest announced print: each new one lists the folder again.
  const [{ data: announced }] = useSubscription<DesktopPrintsSubscription, string | null>(
    { query: DesktopPrintsDocument, variables: { desktopId: desktop.id }, pause: !opened },
    (previous, event) => event.desktopEvents?.printed?.name ?? previous ?? null,
  );
  useEffect(() => {
    if (opened && announced) void refresh();
  }, [opened, announced, refresh]);

  const prints = listing ? newestFirst(listing.files) : [];

  return (
    <Modal opened={opened} onClose={onClose} title={`Prints of ${desktop.name}`} size="xl">
      <Stack data-testid="prints-panel">
        <Text size="sm" c="dimmed">
          Every print job of this desktop&apos;s OpenCDI PDF printer becomes a PDF here, newest
          first. A job takes a few seconds and then appears here by itself.
        </Text>
        <Group gap="xs">
          <Button
            size="sm"
            variant="light"
            leftSection={<IconRefresh size={16} />}
            loading={loading}
            aria-label={`Refresh prints of ${desktop.name}`}
            data-testid="prints-refresh"
            onClick={() => {
              setProblem(null);
              void refresh();
            }}
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
                      <DownloadButton
                        name={f.name}
                        busy={downloading === f.name}
                        testId="prints-download"
                        onClick={() => void download(f.name)}
                      />
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
