// Warm p50 of tools over one `epintel serve` stdio session (raw newline-delimited JSON-RPC),
// each tool's calls interleaved with calls of a baseline tool in the same session.
// usage: node toolkit_b.mjs CALLS BASELINE_JSON TOOLS_JSON -- CMD ARGS...
//   BASELINE_JSON: {"name": "get_meps", "arguments": {...}}; TOOLS_JSON: [{"name", "arguments"}]
// Prints one line per tool: name p50_ms baseline_p50_ms ratio errors
import { session } from "./mcp_stdio.mjs";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
const [callsArg, baseArg, toolsArg] = argv.slice(0, sep);
const cmd = argv.slice(sep + 1);
const calls = Number(callsArg);
const base = JSON.parse(baseArg);
const tools = JSON.parse(toolsArg);

const { child, request, notify } = session(cmd);
const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;
const p50 = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
async function timed(t) {
  const t0 = process.hrtime.bigint();
  const r = await request("tools/call", t);
  return [ms(t0), r.error || r.result?.isError ? 1 : 0];
}

await request("initialize", { protocolVersion: "2025-06-18", capabilities: {},
                              clientInfo: { name: "toolkit_b", version: "1" } });
notify("notifications/initialized");
await timed(base); // warm the baseline's own caches once
for (const t of tools) {
  await timed(t); // the first call fills the window caches (the cold figure is measured apart)
  const a = [], b = [];
  let errors = 0;
  for (let k = 0; k < calls; k++) {
    const [x, e] = await timed(t);
    const [y] = await timed(base);
    a.push(x);
    b.push(y);
    errors += e;
  }
  const pa = p50(a), pb = p50(b);
  console.log(`${t.name} ${pa.toFixed(2)} ${pb.toFixed(2)} ${(pa / pb).toFixed(2)} ${errors}`);
}
child.stdin.end();
child.kill();
