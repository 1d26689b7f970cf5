// Compare JSON-RPC responses with a golden file by id (order-free, deep equality of parsed JSON).
// usage: node compare.mjs expected.jsonl actual.jsonl
import { readFileSync } from "node:fs";
const load = (f) => {
  const m = new Map();
  for (const line of readFileSync(f, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const o = JSON.parse(line);
    m.set(JSON.stringify(o.id ?? null), o);
  }
  return m;
};
const canon = (v) => Array.isArray(v) ? v.map(canon)
  : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canon(v[k])])) : v;
const exp = load(process.argv[2]), act = load(process.argv[3]);
let pass = 0, fail = 0;
for (const [id, e] of exp) {
  const a = act.get(id);
  if (a && JSON.stringify(canon(a)) === JSON.stringify(canon(e))) pass++;
  else { fail++; console.error(`FAIL: response ${id} differs:\n  expected ${JSON.stringify(e).slice(0, 300)}\n  actual   ${a ? JSON.stringify(a).slice(0, 300) : "(none)"}`); }
}
for (const id of act.keys()) if (!exp.has(id)) { fail++; console.error(`FAIL: unexpected response ${id}`); }
console.log(`golden: ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
