// Shared evidence-log table and queries for every SQLite-backed store.
#pragma once

#include <vector>

#include "store/records.h"
#include "store/sqlite.h"

namespace gh::store {

inline constexpr const char* kEventsTable = R"(
CREATE TABLE events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  serial TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_serial ON events(serial);
)";

Status append_event(Database& db, const Event& e);
Result<std::vector<Event>> query_events(Database& db, const std::string& serial);

}  // namespace gh::store
