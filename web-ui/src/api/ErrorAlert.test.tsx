import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { fakeClient } from "../test/fakeClient";
import { renderWithProviders } from "../test/render";
import { ErrorAlert } from "./ErrorAlert";

describe("ErrorAlert", () => {
  it("shows the code and reason, and its close button has a name", async () => {
    let dismissed = false;
    renderWithProviders(
      <ErrorAlert
        error={{ code: "INVALID_STATE", message: "the desktop is still stopping" }}
        title="The action failed"
        onClose={() => (dismissed = true)}
      />,
      fakeClient({}).client,
    );
    const alert = screen.getByRole("alert");
    expect(alert).toHaveTextContent("the desktop is still stopping (INVALID_STATE)");
    await userEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(dismissed).toBe(true);
  });
});
