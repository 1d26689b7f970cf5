// The arguments the interop clients (sdk_client.mjs: SDK 1.x, 2025 sessions; sdk2_client.mjs:
// SDK 2.x, 2026-07-28 stateless) call every tool with, on the bundled data.
// Valid arguments for every tool, on the bundled data. A tool whose data the store does not
// hold must answer isError with a reason (expectError).
export const valid = {
  get_meps: { args: { country: "LUX", limit: 5 } },
  get_mep_details: { args: { id: 840 } },
  get_plenary_sessions: { args: { from: "2024-01-01", to: "2024-04-30" } },
  get_voting_records: { args: { sitting: "2024-01-16", limit: 5 } },
  search_documents: { args: { query: "fluorinated gases" } },
  get_committee_info: { args: {} },
  get_parliamentary_questions: { args: {}, expectError: true },
  analyze_voting_patterns: { args: { mep_id: 840 } },
  track_legislation: { args: { procedure: "2022/0099(COD)" } },
  generate_report: { args: { kind: "mep", id: "840" } },
  assess_mep_influence: { args: { mep_id: 840 } },
  analyze_coalition_dynamics: { args: {} },
  map_political_network: { args: {} },
  detect_voting_anomalies: { args: {} },
  generate_political_risk_assessment: { args: {} },
  analyze_policy_area: { args: { subject: "4.60", limit: 3 } },
  analyze_committee_activity: { args: { committee: "LIBE" } },
  get_server_health: { args: {} },
  // the toolkit tools, part A (tools/ep_tools_toolkit.c)
  comparative_intelligence: { args: { mep_ids: [840, 197490], like_mep_id: 840, top: 3 } },
  analyze_country_delegation: { args: { country: "LUX" } },
  track_mep_attendance: { args: { by: "group", period: "month" } },
  compare_political_groups: { args: { groups: ["EPP", "SD"] } },
  generate_political_landscape: { args: {} },
  network_analysis: { args: { mep_id: 840, k: 5 } },
  // The spec's example id (2018-0218) is not among the test server's procedures, which are
  // built from the bundled votes; its 404 is right, so call one the server has.
  get_procedure_events: { args: { process_id: "2021-0244-COD" }, upstream: true },
  // issue 18, part B (tools/ep_tools_signals.c)
  get_latest_votes: { args: { date: "2024-04-23", limit: 3 } },
  get_all_generated_stats: { args: {} },
  sentiment_tracker: { args: {} },
  early_warning_system: { args: {} },
  correlate_intelligence: { args: { mep_ids: [840], groups: ["EPP"] } },
  monitor_legislative_pipeline: { args: {} },
  analyze_legislative_effectiveness: { args: {} },
};

// EP Open Data API pass-through tools (tools/ep_tools_epapi.c): valid arguments come from the
// inputSchema itself (each required path id's spec example, a small page). `run` points
// epintel's upstream ($EP_API_URL) at the test server tests/srv_epapi, so each call returns its
// constructed JSON-LD data; invalid: an out-of-range limit, or a malformed id.
export const passThrough = (t) => /Pass-through to GET/.test(t.description ?? "");
export function schemaArgs(t) {
  const props = t.inputSchema?.properties ?? {};
  const args = {};
  for (const k of t.inputSchema?.required ?? []) args[k] = props[k]?.examples?.[0] ?? "X1";
  if (props.limit) args.limit = 3;
  return args;
}
export function badArgs(t) {
  const props = t.inputSchema?.properties ?? {};
  if (props.limit) return [{ ...schemaArgs(t), limit: 0 }, "limit"];
  const id = (t.inputSchema?.required ?? [])[0];
  if (id) return [{ ...schemaArgs(t), [id]: "a/b" }, id];
  return [{ timeframe: "yesterday" }, "timeframe"];
}
