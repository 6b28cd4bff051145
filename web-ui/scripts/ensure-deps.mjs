// Runs `npm ci` only when node_modules was not installed from the current package-lock.json:
// `npm ci` always deletes node_modules first, which costs minutes on a busy machine.
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`Node ${process.versions.node} is too old for the web UI: install Node >= 20.19.`);
  process.exit(1);
}

const lock = createHash("sha256").update(readFileSync("package-lock.json")).digest("hex");
const stamp = "node_modules/.opencdi-lock-sha256";
if (existsSync(stamp) && readFileSync(stamp, "utf8") === lock) {
  console.log("node_modules matches package-lock.json; npm ci skipped");
} else {
  execFileSync("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], {
    stdio: "inherit",
  });
  writeFileSync(stamp, lock);
}
