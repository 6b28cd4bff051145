import { Alert } from "@mantine/core";
import type { ReactNode } from "react";
import { createHashRouter, Navigate, RouterProvider } from "react-router";
import { AppLayersPage } from "./applayers/AppLayersPage";
import { useAuth } from "./auth/AuthContext";
import { LoginPage } from "./auth/LoginPage";
import { ClusterDetailPage } from "./clusters/ClusterDetailPage";
import { FleetOverviewPage } from "./clusters/FleetOverviewPage";
import { ViewerPage } from "./display/ViewerPage";
import { DesktopsPage } from "./desktops/DesktopsPage";
import { MyDesktopsPage } from "./desktops/MyDesktopsPage";
import { SnapshotsPage } from "./desktops/snapshots/SnapshotsPage";
import { AppLayout } from "./layout/AppLayout";
import { PlacementPreviewPage } from "./placement/PlacementPreviewPage";
import { PoolsPage } from "./pools/PoolsPage";
import { TemplatesPage } from "./templates/TemplatesPage";
import { UsersPage } from "./users/UsersPage";

/** Admin pages refuse non-admins here too; the API enforces it regardless. */
function AdminOnly({ children }: { children: ReactNode }) {
  const { isAdmin } = useAuth();
  return isAdmin ? children : <Alert color="red">This page is for administrators.</Alert>;
}

function SignedIn() {
  const { session } = useAuth();
  return session ? <AppLayout /> : <Navigate to="/login" replace />;
}

/** Signed in, without the app shell: the viewer takes the whole window. */
function SignedInBare({ children }: { children: ReactNode }) {
  const { session } = useAuth();
  return session ? children : <Navigate to="/login" replace />;
}

function Login() {
  const { session } = useAuth();
  return session ? <Navigate to="/" replace /> : <LoginPage />;
}

const admin = (page: ReactNode) => <AdminOnly>{page}</AdminOnly>;

// Hash routes: every client route is `/#/…`, so a reload always asks the gateway for `/`
// (see docs/adr/0008-web-ui.md).
const router = createHashRouter([
  { path: "/login", element: <Login /> },
  {
    path: "/desktops/:id/display",
    element: (
      <SignedInBare>
        <ViewerPage />
      </SignedInBare>
    ),
  },
  {
    element: <SignedIn />,
    children: [
      { index: true, element: <MyDesktopsPage /> },
      { path: "snapshots", element: <SnapshotsPage /> },
      { path: "admin", element: <Navigate to="/admin/fleet" replace /> },
      { path: "admin/fleet", element: admin(<FleetOverviewPage />) },
      { path: "admin/clusters/:id", element: admin(<ClusterDetailPage />) },
      { path: "admin/desktops", element: admin(<DesktopsPage />) },
      { path: "admin/templates", element: admin(<TemplatesPage />) },
      { path: "admin/pools", element: admin(<PoolsPage />) },
      { path: "admin/apps", element: admin(<AppLayersPage />) },
      { path: "admin/placement", element: admin(<PlacementPreviewPage />) },
      { path: "admin/users", element: admin(<UsersPage />) },
      { path: "*", element: <Navigate to="/" replace /> },
    ],
  },
]);

export function App() {
  return <RouterProvider router={router} />;
}
