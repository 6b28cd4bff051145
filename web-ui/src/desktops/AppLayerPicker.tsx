import { MultiSelect } from "@mantine/core";
import { useEffect, useMemo } from "react";
import { useQuery } from "urql";
import { ErrorAlert } from "../api/ErrorAlert";
import { layerLabel, layerOptions, MAX_LAYERS, type LayerRef } from "../applayers/layers";
import { AppLayersDocument } from "../gql/graphql";

/**
 * "Add apps" of the launch dialog: app layers to add to the chosen template's. The template's own
 * are listed as included and not offered, nor other versions of their programs (a desktop runs
 * one version of each); the choice is cleared when the dialog closes and loses the layers a newly
 * chosen template makes impossible.
 */
export function AppLayerPicker({
  opened,
  included,
  value,
  onChange,
}: {
  opened: boolean;
  /** The chosen template's layers; undefined while no template is chosen. */
  included: readonly LayerRef[] | undefined;
  value: string[];
  onChange: (ids: string[]) => void;
}) {
  const [layers] = useQuery({ query: AppLayersDocument, pause: !opened });
  const options = useMemo(
    () => layerOptions(layers.data?.appLayers ?? [], value, new Set(included?.map((l) => l.name))),
    [layers.data, value, included],
  );

  // Keep only what can still be added: nothing once the dialog closes, and no program the
  // template now includes.
  const offered = useMemo(() => new Set(options.map((o) => o.value)), [options]);
  const loaded = layers.data !== undefined;
  useEffect(() => {
    const kept = !opened ? [] : loaded ? value.filter((id) => offered.has(id)) : value;
    if (kept.length !== value.length) onChange(kept);
  }, [opened, loaded, offered, value, onChange]);

  const room = MAX_LAYERS - (included?.length ?? 0);
  return (
    <>
      <ErrorAlert error={layers.error} title="App layers could not be loaded" />
      <MultiSelect
        label="Add apps"
        description={
          (included === undefined
            ? "App layers added to the template's"
            : included.length > 0
              ? `Included: ${included.map(layerLabel).join(", ")}`
              : "The template includes no apps") +
          // Warm-pool desktops have only their template's apps (docs/api.md).
          (value.length > 0
            ? ". With added apps the desktop starts fresh, not from a warm pool"
            : "")
        }
        placeholder={layers.fetching ? "Loading…" : options.length > 0 ? "None" : undefined}
        searchable
        clearable
        maxValues={Math.max(0, room)}
        data={options}
        value={value}
        onChange={onChange}
        nothingFoundMessage="No other app layers"
      />
    </>
  );
}
