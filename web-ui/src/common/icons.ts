import { createElement, forwardRef } from "react";
import type { TablerIcon } from "@tabler/icons-react";
// Each icon from its own module: importing the package index makes the build transform all 5,000+.
import AlertTriangle from "@tabler/icons-react/icons/IconAlertTriangle";
import ArrowLeft from "@tabler/icons-react/icons/IconArrowLeft";
import ArrowsMaximize from "@tabler/icons-react/icons/IconArrowsMaximize";
import Camera from "@tabler/icons-react/icons/IconCamera";
import ChartBar from "@tabler/icons-react/icons/IconChartBar";
import Clipboard from "@tabler/icons-react/icons/IconClipboard";
import DeviceDesktop from "@tabler/icons-react/icons/IconDeviceDesktop";
import Download from "@tabler/icons-react/icons/IconDownload";
import Flame from "@tabler/icons-react/icons/IconFlame";
import Folder from "@tabler/icons-react/icons/IconFolder";
import LayoutList from "@tabler/icons-react/icons/IconLayoutList";
import Logout from "@tabler/icons-react/icons/IconLogout";
import Microphone from "@tabler/icons-react/icons/IconMicrophone";
import MicrophoneOff from "@tabler/icons-react/icons/IconMicrophoneOff";
import Pencil from "@tabler/icons-react/icons/IconPencil";
import PlayerPlay from "@tabler/icons-react/icons/IconPlayerPlay";
import PlayerStop from "@tabler/icons-react/icons/IconPlayerStop";
import Plus from "@tabler/icons-react/icons/IconPlus";
import Printer from "@tabler/icons-react/icons/IconPrinter";
import Refresh from "@tabler/icons-react/icons/IconRefresh";
import Restore from "@tabler/icons-react/icons/IconRestore";
import Route from "@tabler/icons-react/icons/IconRoute";
import ScreenShare from "@tabler/icons-react/icons/IconScreenShare";
import Stack2 from "@tabler/icons-react/icons/IconStack2";
import Template from "@tabler/icons-react/icons/IconTemplate";
import Trash from "@tabler/icons-react/icons/IconTrash";
import Upload from "@tabler/icons-react/icons/IconUpload";
import Users from "@tabler/icons-react/icons/IconUsers";
import Volume from "@tabler/icons-react/icons/IconVolume";
import VolumeOff from "@tabler/icons-react/icons/IconVolumeOff";

/**
 * Every icon in this app sits beside a text or inside a control that carries its own accessible
 * name, so it is decorative: hidden from assistive technology (a screen reader would otherwise
 * announce an unnamed image) and never a focus stop of its own (old Edge focuses SVGs).
 */
function decorative(icon: TablerIcon): TablerIcon {
  const Decorative = forwardRef<SVGSVGElement, Parameters<TablerIcon>[0]>((props, ref) =>
    createElement(icon, { "aria-hidden": true, focusable: false, ...props, ref }),
  );
  Decorative.displayName = icon.displayName;
  return Decorative as TablerIcon;
}

export const IconAlertTriangle = decorative(AlertTriangle);
export const IconArrowLeft = decorative(ArrowLeft);
export const IconArrowsMaximize = decorative(ArrowsMaximize);
export const IconCamera = decorative(Camera);
export const IconChartBar = decorative(ChartBar);
export const IconClipboard = decorative(Clipboard);
export const IconDeviceDesktop = decorative(DeviceDesktop);
export const IconDownload = decorative(Download);
export const IconFlame = decorative(Flame);
export const IconFolder = decorative(Folder);
export const IconLayoutList = decorative(LayoutList);
export const IconLogout = decorative(Logout);
export const IconMicrophone = decorative(Microphone);
export const IconMicrophoneOff = decorative(MicrophoneOff);
export const IconPencil = decorative(Pencil);
export const IconPlayerPlay = decorative(PlayerPlay);
export const IconPlayerStop = decorative(PlayerStop);
export const IconPlus = decorative(Plus);
export const IconPrinter = decorative(Printer);
export const IconRefresh = decorative(Refresh);
export const IconRestore = decorative(Restore);
export const IconRoute = decorative(Route);
export const IconScreenShare = decorative(ScreenShare);
export const IconStack2 = decorative(Stack2);
export const IconTemplate = decorative(Template);
export const IconTrash = decorative(Trash);
export const IconUpload = decorative(Upload);
export const IconUsers = decorative(Users);
export const IconVolume = decorative(Volume);
export const IconVolumeOff = decorative(VolumeOff);
