-- wrk script for bench/load.sh: one MCP request per call (POST /mcp with an existing session,
-- or a GET such as /healthz), counting non-200 replies and JSON-RPC errors, and printing one
-- RESULT line. Environment:
--   EP_METHOD   POST (default) or GET
--   EP_BODY     the JSON-RPC body for POST; "ID" in it is replaced by a number unique in the
--               thread (one session per thread), since a session refuses duplicate in-flight ids
--   EP_SIDS     space-separated Mcp-Session-Id values (from initialize, obtained with curl);
--               thread i uses id i modulo their number
--   EP_AUTH     Authorization header value (optional)
local threads = {}
local nthreads = 0

function setup(thread)
  nthreads = nthreads + 1
  local sids = {}
  for s in string.gmatch(os.getenv("EP_SIDS") or "", "%S+") do
    sids[#sids + 1] = s
  end
  thread:set("sid", #sids > 0 and sids[((nthreads - 1) % #sids) + 1] or "")
  table.insert(threads, thread)
end

function init(args)
  bad, rpcerr, seq = 0, 0, 0
  local method = os.getenv("EP_METHOD") or "POST"
  local headers = {}
  local auth = os.getenv("EP_AUTH")
  if auth and auth ~= "" then
    headers["Authorization"] = auth
  end
  if method == "POST" then
    headers["Content-Type"] = "application/json"
    headers["Accept"] = "application/json, text/event-stream"
    headers["MCP-Protocol-Version"] = "2025-11-25"
    if sid ~= "" then
      headers["Mcp-Session-Id"] = sid
    end
    post_headers = headers
    local body = os.getenv("EP_BODY") or ""
    local at = body:find("ID", 1, true)
    body_a, body_b = body:sub(1, at - 1), body:sub(at + 2)
  else
    req = wrk.format(method, nil, headers, nil)
  end
end

function request()
  if req then
    return req
  end
  seq = seq + 1
  return wrk.format("POST", nil, post_headers, body_a .. seq .. body_b)
end

function response(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  elseif body:find('"isError":true', 1, true) or body:find('"error":{', 1, true) then
    rpcerr = rpcerr + 1
  end
end

function done(summary, latency, requests)
  local b, e = 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    e = e + (t:get("rpcerr") or 0)
  end
  local s = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d duration_s=%.2f rps=%.0f p50_ms=%.3f p99_ms=%.3f non2xx=%d " ..
    "rpc_errors=%d socket_errors=%d\n",
    summary.requests, secs, summary.requests / secs, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, b, e, s.connect + s.read + s.write + s.timeout))
end
