import { MantineProvider, Button } from "@mantine/core";
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import * as icons from "./icons";
import { IconTrash } from "./icons";

describe("icons", () => {
  it("are decorative: hidden from assistive technology and never focused", () => {
    const entries = Object.entries(icons);
    expect(entries.length).toBeGreaterThan(10);
    for (const [name, Icon] of entries) {
      const { container, unmount } = render(<Icon size={16} />);
      const svg = container.querySelector("svg");
      expect(svg, name).toHaveAttribute("aria-hidden", "true");
      expect(svg, name).toHaveAttribute("focusable", "false");
      unmount();
    }
  });

  it("leave a button's accessible name to its text", () => {
    render(
      <MantineProvider>
        <Button leftSection={<IconTrash size={16} />}>Delete</Button>
      </MantineProvider>,
    );
    const button = screen.getByRole("button", { name: "Delete" });
    expect(screen.queryByRole("img", { hidden: false })).not.toBeInTheDocument();
    expect(button.querySelector("svg")).toHaveAttribute("aria-hidden", "true");
  });

  it("can still be given a name where one stands alone", () => {
    render(<IconTrash aria-hidden={false} aria-label="Trash" role="img" />);
    expect(screen.getByRole("img", { name: "Trash" })).toBeInTheDocument();
  });
});
