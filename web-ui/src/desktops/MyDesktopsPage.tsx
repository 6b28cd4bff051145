import {
  Button,
  Center,
  Group,
  Loader,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { IconPlus } from "../common/icons";
import { useCallback, useMemo, useState } from "react";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { useAuth } from "../auth/AuthContext";
import { DesktopViewer, type KnownDesktop } from "../display/DesktopViewer";
import type { FileTransferAccess } from "../files/FilesModal";
import { TemplatesDocument, type DesktopFieldsFragment } from "../gql/graphql";
import { DesktopCard } from "./DesktopCard";
import { LaunchDesktopModal } from "./LaunchDesktopModal";
import { useLiveDesktops } from "./useLiveDesktops";

/** The user portal: the signed-in user's desktops, live. */
export function MyDesktopsPage() {
  const { session } = useAuth();
  const [launching, setLaunching] = useState(false);
  const [viewing, setViewing] = useState<(KnownDesktop & { id: string }) | null>(null);
  const username = session?.user.username ?? "";
  const userId = session?.user.id;
  // Admins see every desktop through the API; the portal shows their own.
  const filter = useMemo(() => ({ owner: username }), [username]);
  const includeNew = useCallback((d: DesktopFieldsFragment) => d.owner.id === userId, [userId]);
  const { desktops, fetching, error, liveError } = useLiveDesktops({
    filter,
    first: 200,
    includeNew,
  });
  // Each desktop's template says whether (and which way) files may move; until the templates are
  // read, no Files button is offered rather than one the template may refuse.
  const [templates] = useQuery({ query: TemplatesDocument });
  const fileTransfer = useMemo(
    () =>
      new Map<string, FileTransferAccess>(
        (templates.data?.templates ?? []).map((t) => [
          t.id,
          { policy: t.fileTransfer, maxMiB: t.fileTransferMaxMiB },
        ]),
      ),
    [templates.data],
  );
  // Likewise a Prints button only once the template is known to give the desktop a printer.
  const printing = useMemo(
    () => new Set((templates.data?.templates ?? []).filter((t) => t.printing).map((t) => t.id)),
    [templates.data],
  );

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>My desktops</Title>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setLaunching(true)}>
          Launch desktop
        </Button>
      </Group>
      <ErrorAlert error={error} title="Your desktops could not be loaded" />
      <ErrorAlert error={liveError} title="Live updates are interrupted" />
      {fetching ? (
        <Center p="xl">
          <Loader aria-label="Loading desktops" />
        </Center>
      ) : desktops.length === 0 ? (
        <Center p="xl">
          <Text c="dimmed">You have no desktops yet. Launch one from a template.</Text>
        </Center>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
          {desktops.map((d) => (
            <DesktopCard
              key={d.id}
              desktop={d}
              onConnect={setViewing}
              fileTransfer={fileTransfer.get(d.template.id)}
              printing={printing.has(d.template.id)}
            />
          ))}
        </SimpleGrid>
      )}
      <LaunchDesktopModal
        opened={launching}
        onClose={() => setLaunching(false)}
        onOpen={setViewing}
      />
      {/* Named after the desktop by its title (aria-labelledby), so a screen reader announces
          which desktop's screen this dialog holds. */}
      <Modal
        opened={viewing !== null}
        onClose={() => setViewing(null)}
        size="90%"
        title={viewing ? `Viewer of ${viewing.name}` : "Viewer"}
      >
        {viewing && <DesktopViewer desktopId={viewing.id} embedded known={viewing} />}
      </Modal>
    </Stack>
  );
}
