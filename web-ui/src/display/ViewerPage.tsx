import { Anchor, Box, Group } from "@mantine/core";
import { Link, useParams } from "react-router";
import { IconArrowLeft } from "../common/icons";
import { DesktopViewer } from "./DesktopViewer";

/** The full-page viewer (`#/desktops/:id/display`): the desktop fills the window. */
export function ViewerPage() {
  const { id = "" } = useParams();
  return (
    <Box p="xs">
      <Group mb={4}>
        <Anchor component={Link} to="/" size="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} /> My desktops
          </Group>
        </Anchor>
      </Group>
      <DesktopViewer key={id} desktopId={id} />
    </Box>
  );
}
