import { Alert, createTheme, Modal } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "indigo",
  defaultRadius: "md",
  fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
  components: {
    // Mantine's close buttons are bare icons: without a label, screen readers announce only
    // "button", and a modal opened from the keyboard could start on that nameless button.
    Modal: Modal.extend({ defaultProps: { closeButtonProps: { "aria-label": "Close" } } }),
    Alert: Alert.extend({ defaultProps: { closeButtonLabel: "Dismiss" } }),
  },
});
