// Interop test for MCP 2026-07-28 with the official TypeScript SDK v2 client
// (@modelcontextprotocol/client 2.4.0, pinned in tests/package.json) in its 2026 mode
// (versionNegotiation pinned to 2026-07-28: a server/discover probe, then every request
// stateless, with its _meta; over HTTP with the MCP-Protocol-Version, Mcp-Method and Mcp-Name
// headers). Spawns `epintel serve` over stdio, or connects to `epintel serve --http` when given a
// URL. Lists every tool, calls each with valid arguments (the SDK validates structuredContent
// against outputSchema) and with an unknown argument (isError), reads resources, resource links
// and prompts. A spy on the transport checks that no initialize is ever sent, that every request
// carries the 2026-07-28 _meta, and validates every response against the SDK's 2026-07-28 wire
// schemas (its codec), besides the client's own checks.
// usage: node sdk2_client.mjs path/to/epintel path/to/store.db
//        node sdk2_client.mjs http://127.0.0.1:PORT/mcp
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
// The SDK's per-revision wire codec is not exported by name: its chunk of the pinned 2.4.0.
import { q as codecForVersion } from "../node_modules/@modelcontextprotocol/client/dist/src-CeKsbNLO.mjs";
import { valid, passThrough, schemaArgs } from "./tool_args.mjs";

const ERA = "2026-07-28";
const [bin, db] = process.argv.slice(2);
const overHttp = /^https?:\/\//.test(bin);
let pass = 0, fail = 0;
const ok = (cond, what) => { if (cond) pass++; else { fail++; console.error("FAIL:", what); } };

const codec = codecForVersion(ERA);
ok(codec && typeof codec.validateResult === "function", "the SDK's 2026-07-28 codec is loaded");

const transport = overHttp
  ? new StreamableHTTPClientTransport(new URL(bin))
  : new StdioClientTransport({ command: bin, args: ["--db", db, "serve"], stderr: "inherit",
                              env: { ...process.env } });
// The spy: outgoing requests by id, and each response validated against its method's 2026 schema.
const sent = new Map();
let nSent = 0, nValidated = 0, sawInitialize = false;
const send = transport.send.bind(transport);
transport.send = async (msg, opts) => {
  if (msg.method === "initialize") sawInitialize = true;
  if (msg.method && msg.id !== undefined) {
    nSent++;
    const meta = msg.params?._meta ?? {};
    ok(meta["io.modelcontextprotocol/protocolVersion"] === ERA &&
       typeof meta["io.modelcontextprotocol/clientCapabilities"] === "object",
       `${msg.method}: the request carries the ${ERA} _meta`);
    sent.set(msg.id, msg.method);
  }
  return send(msg, opts);
};

const client = new Client({ name: "epintel-interop-2026", version: "1.0.0" },
                          { versionNegotiation: { mode: { pin: ERA } } });
await client.connect(transport);
// the server/discover probe of connect() is checked by the client itself (and over stdio it
// runs on a sibling process); the spy validates everything after it
sent.clear();
nSent = 0;
const onmessage = transport.onmessage;
transport.onmessage = (msg, extra) => {
  const method = sent.get(msg.id);
  if (method && "result" in msg) {
    const v = codec.validateResult(method, msg.result);
    ok(v.ok, `${method}: the result is a valid ${ERA} ${method} result (${v.message ?? v.reason ?? ""})`);
    ok(msg.result.resultType === "complete", `${method}: resultType complete`);
    nValidated++;
  } else if (method && "error" in msg) {
    ok(Number.isInteger(msg.error.code) && typeof msg.error.message === "string" &&
       msg.error.code !== -32002, `${method}: a ${ERA} JSON-RPC error (${msg.error.code})`);
    nValidated++;
  }
  return onmessage(msg, extra);
};
ok(client.getNegotiatedProtocolVersion?.() === ERA, `negotiated ${ERA}`);
ok(client.getServerVersion()?.name === "epintel", "serverInfo.name is epintel (from server/discover)");

let tools = [];
let cursor;
do {
  const page = await client.listTools(cursor ? { cursor } : {});
  ok(Number.isInteger(page.ttlMs) && page.ttlMs > 0 && page.cacheScope === "public",
     `tools/list page: ttlMs ${page.ttlMs}, cacheScope ${page.cacheScope}`);
  tools = tools.concat(page.tools);
  cursor = page.nextCursor;
} while (cursor);
console.log(`tools/list (${ERA}): ${tools.length} tools`);
for (const name of Object.keys(valid))
  ok(tools.some((t) => t.name === name), `tool ${name} is listed`);

for (const t of tools) {
  const v = valid[t.name] ?? (passThrough(t) ? { args: schemaArgs(t), upstream: true } : null);
  if (!v) { ok(false, `${t.name}: no valid arguments known to this test`); continue; }
  try {
    const r = await client.callTool({ name: t.name, arguments: v.args });
    if (v.expectError) {
      ok(r.isError === true, `${t.name}: isError with a reason`);
    } else {
      ok(!r.isError, `${t.name}: no error (${r.isError ? r.content?.[0]?.text : ""})`);
      const text = r.content?.find((c) => c.type === "text")?.text;
      ok(r.structuredContent && text &&
         JSON.stringify(JSON.parse(text)) === JSON.stringify(r.structuredContent),
         `${t.name}: structuredContent and the same JSON as text`);
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
}

try {
  await client.callTool({ name: "no_such_tool", arguments: {} });
  ok(false, "unknown tool must fail");
} catch (e) {
  ok(/-32602|Unknown tool|no_such_tool/i.test(String(e.message)), "unknown tool error");
}

const caps = client.getServerCapabilities();
ok(caps?.resources && caps?.prompts && caps?.tools, "server/discover capabilities: tools, resources, prompts");
const tpl = await client.listResourceTemplates();
ok(tpl.resourceTemplates.some((r) => r.uriTemplate === "ep://meps/{id}"), "resource template ep://meps/{id}");
const rr = await client.readResource({ uri: "ep://groups/EPP" });
ok(rr.contents?.length > 0 && Number.isInteger(rr.ttlMs), "read ep://groups/EPP, with ttlMs");
const f = await client.callTool({ name: "analyze_coalition_dynamics", arguments: { formats: ["pdf"] } });
const pdf = (f.content ?? []).find((c) => c.type === "resource_link" && c.mimeType === "application/pdf");
if (pdf) {
  const r = await client.readResource({ uri: pdf.uri });
  const c0 = r.contents?.[0];
  ok(c0?.mimeType === "application/pdf" &&
     Buffer.from(c0.blob ?? "", "base64").subarray(0, 5).toString() === "%PDF-",
     "resources/read of the PDF resource link");
} else ok(false, `formats: a PDF resource link (${f.content?.[0]?.text?.slice(0, 200)})`);
try {
  await client.readResource({ uri: "ep://meps/999999999" });
  ok(false, "unknown MEP resource must fail");
} catch (e) {
  ok(/-32602|not found/i.test(String(e.message)), `unknown resource: -32602 in ${ERA} (${e.message})`);
}
const p = await client.listPrompts();
ok(p.prompts.some((x) => x.name === "mep_briefing"), "prompt mep_briefing");
const g = await client.getPrompt({ name: "mep_briefing", arguments: { mep_id: "840" } });
ok(g.messages?.length > 0, "prompts/get mep_briefing");

ok(!sawInitialize, "no initialize request was sent");
ok(nValidated === nSent && nSent > 0, `every response validated (${nValidated} of ${nSent})`);
if (overHttp) ok(transport.sessionId === undefined, "no Mcp-Session-Id issued");
await client.close();
console.log(`sdk v2 client (${ERA}, ${overHttp ? "http" : "stdio"}): ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
