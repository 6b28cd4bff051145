/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

const gateway = process.env.OPENCDI_GATEWAY ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
    // An AudioWorklet module is a script, and the gateway's Content-Security-Policy allows
    // scripts from 'self' only: the microphone's worklet must stay a file, not a data: URL.
    assetsInlineLimit: (file) => (file.endsWith(".worklet.js") ? false : undefined),
  },
  server: {
    proxy: {
      "/graphql": { target: gateway, ws: true },
      "/display": { target: gateway, ws: true },
      "/audio/": { target: gateway, ws: true },
      "/files": { target: gateway },
    },
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
    // Component tests assert what a user sees, not how fast: on a shared, loaded machine a
    // render with user-event may take seconds, so the bound is wide.
    testTimeout: 30_000,
  },
});
