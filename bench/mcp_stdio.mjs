// A raw MCP stdio client for the benchmarks (newline-delimited JSON-RPC, no SDK in the timed
// path), shared by mcp_bench.mjs and toolkit_b.mjs.
// session(cmd): spawns cmd[0] with cmd.slice(1) (stderr ignored) and returns
//   t0       process.hrtime.bigint() just before the spawn
//   child    the child process
//   request  (method, params) -> Promise of the reply message with that id
//   notify   (method) -> sends a notification
//   rssKb    () -> the child's peak RSS (VmHWM) in KiB
//   close    () -> Promise: stdin closed, resolved when the child exits (SIGKILL after 5 s)
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";

export function session(cmd) {
  const t0 = process.hrtime.bigint();
  const child = spawn(cmd[0], cmd.slice(1), { stdio: ["pipe", "pipe", "ignore"] });
  let buf = "";
  const waiting = new Map();
  child.stdout.on("data", (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (!line.trim()) continue;
      const msg = JSON.parse(line);
      if (msg.id !== undefined && waiting.has(msg.id)) {
        waiting.get(msg.id)(msg);
        waiting.delete(msg.id);
      }
    }
  });
  let next = 1;
  const request = (method, params) => new Promise((resolve) => {
    const id = next++;
    waiting.set(id, resolve);
    child.stdin.write(JSON.stringify({ jsonrpc: "2.0", id, method, params }) + "\n");
  });
  const notify = (method) => child.stdin.write(JSON.stringify({ jsonrpc: "2.0", method }) + "\n");
  const rssKb = () => {
    const s = readFileSync(`/proc/${child.pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(s)[1]);
  };
  const close = () => new Promise((r) => { child.on("exit", r); child.stdin.end(); setTimeout(() => child.kill("SIGKILL"), 5000).unref(); });
  return { t0, child, request, notify, rssKb, close };
}
