import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist", "src/gql", "node_modules", "target"] },
  {
    files: ["**/*.{ts,tsx}"],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { ecmaVersion: 2022, globals: globals.browser },
    plugins: { "react-hooks": reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      // Icons come from common/icons, which marks them decorative (aria-hidden).
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["@tabler/icons-react", "@tabler/icons-react/*"],
              message:
                "Import icons from src/common/icons: it marks them decorative (aria-hidden).",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["src/common/icons.ts"],
    rules: { "no-restricted-imports": "off" },
  },
  {
    files: ["e2e/**/*.mjs", "scripts/**/*.mjs", "playwright.config.mjs"],
    extends: [js.configs.recommended],
    // e2e scripts run in Node and pass functions to the page.
    languageOptions: { ecmaVersion: 2022, globals: { ...globals.node, ...globals.browser } },
  },
);
