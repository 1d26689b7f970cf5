/* DDL of the store, one entry per schema version (migration N brings user_version N-1 to N).
 * Internal to ep_store.c. */
#ifndef EP_STORE_SCHEMA_H
#define EP_STORE_SCHEMA_H

static const char *const ep_store_migrations[] = {
    /* 1: initial schema */
    "CREATE TABLE unit("
    "  id INTEGER PRIMARY KEY, path TEXT NOT NULL, kind TEXT NOT NULL,"
    "  sha256 TEXT NOT NULL UNIQUE, bytes INTEGER NOT NULL, records INTEGER NOT NULL DEFAULT 0,"
    "  warnings INTEGER NOT NULL DEFAULT 0, ingested_at TEXT NOT NULL);"
    "CREATE TABLE country(code TEXT PRIMARY KEY, iso_alpha_2 TEXT, label TEXT,"
    "  unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE grp(code TEXT PRIMARY KEY, official_label TEXT, label TEXT, short_label TEXT,"
    "  unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE member(id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT,"
    "  country_code TEXT, date_of_birth TEXT, email TEXT, facebook TEXT, twitter TEXT,"
    "  unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE membership(member_id INTEGER NOT NULL, group_code TEXT NOT NULL, term INTEGER,"
    "  start_date TEXT NOT NULL, end_date TEXT, unit_id INTEGER NOT NULL REFERENCES unit(id),"
    "  PRIMARY KEY(member_id, start_date, group_code));"
    "CREATE TABLE committee(code TEXT PRIMARY KEY, label TEXT, abbreviation TEXT,"
    "  unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE sitting(date TEXT PRIMARY KEY, ep_id INTEGER, reference TEXT, term INTEGER,"
    "  unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE vote(id INTEGER PRIMARY KEY, timestamp TEXT, sitting_date TEXT, title TEXT,"
    "  description TEXT, reference TEXT, procedure_reference TEXT, procedure_title TEXT,"
    "  procedure_type TEXT, procedure_stage TEXT, result TEXT, is_main INTEGER,"
    "  count_for INTEGER, count_against INTEGER, count_abstention INTEGER,"
    "  count_did_not_vote INTEGER, dlv_id INTEGER, rcv_title TEXT, rcv_description TEXT,"
    "  unit_id INTEGER NOT NULL REFERENCES unit(id), pos_unit_id INTEGER REFERENCES unit(id));"
    "CREATE INDEX vote_sitting ON vote(sitting_date);"
    "CREATE INDEX vote_proc ON vote(procedure_reference);"
    "CREATE INDEX vote_dlv ON vote(dlv_id);"
    "CREATE TABLE position(vote_id INTEGER NOT NULL REFERENCES vote(id),"
    "  member_id INTEGER NOT NULL, pos INTEGER NOT NULL CHECK(pos BETWEEN 1 AND 3),"
    "  group_code TEXT, unit_id INTEGER NOT NULL REFERENCES unit(id),"
    "  PRIMARY KEY(vote_id, member_id)) WITHOUT ROWID;"
    "CREATE VIRTUAL TABLE search USING fts5(kind UNINDEXED, ref UNINDEXED, title, body, extra,"
    "  tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
    "CREATE INDEX vote_pos ON vote(pos_unit_id) WHERE pos_unit_id IS NOT NULL;"
    /* The group of every MEP with a mandate on a vote's date (latest membership start wins
     * when two overlap), for votes with stored positions. */
    "CREATE VIEW member_group_on_vote AS SELECT vote_id, member_id, group_code FROM ("
    "  SELECT v.id AS vote_id, ms.member_id, ms.group_code, ROW_NUMBER() OVER ("
    "    PARTITION BY v.id, ms.member_id ORDER BY ms.start_date DESC) AS rn"
    "  FROM vote v JOIN membership ms ON ms.start_date <= v.sitting_date"
    "   AND (ms.end_date IS NULL OR ms.end_date >= v.sitting_date)"
    "  WHERE v.pos_unit_id IS NOT NULL) WHERE rn = 1;"
    "CREATE VIEW member_vote AS"
    "  SELECT g.vote_id, g.member_id, COALESCE(p.pos, 4) AS pos, g.group_code"
    "  FROM member_group_on_vote g"
    "  LEFT JOIN position p ON p.vote_id = g.vote_id AND p.member_id = g.member_id"
    "  UNION ALL"
    "  SELECT p.vote_id, p.member_id, p.pos, p.group_code FROM position p"
    "  JOIN vote v ON v.id = p.vote_id WHERE NOT EXISTS (SELECT 1 FROM membership ms"
    "   WHERE ms.member_id = p.member_id AND ms.start_date <= v.sitting_date"
    "   AND (ms.end_date IS NULL OR ms.end_date >= v.sitting_date));",
    /* 2: packed vote-matrix snapshots (a derived cache: see ep_store_load_matrix) */
    "CREATE TABLE matrix_cache(key TEXT PRIMARY KEY, bytes INTEGER NOT NULL, blob BLOB NOT NULL);",
    /* 3: disk tier of the EP API fetch cache (engine/ep_fetch.c; same DDL there for handles
     * that are not stores, hence IF NOT EXISTS) */
    "CREATE TABLE IF NOT EXISTS http_cache(url TEXT PRIMARY KEY, dataset TEXT,"
    " status INTEGER NOT NULL, etag TEXT, last_modified TEXT, fetched_at REAL NOT NULL,"
    " body BLOB, bytes INTEGER NOT NULL DEFAULT 0);",
    /* 4: daily tools/call quotas per principal (mcp/ep_auth.c through ep_store_quota_open,
     * engine/ep_store_query.h). day = UTC YYYY-MM-DD. (IF NOT EXISTS: stores of the versions
     * whose server created the table itself may have it already.) */
    "CREATE TABLE IF NOT EXISTS quota(principal TEXT NOT NULL, day TEXT NOT NULL,"
    " used INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(principal, day)) WITHOUT ROWID;",
    /* 5: EP Open Data API records beyond votes (engine/ep_epapi.c; each row names the API page
     * unit it came from). question.author_id is the first author (question_author has all);
     * document holds documents and adopted texts (kind 'document' / 'adopted_text'), indexed
     * in search under rowid EP_SEARCH_DOC_BASE (ep_epapi.h) + document.rowid, clear of vote ids. */
    "CREATE TABLE question(id TEXT PRIMARY KEY, date TEXT, title TEXT, author_id INTEGER,"
    " addressee TEXT, answer_date TEXT, answer_id TEXT, question_type TEXT,"
    " unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE INDEX question_date ON question(date);"
    "CREATE INDEX question_author_id ON question(author_id);"
    "CREATE TABLE question_author(question_id TEXT NOT NULL, member_id INTEGER NOT NULL,"
    " unit_id INTEGER NOT NULL REFERENCES unit(id), PRIMARY KEY(question_id, member_id))"
    " WITHOUT ROWID;"
    "CREATE INDEX question_author_member ON question_author(member_id);"
    "CREATE TABLE procedure(id TEXT PRIMARY KEY, reference TEXT, type TEXT, title TEXT,"
    " stage TEXT, unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE INDEX procedure_ref ON procedure(reference);"
    "CREATE TABLE procedure_event(procedure_id TEXT NOT NULL, id TEXT NOT NULL, date TEXT,"
    " type TEXT, title TEXT, document TEXT, unit_id INTEGER NOT NULL REFERENCES unit(id),"
    " PRIMARY KEY(procedure_id, id)) WITHOUT ROWID;"
    "CREATE TABLE document(id TEXT PRIMARY KEY, kind TEXT NOT NULL, work_type TEXT, title TEXT,"
    " date TEXT, reference TEXT, procedure_reference TEXT,"
    " unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE INDEX document_date ON document(kind, date);"
    "CREATE TABLE speech(id TEXT PRIMARY KEY, date TEXT, member_id INTEGER, title TEXT,"
    " language TEXT, unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE INDEX speech_member ON speech(member_id, date);",
    /* 6: a vote's cast positions packed in one row (ep_posblob.h) instead of one row per MEP;
     * `position` becomes the virtual table over it (ep_posblob_register). migrate() moves the
     * rows of the old table here (pack_positions), then drops it. */
    "CREATE TABLE vote_positions(vote_id INTEGER PRIMARY KEY REFERENCES vote(id),"
    " unit_id INTEGER NOT NULL REFERENCES unit(id), n INTEGER NOT NULL, data BLOB NOT NULL);",
    /* 7: expensive per-window results, keyed by window and kind, valid for one store content
     * (a derived cache: see engine/ep_derived.h) */
    "CREATE TABLE derived(window TEXT NOT NULL, kind TEXT NOT NULL, content TEXT NOT NULL,"
    " bytes INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(window, kind));",
    /* 8: MCP tasks (mcp/ep_tasks.c, which also creates the table on its own connection, hence IF
     * NOT EXISTS; the same DDL there). owner/lease_until: the process running it, until when. */
    "CREATE TABLE IF NOT EXISTS mcp_task(id TEXT PRIMARY KEY, principal TEXT NOT NULL,"
    " tool TEXT NOT NULL, args TEXT NOT NULL, out_dir TEXT NOT NULL DEFAULT '',"
    " status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '', result TEXT, error TEXT,"
    " created REAL NOT NULL, updated REAL NOT NULL, ttl_ms INTEGER NOT NULL,"
    " owner TEXT NOT NULL DEFAULT '', lease_until REAL NOT NULL DEFAULT 0,"
    " runs INTEGER NOT NULL DEFAULT 1);"
    "CREATE INDEX IF NOT EXISTS mcp_task_principal ON mcp_task(principal, created);",
    /* 9: vote topics of the HowTheyVote export (engine/ep_htv.c): OEIL subjects, EuroVoc
     * concepts, geographic areas, and which votes carry them. vote_topic.kind is 'subject'
     * (code = oeil_subject.code), 'concept' (eurovoc_concept.id), 'committee' (the
     * responsible committee, committee.code) or 'geo' (geo_area.code). The ingest checks that
     * the vote and the code are stored (engine/ep_store.c, cb_topic_vote). */
    "CREATE TABLE oeil_subject(code TEXT PRIMARY KEY, label TEXT,"
    " unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE eurovoc_concept(id TEXT PRIMARY KEY, label TEXT,"
    " unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE geo_area(code TEXT PRIMARY KEY, label TEXT, iso_alpha_2 TEXT,"
    " unit_id INTEGER NOT NULL REFERENCES unit(id));"
    "CREATE TABLE vote_topic(kind TEXT NOT NULL"
    " CHECK(kind IN ('subject', 'concept', 'committee', 'geo')), code TEXT NOT NULL,"
    " vote_id INTEGER NOT NULL REFERENCES vote(id), unit_id INTEGER NOT NULL REFERENCES unit(id),"
    " PRIMARY KEY(kind, code, vote_id)) WITHOUT ROWID;"
    "CREATE INDEX vote_topic_vote ON vote_topic(vote_id, kind);",
    /* 10: committee memberships of MEPs (EP API meps/{id} hasMembership[] with a COMMITTEE_*
     * classification; engine/ep_epapi.c). committee_code is the store's committee code the
     * organization resolved to (by code, or through the API body's abbreviation to the
     * HowTheyVote code: cb_committee_membership), or the raw organization id when the store
     * knows no such committee (then no committee row has that code); org_id is the raw id. */
    "CREATE TABLE committee_membership(member_id INTEGER NOT NULL REFERENCES member(id),"
    " org_id TEXT NOT NULL, committee_code TEXT NOT NULL, role TEXT NOT NULL,"
    " classification TEXT NOT NULL, start_date TEXT NOT NULL"
    " CHECK(start_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'), end_date TEXT"
    " CHECK(end_date IS NULL OR end_date >= start_date),"
    " unit_id INTEGER NOT NULL REFERENCES unit(id),"
    " PRIMARY KEY(member_id, org_id, role, start_date)) WITHOUT ROWID;"
    "CREATE INDEX committee_membership_code ON committee_membership(committee_code, start_date);",
};

/* The schema version whose migration is followed by pack_positions (ep_store.c). */
#define EP_STORE_PACKED_POSITIONS 6

#endif
