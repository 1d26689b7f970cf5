// Validate SPDX 2.3 JSON documents against the official schema (packaging/spdx/spdx-schema-2.3.json,
// vendored from github.com/spdx/spdx-spec tag v2.3, CC-BY-3.0) with ajv (tests/package.json).
//   node packaging/spdx/validate.mjs FILE.spdx.json...
// Exit 0 when every file validates; 1 with each error's path and message otherwise.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "..", "..", "tests", "package.json"));
const Ajv = require("ajv");
const addFormats = require("ajv-formats");
const schema = JSON.parse(readFileSync(join(here, "spdx-schema-2.3.json"), "utf8"));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);
let bad = 0;
for (const f of process.argv.slice(2)) {
  const doc = JSON.parse(readFileSync(f, "utf8"));
  if (validate(doc)) {
    console.log(`${f}: valid SPDX 2.3 (${doc.packages.length} packages, ${(doc.files || []).length} files, ${doc.relationships.length} relationships)`);
  } else {
    bad++;
    for (const e of validate.errors) console.error(`${f}: ${e.instancePath || "/"} ${e.message}`);
  }
}
if (process.argv.length < 3) {
  console.error("usage: node packaging/spdx/validate.mjs FILE.spdx.json...");
  process.exit(2);
}
process.exit(bad ? 1 : 0);
