import {
  Button,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  TextInput,
  Textarea,
} from "@mantine/core";
import { useForm } from "@mantine/form";
import { useEffect } from "react";
import { useQuery, type CombinedError } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { layerOptions, MAX_LAYERS } from "../applayers/layers";
import { AppLayersDocument, type TemplateFieldsFragment, type TemplateInput } from "../gql/graphql";

/** The values the form edits; empty strings stand for "not set". */
export interface TemplateValues {
  name: string;
  description: string;
  image: string;
  cpuMillis: number;
  memoryMiB: number;
  homeVolumeGiB: number;
  runtimeClass: string;
  storageClass: string;
  arch: string | null;
  /** Ids of the app layers its desktops start with, lowest first. */
  apps: string[];
  /** The desktop policies (ADR 28), carried through an edit unchanged: the API replaces every
   * field, and a policy left out would fall back to its loosest default. */
  policies: Partial<TemplateInput>;
}

export const EMPTY_TEMPLATE: TemplateValues = {
  name: "",
  description: "",
  image: "",
  cpuMillis: 2000,
  memoryMiB: 4096,
  homeVolumeGiB: 10,
  runtimeClass: "runc",
  storageClass: "longhorn",
  arch: null,
  apps: [],
  policies: {},
};

export function valuesOf(t: TemplateFieldsFragment): TemplateValues {
  return {
    name: t.name,
    description: t.description ?? "",
    image: t.image,
    cpuMillis: t.cpuMillis,
    memoryMiB: t.memoryMiB,
    homeVolumeGiB: t.homeVolumeGiB,
    runtimeClass: t.runtimeClass,
    storageClass: t.storageClass,
    arch: t.arch ?? null,
    apps: t.apps.map((a) => a.id),
    policies: {
      clipboard: t.clipboard,
      clipboardMaxBytes: t.clipboardMaxBytes,
      watermark: t.watermark ?? null,
      fileTransfer: t.fileTransfer,
      fileTransferMaxMiB: t.fileTransferMaxMiB,
      printing: t.printing,
      audio: t.audio,
      microphone: t.microphone,
      idleTimeoutMinutes: t.idleTimeoutMinutes ?? null,
      autoPowerOffMinutes: t.autoPowerOffMinutes ?? null,
      maxSessionMinutes: t.maxSessionMinutes ?? null,
    },
  };
}

export function inputOf(v: TemplateValues): TemplateInput {
  return {
    ...v.policies,
    name: v.name.trim(),
    description: v.description.trim() || null,
    image: v.image.trim(),
    cpuMillis: v.cpuMillis,
    memoryMiB: v.memoryMiB,
    homeVolumeGiB: v.homeVolumeGiB,
    runtimeClass: v.runtimeClass,
    storageClass: v.storageClass.trim() || null,
    arch: v.arch || null,
    // Always sent: the API replaces every field, and no apps means none.
    apps: v.apps,
  };
}

// The gateway's rules (TemplateApi), checked here first so mistakes show at the field.
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;
const STORAGE_CLASS = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export const templateRules = {
  name: (v: string) =>
    NAME.test(v.trim()) ? null : "A DNS label: lower-case letters, digits and '-', at most 63",
  image: (v: string) =>
    IMAGE.test(v.trim()) ? null : "An image reference such as opencdi/desktop-xfce:1",
  cpuMillis: (v: number) => (v >= 100 && v <= 128_000 ? null : "Between 100 and 128000 millicores"),
  memoryMiB: (v: number) => (v >= 128 && v <= 1_048_576 ? null : "Between 128 and 1048576 MiB"),
  homeVolumeGiB: (v: number) => (v >= 1 && v <= 10_000 ? null : "Between 1 and 10000 GiB"),
  storageClass: (v: string) =>
    v.trim() === "" || STORAGE_CLASS.test(v.trim())
      ? null
      : "A Kubernetes name: lower-case letters, digits, '-' and '.'",
};

/** Create or edit a template: one Mantine form, validated as the gateway validates. */
export function TemplateFormModal({
  opened,
  title,
  submitLabel,
  initial,
  error,
  submitting,
  onSubmit,
  onClose,
}: {
  opened: boolean;
  title: string;
  submitLabel: string;
  initial: TemplateValues;
  error: CombinedError | undefined;
  submitting: boolean;
  onSubmit: (input: TemplateInput) => Promise<boolean>;
  onClose: () => void;
}) {
  const form = useForm<TemplateValues>({
    mode: "controlled",
    initialValues: initial,
    validate: templateRules,
  });
  const [layers] = useQuery({ query: AppLayersDocument, pause: !opened });
  const { setValues, resetDirty } = form;
  useEffect(() => {
    if (opened) {
      setValues(initial);
      resetDirty(initial);
    }
    // Only when the dialog opens, or for another template: not on every edit.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened, initial]);

  const submit = form.onSubmit(async (values) => {
    if (await onSubmit(inputOf(values))) onClose();
  });

  return (
    <Modal opened={opened} onClose={onClose} title={title} size="lg">
      <form onSubmit={submit}>
        <Stack>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
            <TextInput
              label="Image"
              required
              placeholder="opencdi/desktop-xfce:1"
              {...form.getInputProps("image")}
            />
            <NumberInput
              label="CPU (millicores)"
              required
              min={100}
              step={250}
              {...form.getInputProps("cpuMillis")}
            />
            <NumberInput
              label="Memory (MiB)"
              required
              min={128}
              step={256}
              {...form.getInputProps("memoryMiB")}
            />
            <NumberInput
              label="Home volume (GiB)"
              min={1}
              {...form.getInputProps("homeVolumeGiB")}
            />
            <Select
              label="Isolation runtime"
              data={["runc", "gvisor", "kata"]}
              allowDeselect={false}
              {...form.getInputProps("runtimeClass")}
            />
            <TextInput label="Storage class" {...form.getInputProps("storageClass")} />
            <Select
              label="CPU architecture"
              placeholder="Any"
              clearable
              data={["amd64", "arm64"]}
              {...form.getInputProps("arch")}
            />
          </SimpleGrid>
          <ErrorAlert error={layers.error} title="App layers could not be loaded" />
          <MultiSelect
            label="Default apps"
            description="App layers every desktop of this template starts with, lowest first; users may add more at launch"
            placeholder={layers.fetching ? "Loading…" : "None"}
            searchable
            clearable
            maxValues={MAX_LAYERS}
            data={layerOptions(layers.data?.appLayers ?? [], form.values.apps)}
            nothingFoundMessage="No app layers"
            {...form.getInputProps("apps")}
          />
          <Textarea label="Description" {...form.getInputProps("description")} />
          <ErrorAlert error={error} title="The template could not be saved" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={submitting}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
