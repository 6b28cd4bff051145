import type { ComboboxItem } from "@mantine/core";

/** A layer as templates and desktops name it. */
export interface LayerRef {
  id: string;
  name: string;
  version: string;
}

/** The most layers one desktop may have (the gateway's LayerStack.MAX_LAYERS). */
export const MAX_LAYERS = 16;

/** "gimp 2.10": how a layer is shown everywhere. */
export const layerLabel = (l: { name: string; version: string }) => `${l.name} ${l.version}`;

// The gateway's rules (LayerStack), checked here first so mistakes show at the field.
const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const VERSION = /^[A-Za-z0-9._-]{1,64}$/;
const IMAGE = /^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$/;

export const appLayerRules = {
  name: (v: string) =>
    NAME.test(v.trim()) ? null : "A DNS label: lower-case letters, digits and '-', at most 63",
  version: (v: string) =>
    VERSION.test(v.trim()) ? null : "1 to 64 letters, digits, '.', '_' or '-', such as 2.10.3",
  image: (v: string) =>
    IMAGE.test(v.trim()) ? null : "An image reference such as registry.example.org/apps/gimp:2.10",
};

/**
 * The choices of a layer picker: every layer in `layers` whose name is not `taken` (a desktop runs
 * one version of a program), and, once one version of a name is chosen, the other versions of
 * that name shown but disabled; the gateway would refuse them (VALIDATION).
 */
export function layerOptions(
  layers: readonly LayerRef[],
  chosen: readonly string[],
  taken: ReadonlySet<string> = new Set(),
): ComboboxItem[] {
  const chosenNames = new Map(
    layers.filter((l) => chosen.includes(l.id)).map((l) => [l.name, l.id] as const),
  );
  return layers
    .filter((l) => !taken.has(l.name))
    .map((l) => {
      const other = chosenNames.get(l.name);
      return {
        value: l.id,
        label: layerLabel(l),
        disabled: other !== undefined && other !== l.id,
      };
    });
}
