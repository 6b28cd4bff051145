import type { CodegenConfig } from "@graphql-codegen/cli";

// Types and typed document nodes come from the API contract itself, so a schema change that
// breaks the UI breaks the build.
const config: CodegenConfig = {
  schema: "../graphql-schema/src/main/resources/schema.graphqls",
  documents: ["../graphql-schema/src/main/resources/operations/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // BigInteger values in this API are counts of millicores and MiB: well within 2^53.
        scalars: { BigInteger: "number", BigDecimal: "number", DateTime: "string" },
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
      },
    },
  },
};

export default config;
