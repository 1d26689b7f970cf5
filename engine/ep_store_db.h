/* ep_store_db: the store's SQLite connection, for engine/ only (and the tests). SQL lives in
 * engine/ (STYLE.md): the other layers call query functions (ep_store_query.h, ep_query*.h),
 * and scripts/lint refuses this header outside engine/, tests/ and bench/. */
#ifndef EP_STORE_DB_H
#define EP_STORE_DB_H

#include <sqlite3.h>

#include "ep_store.h"

/* The store's connection (borrowed; valid until ep_store_close). One thread at a time. */
sqlite3 *ep_store_db(struct ep_store *s);

#endif
