import { MantineProvider } from "@mantine/core";
import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import { apiError, fakeClient } from "../test/fakeClient";
import { Provider } from "urql";
import { AuthProvider } from "./AuthContext";
import { LoginPage } from "./LoginPage";
import { loadSession } from "./session";

// AuthProvider builds its own client; the inner Provider puts the fake one in front of it.
function renderLogin(client: ReturnType<typeof fakeClient>["client"]) {
  return render(
    <MantineProvider>
      <AuthProvider>
        <Provider value={client}>
          <LoginPage />
        </Provider>
      </AuthProvider>
    </MantineProvider>,
  );
}

describe("LoginPage", () => {
  afterEach(() => sessionStorage.clear());

  it("keeps the token of a successful sign-in in sessionStorage", async () => {
    const api = fakeClient({
      Login: ({ username }) => ({
        login: { token: "t0k3n", user: { id: "u1", username, role: "USER" } },
      }),
    });
    renderLogin(api.client);
    await userEvent.type(screen.getByLabelText(/User name/), "alice");
    await userEvent.type(screen.getByLabelText(/Password/), "alice");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await waitFor(() => expect(loadSession()?.token).toBe("t0k3n"));
    expect(loadSession()?.user).toEqual({ id: "u1", username: "alice", role: "USER" });
    expect(api.calls).toContainEqual({
      name: "Login",
      variables: { username: "alice", password: "alice" },
    });
  });

  it("shows the API's refusal and stores nothing", async () => {
    const api = fakeClient({
      Login: () => apiError("UNAUTHENTICATED", "wrong user name or password"),
    });
    renderLogin(api.client);
    await userEvent.type(screen.getByLabelText(/User name/), "alice");
    await userEvent.type(screen.getByLabelText(/Password/), "nope");
    await userEvent.click(screen.getByRole("button", { name: "Sign in" }));
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("wrong user name or password");
    expect(alert).toHaveTextContent("UNAUTHENTICATED");
    expect(loadSession()).toBeNull();
  });
});
