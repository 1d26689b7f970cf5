// Interop test of epintel's tasks with the official Tasks client (@modelcontextprotocol/ext-tasks
// 0.2.2, on the v2 SDK client 2.4.0, pinned in tests/package.json):
// - over stdio (path to epintel + store): the experimental tasks of 2025-11-25 (a legacy
//   session; the client asks for a task with params.task, polls and fetches the result);
// - over HTTP (a URL): the Tasks extension of 2026-07-28 (the server decides: a call that asks
//   for rendered files becomes a task; raw requests framed by the package, sent by fetch).
// The call must run as a task (preference "require"), complete, and its result must be the
// tool's (and for the rendered file, a resource link that resources/read serves).
// usage: node tasks_client.mjs path/to/epintel path/to/store.db
//        node tasks_client.mjs http://127.0.0.1:PORT/mcp
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import {
  createTaskSessionFromClient, resultFromTaskOutcome, toolDeclarationFromMcpTool,
} from "@modelcontextprotocol/ext-tasks/client";

const ERA = "2026-07-28";
const [bin, db] = process.argv.slice(2);
const overHttp = /^https?:\/\//.test(bin);
let pass = 0, fail = 0;
const ok = (cond, what) => { if (cond) pass++; else { fail++; console.error("FAIL:", what); } };

const clientInfo = { name: "epintel-tasks-interop", version: "1.0.0" };
const clientCapabilities = { extensions: { "io.modelcontextprotocol/tasks": {} } };
let client, session, tool, args;
if (overHttp) {
  client = new Client(clientInfo, { versionNegotiation: { mode: { pin: ERA } } });
  await client.connect(new StreamableHTTPClientTransport(new URL(bin)));
  // the package frames 2026 requests itself; they go out as plain HTTP POSTs with their headers
  let rid = 0;
  const rawDispatch = async (req) => {
    const request = { jsonrpc: "2.0", id: `raw-${++rid}`, ...req }; // the host frames the envelope
    const name = request.params?.name ?? request.params?.uri;
    const r = await fetch(bin, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream",
                 "MCP-Protocol-Version": ERA, "Mcp-Method": request.method,
                 ...(name && /^(tools\/call|resources\/read|prompts\/get)$/.test(request.method)
                   ? { "Mcp-Name": name } : {}) },
      body: JSON.stringify(request),
    });
    return await r.json();
  };
  session = createTaskSessionFromClient(client, {
    endpointId: "epintel-http", rawDispatch,
    v2RequestFraming: { protocolVersion: ERA, clientInfo, clientCapabilities },
  });
  tool = "analyze_coalition_dynamics";
  args = { formats: ["pdf"] };
} else {
  client = new Client(clientInfo);
  await client.connect(new StdioClientTransport({ command: bin, args: ["--db", db, "serve"],
                                                  stderr: "inherit", env: { ...process.env } }));
  ok(client.getServerCapabilities()?.tasks?.requests?.tools?.call !== undefined,
     "2025-11-25 initialize declares tasks.requests.tools.call");
  session = createTaskSessionFromClient(client, { endpointId: "epintel-stdio" });
  tool = "generate_report";
  args = { kind: "mep", id: "840" };
}
const tools = (await client.listTools()).tools;
const t = tools.find((x) => x.name === tool);
if (!overHttp) ok(t?.execution?.taskSupport === "optional", `${tool}: execution.taskSupport optional`);
const ex = await session.callTool(tool, args, { declaration: toolDeclarationFromMcpTool(t),
                                               task: { preference: "require" } });
ok(ex.kind === "task", `${tool} ran as a task (${ex.kind})`);
const { outcome } = await ex.settle();
ok(outcome.status === "completed", `the task completed (${outcome.status})`);
const result = resultFromTaskOutcome(outcome);
ok(!result.isError, `the task's result is no error (${result.content?.[0]?.text?.slice(0, 200)})`);
if (overHttp) {
  const link = (result.content ?? []).find((c) => c.type === "resource_link" && c.mimeType === "application/pdf");
  ok(link, "the result links its PDF");
  if (link) {
    const rr = await client.readResource({ uri: link.uri });
    ok(Buffer.from(rr.contents?.[0]?.blob ?? "", "base64").subarray(0, 5).toString() === "%PDF-",
       "resources/read serves the task's PDF");
  }
} else {
  ok(result.structuredContent?.kind === "mep" && result.structuredContent?.id === "840",
     "the result is generate_report's");
}
await session.close();
await client.close();
console.log(`tasks client (${overHttp ? ERA + ", http" : "2025-11-25, stdio"}): ${pass} passed, ${fail} failed`);
process.exit(fail ? 1 : 0);
