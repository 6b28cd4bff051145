import { MantineProvider } from "@mantine/core";
import { ModalsProvider } from "@mantine/modals";
import { render } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter } from "react-router";
import { Provider, type Client } from "urql";
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
