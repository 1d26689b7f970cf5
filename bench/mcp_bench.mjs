// MCP stdio benchmark: process start -> initialize response, peak RSS after tools/list, and
// round-trip p50/p99 per tool. Raw newline-delimited JSON-RPC (no SDK in the timed path).
// usage: node mcp_bench.mjs start  LABEL RUNS -- CMD ARGS...
//        node mcp_bench.mjs tools  CALLS      -- CMD ARGS...   (basic tools, on the bundled data)
import { session as stdioSession } from "./mcp_stdio.mjs";

const argv = process.argv.slice(2);
const sep = argv.indexOf("--");
const [mode, ...opts] = argv.slice(0, sep);
const cmd = argv.slice(sep + 1);

const session = () => stdioSession(cmd);

const ms = (a, b) => Number(b - a) / 1e6;
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };

if (mode === "start") {
  const [label, runsS] = opts;
  const runs = Number(runsS || 5);
  const starts = [], lists = [], steps = [], rss = [];
  for (let r = 0; r < runs; r++) {
    const s = session();
    await s.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } });
    starts.push(ms(s.t0, process.hrtime.bigint()));
    s.notify("notifications/initialized");
    const t1 = process.hrtime.bigint();
    const list = await s.request("tools/list", {});
    const t2 = process.hrtime.bigint();
    lists.push(ms(s.t0, t2));
    steps.push(ms(t1, t2));
    rss.push(s.rssKb());
    if (r === 0) console.error(`${label}: ${list.result?.tools?.length ?? "?"} tools`);
    await s.close();
  }
  console.log(JSON.stringify({ label, start_ms_p50: pct(starts, 0.5), list_ms_p50: pct(lists, 0.5), step_ms_p50: pct(steps, 0.5), peak_rss_kb_p50: pct(rss, 0.5), runs }));
} else if (mode === "tools") {
  const calls = Number(opts[0] || 200);
  const args = {
    get_meps: { country: "LUX", limit: 5 },
    get_mep_details: { id: 197558 },
    get_plenary_sessions: { from: "2024-01-01", to: "2024-04-30" },
    get_voting_records: { sitting: "2024-01-16", limit: 5 },
    search_documents: { query: "fluorinated gases" },
    get_committee_info: {},
    analyze_voting_patterns: { mep_id: 197558 },
    track_legislation: { procedure: "2022/0099(COD)" },
    generate_report: { kind: "mep", id: "197558" },
  };
  const s = session();
  await s.request("initialize", { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "bench", version: "1" } });
  s.notify("notifications/initialized");
  const rows = [];
  for (const [name, a] of Object.entries(args)) {
    const t = [];
    for (let i = 0; i < calls; i++) {
      const t0 = process.hrtime.bigint();
      const r = await s.request("tools/call", { name, arguments: a });
      t.push(ms(t0, process.hrtime.bigint()));
      if (i === 0 && (r.error || r.result?.isError)) console.error(`${name}: error ${JSON.stringify(r.error || r.result.content)}`);
    }
    rows.push({ tool: name, p50_ms: +pct(t, 0.5).toFixed(3), p99_ms: +pct(t, 0.99).toFixed(3) });
  }
  const ping = [];
  for (let i = 0; i < calls; i++) { const t0 = process.hrtime.bigint(); await s.request("ping", {}); ping.push(ms(t0, process.hrtime.bigint())); }
  rows.push({ tool: "(ping baseline)", p50_ms: +pct(ping, 0.5).toFixed(3), p99_ms: +pct(ping, 0.99).toFixed(3) });
  console.log(JSON.stringify({ calls, peak_rss_kb: s.rssKb(), rows }));
  await s.close();
}
