// Runs the graphql-http audit suite (GraphQL over HTTP conformance) against a running gateway:
//   node e2e/graphql-http-audit.mjs http://127.0.0.1:8080/graphql [token]
// With a token every request carries it, so documents the gateway would refuse without one reach
// GraphQL validation. Prints one line per audit and, last, "MUST a/b, SHOULD c/d, MAY e/f" and the
// ids of the audits that did not pass; exits 1 when a MUST or a SHOULD did not pass.
import { auditServer } from "graphql-http";

const [url, token] = process.argv.slice(2);
if (!url) {
  console.error("usage: node e2e/graphql-http-audit.mjs <graphql url> [token]");
  process.exit(2);
}

const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) {
    headers.set("authorization", `Bearer ${token}`);
  }
  return fetch(input, { ...init, headers });
};

const results = await auditServer({ url, fetchFn });
const levels = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
const failed = [];
for (const result of results) {
  const level = result.name.split(" ")[0];
  levels[level][1]++;
  if (result.status === "ok") {
    levels[level][0]++;
    console.log(`ok    ${result.id} ${result.name}`);
  } else {
    failed.push(result.id);
    const status = result.response ? ` (HTTP ${result.response.status})` : "";
    console.log(`FAIL  ${result.id} ${result.name}: ${result.reason}${status}`);
  }
}
const summary = Object.entries(levels)
  .map(([level, [passed, total]]) => `${level} ${passed}/${total}`)
  .join(", ");
console.log(summary);
console.log(`not passed: ${failed.sort().join(" ") || "none"}`);
process.exit(levels.MUST[0] < levels.MUST[1] || levels.SHOULD[0] < levels.SHOULD[1] ? 1 : 0);
