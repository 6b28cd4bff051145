import { MantineProvider } from "@mantine/core";
import { ModalsProvider } from "@mantine/modals";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
import { Provider, type Client } from "urql";
import { AuthProvider } from "../auth/AuthContext";
import { saveSession, type Session } from "../auth/session";
import { theme } from "../theme";

/**
 * Renders a component the way the app does: Mantine with the app's theme, modals, a router and a
 * GraphQL client.
 */
export function renderWithProviders(ui: ReactElement, client: Client) {
  return render(
    <MantineProvider theme={theme}>
      <Provider value={client}>
        <ModalsProvider>
          <MemoryRouter>{ui}</MemoryRouter>
        </ModalsProvider>
      </Provider>
    </MantineProvider>,
  );
}

/**
 * Renders a page signed in as `user` (the session in sessionStorage, as after a sign-in).
 * AuthProvider builds its own client; the inner Provider puts `client` in front of it.
 */
export function renderSignedIn(ui: ReactElement, client: Client, user: Session["user"]) {
  saveSession({ token: "t0k3n", user });
  return render(
    <MantineProvider theme={theme}>
      <AuthProvider>
        <Provider value={client}>
          <ModalsProvider>
            <MemoryRouter>{ui}</MemoryRouter>
          </ModalsProvider>
        </Provider>
      </AuthProvider>
    </MantineProvider>,
  );
}
