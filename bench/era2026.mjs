// A 2026-07-28 stateless tools/call against a 2025-11-25 session tools/call on the same
// `epintel serve --http` on loopback, in one run: the same tool and arguments, the calls of the
// two eras interleaved in rounds (so that drift hits both), keep-alive connections.
// usage: node era2026.mjs URL calls
const [url, callsArg] = process.argv.slice(2);
const calls = Number(callsArg ?? 2000);
const args = { country: "LUX", limit: 5 };
const base = { "Content-Type": "application/json", Accept: "application/json, text/event-stream" };
const meta = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientCapabilities": {},
  "io.modelcontextprotocol/clientInfo": { name: "bench", version: "1" },
};

async function post(headers, body) {
  const r = await fetch(url, { method: "POST", headers: { ...base, ...headers }, body: JSON.stringify(body) });
  const t = await r.text();
  if (r.status !== 200 || !t.includes('"result"')) throw new Error(`HTTP ${r.status}: ${t.slice(0, 200)}`);
  return r;
}

// the 2025 session
const init = await post({}, { jsonrpc: "2.0", id: 0, method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "bench", version: "1" } } });
const sid = init.headers.get("mcp-session-id");
await fetch(url, { method: "POST", headers: { ...base, "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25" },
  body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }) }).then((r) => r.text());
const legacy = (id) => post({ "Mcp-Session-Id": sid, "MCP-Protocol-Version": "2025-11-25" },
  { jsonrpc: "2.0", id, method: "tools/call", params: { name: "get_meps", arguments: args } });
const modern = (id) => post({ "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "get_meps" },
  { jsonrpc: "2.0", id, method: "tools/call", params: { name: "get_meps", arguments: args, _meta: meta } });

const lat = { legacy: [], modern: [] };
for (let i = 0; i < 200; i++) { await legacy(i); await modern(i); } // warm-up (the result cache fills)
const round = 100;
for (let done = 0, id = 1000; done < calls; done += round) {
  for (const [name, fn] of [["legacy", legacy], ["modern", modern]]) {
    for (let k = 0; k < round; k++) {
      const t0 = process.hrtime.bigint();
      await fn(id++);
      lat[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
}
await fetch(url, { method: "DELETE", headers: { "Mcp-Session-Id": sid } }).then((r) => r.text());
const q = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const out = {};
for (const k of ["legacy", "modern"]) out[k] = { p50_ms: q(lat[k], 0.5), p99_ms: q(lat[k], 0.99), n: lat[k].length };
out.ratio_p50 = out.legacy.p50_ms / out.modern.p50_ms;
console.log(JSON.stringify(out));
