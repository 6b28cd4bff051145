import { AppShell, Burger, Button, Group, NavLink, Text, Title } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import {
  IconCamera,
  IconChartBar,
  IconDeviceDesktop,
  IconFlame,
  IconLayoutList,
  IconLogout,
  IconRoute,
  IconStack2,
  IconTemplate,
  IconUsers,
} from "../common/icons";
import { NavLink as RouterLink, Outlet } from "react-router";
import { useAuth } from "../auth/AuthContext";

const ADMIN_LINKS = [
  { to: "/admin/fleet", label: "Fleet", icon: IconChartBar },
  { to: "/admin/desktops", label: "Desktops", icon: IconLayoutList },
  { to: "/admin/templates", label: "Templates", icon: IconTemplate },
  { to: "/admin/pools", label: "Warm pools", icon: IconFlame },
  { to: "/admin/apps", label: "App layers", icon: IconStack2 },
  { to: "/admin/placement", label: "Placement preview", icon: IconRoute },
  { to: "/admin/users", label: "Users", icon: IconUsers },
];

/** Header with the user and sign-out; navigation with the portal and, for admins, the console. */
export function AppLayout() {
  const { session, isAdmin, signOut } = useAuth();
  const [opened, { toggle, close }] = useDisclosure();
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group>
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label="Toggle navigation"
            />
            <Title order={3}>OpenCDI</Title>
          </Group>
          <Group gap="sm">
            <Text size="sm" data-testid="signed-in-user">
              {session?.user.username} ({session?.user.role.toLowerCase()})
            </Text>
            <Button
              variant="subtle"
              size="xs"
              leftSection={<IconLogout size={16} />}
              onClick={signOut}
            >
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <NavLink
          component={RouterLink}
          to="/"
          end
          label="My desktops"
          leftSection={<IconDeviceDesktop size={18} />}
          onClick={close}
        />
        <NavLink
          component={RouterLink}
          to="/snapshots"
          label="Snapshots"
          leftSection={<IconCamera size={18} />}
          onClick={close}
        />
        {isAdmin && (
          <>
            <Text size="xs" c="dimmed" fw={700} mt="md" mb={4} px="sm">
              ADMINISTRATION
            </Text>
            {ADMIN_LINKS.map(({ to, label, icon: Icon }) => (
              <NavLink
                key={to}
                component={RouterLink}
                to={to}
                label={label}
                leftSection={<Icon size={18} />}
                onClick={close}
              />
            ))}
          </>
        )}
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
