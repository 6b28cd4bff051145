// Each icon from its own module: importing the package index makes the build transform all 5,000+.
export { default as IconAlertTriangle } from "@tabler/icons-react/icons/IconAlertTriangle";
export { default as IconArrowLeft } from "@tabler/icons-react/icons/IconArrowLeft";
export { default as IconArrowsMaximize } from "@tabler/icons-react/icons/IconArrowsMaximize";
export { default as IconChartBar } from "@tabler/icons-react/icons/IconChartBar";
export { default as IconClipboard } from "@tabler/icons-react/icons/IconClipboard";
export { default as IconDeviceDesktop } from "@tabler/icons-react/icons/IconDeviceDesktop";
export { default as IconLayoutList } from "@tabler/icons-react/icons/IconLayoutList";
export { default as IconLogout } from "@tabler/icons-react/icons/IconLogout";
export { default as IconPlayerPlay } from "@tabler/icons-react/icons/IconPlayerPlay";
export { default as IconPlayerStop } from "@tabler/icons-react/icons/IconPlayerStop";
export { default as IconPlus } from "@tabler/icons-react/icons/IconPlus";
export { default as IconRefresh } from "@tabler/icons-react/icons/IconRefresh";
export { default as IconRoute } from "@tabler/icons-react/icons/IconRoute";
export { default as IconScreenShare } from "@tabler/icons-react/icons/IconScreenShare";
export { default as IconTemplate } from "@tabler/icons-react/icons/IconTemplate";
export { default as IconTrash } from "@tabler/icons-react/icons/IconTrash";
export { default as IconUsers } from "@tabler/icons-react/icons/IconUsers";
