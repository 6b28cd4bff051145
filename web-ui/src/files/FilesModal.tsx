import { Button, Group, Loader, Modal, Progress, Stack, Table, Text } from "@mantine/core";
import { useCallback, useRef, useState, type ChangeEvent } from "react";
import { ErrorAlert } from "../api/ErrorAlert";
import { useAuth } from "../auth/AuthContext";
import { formatTime } from "../common/format";
import { IconFolder, IconRefresh, IconUpload } from "../common/icons";
import { formatBytes } from "../desktops/snapshots/snapshots";
import type { FileTransferPolicy } from "../gql/graphql";
import {
  downloadFile,
  listFiles,
  uploadFile,
  validateFileName,
  type HomeListing,
} from "./filesApi";
import { DownloadButton, problemOf, useDownload, useFolderListing } from "./folder";

/** What the desktop's template says about file transfer, as the portal knows it from GraphQL. */
export interface FileTransferAccess {
  policy: FileTransferPolicy;
  maxMiB: number;
}

const mayUpload = (policy: FileTransferPolicy) => policy === "BOTH" || policy === "UPLOAD";
const mayDownload = (policy: FileTransferPolicy) => policy === "BOTH" || policy === "DOWNLOAD";

/**
 * The files at the top of a running desktop's home: listed with size and time, uploaded from the
 * browser (checked against the name rule and the template's size limit before anything is sent),
 * downloaded one by one. The template's policy decides which way files may move; the gateway's
 * listing has the last word on it, the portal's copy only fills in until the listing arrives.
 */
export function FilesModal({
  desktop,
  access,
  opened,
  onClose,
}: {
  desktop: { id: string; name: string };
  access: FileTransferAccess;
  opened: boolean;
  onClose: () => void;
}) {
  const { session } = useAuth();
  const token = session?.token ?? null;
  const list = useCallback(() => listFiles(desktop.id, token), [desktop.id, token]);
  const { listing, loading, problem, setProblem, refresh } = useFolderListing<HomeListing>(
    opened,
    list,
    "The files could not be listed",
  );
  const [notice, setNotice] = useState<string | null>(null);
  const [upload, setUpload] = useState<{ name: string; sent: number; total: number } | null>(null);
  const input = useRef<HTMLInputElement>(null);

  const policy = listing?.policy ?? access.policy;
  const maxBytes = listing?.maxBytes ?? access.maxMiB * 1024 * 1024;
  const canUpload = mayUpload(policy);
  const canDownload = mayDownload(policy);

  const send = async (file: File) => {
    setProblem(null);
    setNotice(null);
    const refused = "The upload was refused";
    const invalid = validateFileName(file.name);
    if (invalid) {
      setProblem({ title: refused, code: "VALIDATION", message: `"${file.name}": ${invalid}` });
      return;
    }
    if (file.size > maxBytes) {
      setProblem({
        title: refused,
        code: "TOO_LARGE",
        message: `"${file.name}" is ${formatBytes(file.size)}; this desktop takes files up to ${formatBytes(maxBytes)}.`,
      });
      return;
    }
    setUpload({ name: file.name, sent: 0, total: file.size });
    try {
      await uploadFile(desktop.id, file.name, file, token, (sent, total) =>
        setUpload({ name: file.name, sent, total }),
      );
      setNotice(`Uploaded ${file.name} (${formatBytes(file.size)}).`);
      await refresh();
    } catch (e) {
      setProblem(problemOf(refused, e));
    } finally {
      setUpload(null);
    }
  };

  const picked = (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.currentTarget.files?.[0];
    // Cleared, so that picking the same file again (after renaming the other one) fires again.
    e.currentTarget.value = "";
    if (file) void send(file);
  };

  const { downloading, download } = useDownload(
    (name) => downloadFile(desktop.id, name, token),
    (p) => {
      setNotice(null);
      setProblem(p);
    },
  );

  const files = listing?.files ?? [];

  return (
    <Modal opened={opened} onClose={onClose} title={`Files of ${desktop.name}`} size="xl">
      <Stack data-testid="files-panel">
        <Text size="sm" c="dimmed">
          Files at the top of the desktop&apos;s home folder. Each file may be up to{" "}
          {formatBytes(maxBytes)}; an upload never replaces a file of the same name.
        </Text>
        <Group gap="xs">
          <input
            ref={input}
            type="file"
            hidden
            data-testid="files-upload-input"
            aria-label={`File to upload to ${desktop.name}`}
            disabled={!canUpload || upload !== null}
            onChange={picked}
          />
          <Button
            size="sm"
            leftSection={<IconUpload size={16} />}
            disabled={!canUpload}
            loading={upload !== null}
            aria-label={`Upload a file to ${desktop.name}`}
            aria-describedby={canUpload ? undefined : "files-upload-refused"}
            onClick={() => input.current?.click()}
          >
            Upload
          </Button>
          <Button
            size="sm"
            variant="light"
            leftSection={<IconRefresh size={16} />}
            loading={loading}
            aria-label={`Refresh files of ${desktop.name}`}
            onClick={() => {
              setProblem(null);
              void refresh();
            }}
          >
            Refresh
          </Button>
        </Group>
        {!canUpload && (
          <Text size="sm" c="dimmed" id="files-upload-refused" data-testid="files-upload-refused">
            This desktop&apos;s template allows downloads only: files cannot be uploaded to it.
          </Text>
        )}
        {!canDownload && (
          <Text size="sm" c="dimmed" data-testid="files-download-refused">
            This desktop&apos;s template allows uploads only: files cannot be downloaded from it.
          </Text>
        )}
        {upload && (
          <div>
            <Progress
              value={upload.total > 0 ? (upload.sent / upload.total) * 100 : 0}
              aria-label={`Uploading ${upload.name}`}
            />
            <Text size="xs" c="dimmed" mt={4}>
              Uploading {upload.name}: {formatBytes(upload.sent)} of {formatBytes(upload.total)}
            </Text>
          </div>
        )}
        {problem && (
          <div data-testid="files-error" data-error-code={problem.code}>
            <ErrorAlert error={problem} title={problem.title} onClose={() => setProblem(null)} />
          </div>
        )}
        {notice && (
          <Text size="sm" c="green" role="status">
            {notice}
          </Text>
        )}
        {loading && !listing ? (
          <Loader aria-label="Loading files" />
        ) : !listing ? null : files.length === 0 ? (
          <Text c="dimmed" size="sm">
            No files in the home folder yet.
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={480}>
            <Table striped aria-label={`Files of ${desktop.name}`}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Size</Table.Th>
                  <Table.Th>Modified</Table.Th>
                  {canDownload && <Table.Th aria-label="Actions" />}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {files.map((f) => (
                  <Table.Tr key={f.name} data-testid="files-row" data-file={f.name}>
                    <Table.Td style={{ overflowWrap: "anywhere" }}>{f.name}</Table.Td>
                    <Table.Td style={{ whiteSpace: "nowrap" }}>{formatBytes(f.size)}</Table.Td>
                    <Table.Td>{formatTime(f.modifiedAt)}</Table.Td>
                    {canDownload && (
                      <Table.Td>
                        <DownloadButton
                          name={f.name}
                          busy={downloading === f.name}
                          testId="files-download"
                          onClick={() => void download(f.name)}
                        />
                      </Table.Td>
                    )}
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

/** The button on a running desktop's card that opens its files; none when the template says NONE. */
export function FilesButton({
  desktop,
  access,
}: {
  desktop: { id: string; name: string };
  access: FileTransferAccess;
}) {
  const [opened, setOpened] = useState(false);
  if (access.policy === "NONE") return null;
  return (
    <>
      <Button
        size="xs"
        variant="light"
        color="teal"
        leftSection={<IconFolder size={16} />}
        aria-label={`Files of ${desktop.name}`}
        data-testid="files-button"
        onClick={() => setOpened(true)}
      >
        Files
      </Button>
      {opened && (
        <FilesModal
          desktop={desktop}
          access={access}
          opened={opened}
          onClose={() => setOpened(false)}
        />
      )}
    </>
  );
}
