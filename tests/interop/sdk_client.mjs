// Interop test with the official TypeScript SDK client (pinned in tests/package.json).
// Spawns `epintel serve` over stdio (or connects to `epintel serve --http` when given a URL),
// lists every tool, calls each with valid arguments (the SDK
// validates structuredContent against the tool's outputSchema and throws on a mismatch), and
// calls each with invalid arguments expecting isError. Also reads resources and prompts.
// usage: node sdk_client.mjs path/to/epintel path/to/store.db
//        node sdk_client.mjs http://127.0.0.1:PORT/mcp
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const [bin, db] = process.argv.slice(2);
const overHttp = /^https?:\/\//.test(bin);
let pass = 0, fail = 0, nUpstream = 0, nUpstreamData = 0;
const ok = (cond, what) => { if (cond) pass++; else { fail++; console.error("FAIL:", what); } };

import { valid, passThrough, schemaArgs, badArgs } from "./tool_args.mjs";

const transport = overHttp
  ? new StreamableHTTPClientTransport(new URL(bin))
  : new StdioClientTransport({ command: bin, args: ["--db", db, "serve"], stderr: "inherit",
                              env: { ...process.env } }); // EP_API_URL: the test server
const client = new Client({ name: "epintel-interop", version: "1.0.0" });
await client.connect(transport);
ok(client.getServerVersion()?.name === "epintel", "serverInfo.name is epintel");

let tools = [];
let cursor;
do {
  const page = await client.listTools(cursor ? { cursor } : {});
  tools = tools.concat(page.tools);
  cursor = page.nextCursor;
} while (cursor);
const names = tools.map((t) => t.name).sort();
console.log(`tools/list: ${tools.length} tools`);
for (const name of Object.keys(valid))
  ok(names.includes(name), `tool ${name} is listed`);

for (const t of tools) {
  ok(t.inputSchema?.type === "object", `${t.name}: object inputSchema`);
  ok(t.outputSchema?.type === "object", `${t.name}: outputSchema`);
  ok(typeof t.title === "string" && typeof t.description === "string", `${t.name}: title, description`);
  ok(t.annotations && "readOnlyHint" in t.annotations, `${t.name}: annotations`);
  const v = valid[t.name] ?? (passThrough(t) ? { args: schemaArgs(t), upstream: true } : null);
  if (!v) { ok(false, `${t.name}: no valid arguments known to this test`); continue; }
  try {
    const r = await client.callTool({ name: t.name, arguments: v.args });
    if (v.expectError) {
      ok(r.isError === true && /store|sync|available/i.test(r.content?.[0]?.text ?? ""),
         `${t.name}: isError with a reason`);
    } else {
      ok(!r.isError, `${t.name}: no error (${r.isError ? r.content?.[0]?.text : ""})`);
      ok(r.structuredContent && typeof r.structuredContent === "object", `${t.name}: structuredContent`);
      const text = r.content?.find((c) => c.type === "text")?.text;
      ok(text && JSON.stringify(JSON.parse(text)) === JSON.stringify(r.structuredContent),
         `${t.name}: text block carries the same JSON`);
      if (v.upstream) {
        const sc = r.structuredContent ?? {};
        ok(Array.isArray(sc.data) && sc.constructed === true && /^http:\/\/127\.0\.0\.1:/.test(sc.url),
           `${t.name}: data from the test server (${sc.url}), labelled constructed`);
        nUpstream++;
        if (sc.count > 0) nUpstreamData++;
      }
    }
  } catch (e) {
    ok(false, `${t.name}: valid call threw ${e.message}`);
  }
  try {
    const r = await client.callTool({ name: t.name, arguments: { ...v.args, no_such_argument: 1 } });
    ok(r.isError === true && /no_such_argument/.test(r.content?.[0]?.text ?? ""),
       `${t.name}: unknown argument gives isError naming it`);
  } catch (e) {
    ok(false, `${t.name}: invalid call threw ${e.message}`);
  }
  if (v.upstream) {
    const [bad, what] = badArgs(t);
    try {
      const r = await client.callTool({ name: t.name, arguments: bad });
      ok(r.isError === true && (r.content?.[0]?.text ?? "").includes(what),
         `${t.name}: invalid ${what} gives isError naming it`);
    } catch (e) {
      ok(false, `${t.name}: invalid ${what} threw ${e.message}`);
    }
  }
}
console.log(`pass-through tools called: ${nUpstream}, ${nUpstreamData} with data items`);
ok(nUpstream >= 52, `at least 52 pass-through tools (${nUpstream})`);

// Unknown tool: JSON-RPC error -32602.
try {
  await client.callTool({ name: "no_such_tool", arguments: {} });
  ok(false, "unknown tool must fail");
} catch (e) {
  ok(/-32602|Unknown tool|no_such_tool/i.test(String(e.message)), "unknown tool error");
}

const caps = client.getServerCapabilities();
if (caps?.resources) {
  const tpl = await client.listResourceTemplates();
  const uris = tpl.resourceTemplates.map((r) => r.uriTemplate);
  for (const u of ["ep://meps/{id}", "ep://votes/{id}", "ep://groups/{code}", "ep://sittings/{date}"])
    ok(uris.includes(u), `resource template ${u}`);
  const r = await client.readResource({ uri: "ep://groups/EPP" });
  ok(r.contents?.length > 0, "read ep://groups/EPP");
  // formats: rendered files come back as resource links that resources/read serves
  const f = await client.callTool({ name: "analyze_coalition_dynamics",
                                    arguments: { formats: ["png", "pdf"] } });
  const links = (f.content ?? []).filter((c) => c.type === "resource_link");
  ok(!f.isError && links.length === 3, `formats: 3 resource links (${f.content?.[0]?.text?.slice(0, 200)})`);
  ok((f.content ?? []).filter((c) => c.type === "image").length === 2, "formats: 2 PNGs inlined");
  ok(f.structuredContent?.artefacts?.items?.length === 3, "formats: artefacts in structuredContent");
  const pdf = links.find((c) => c.mimeType === "application/pdf");
  if (pdf) {
    const rr = await client.readResource({ uri: pdf.uri });
    const c0 = rr.contents?.[0];
    ok(c0?.mimeType === "application/pdf" && Buffer.from(c0.blob ?? "", "base64").length === pdf.size &&
       Buffer.from(c0.blob, "base64").subarray(0, 5).toString() === "%PDF-", "resources/read of the PDF link");
  } else ok(false, "formats: a PDF link");
  try {
    await client.readResource({ uri: "ep://artefacts/../store.db" });
    ok(false, "artefact traversal must fail");
  } catch (e) {
    ok(/refused/.test(String(e.message)), "artefact traversal refused");
  }
  try {
    await client.readResource({ uri: "ep://meps/999999999" });
    ok(false, "unknown MEP resource must fail");
  } catch (e) {
    ok(/-32002|not found/i.test(String(e.message)), "unknown resource gives -32002");
  }
} else {
  ok(false, "resources capability declared");
}
if (caps?.prompts) {
  const p = await client.listPrompts();
  const pn = p.prompts.map((x) => x.name);
  for (const n of ["mep_briefing", "coalition_analysis", "legislative_tracking"])
    ok(pn.includes(n), `prompt ${n}`);
  const g = await client.getPrompt({ name: "mep_briefing", arguments: { mep_id: "840" } });
  ok(g.messages?.length > 0, "prompts/get mep_briefing");
} else {
  ok(false, "prompts capability declared");
}
await client.ping();
pass++;
if (overHttp) {
  ok(typeof transport.sessionId === "string" && transport.sessionId.length >= 32, "Mcp-Session-Id issued");
  await transport.terminateSession(); // DELETE /mcp
  pass++;
}
await client.close();
console.log(`sdk client (${overHttp ? "http" : "stdio"}): ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
