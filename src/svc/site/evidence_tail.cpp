#include "svc/site/evidence_tail.h"

#include <algorithm>

#include "store/sqlite.h"

namespace gh::svc {

Result<std::unique_ptr<EvidenceTail>> EvidenceTail::open(const std::string& inventory_path) {
  std::unique_ptr<EvidenceTail> t(new EvidenceTail());
  // No migrations: the inventory (opened by the site first) has made the table.
  t->db_ = TRY_CTX(store::Database::open(inventory_path, {}), "evidence log");
  return t;
}

EvidenceTail::~EvidenceTail() = default;

Result<int64_t> EvidenceTail::last_id() {
  auto st = TRY(db_->prepare("SELECT COALESCE(MAX(id), 0) FROM events"));
  if (!TRY(st.step())) return int64_t{0};
  return st.integer(0);
}

Result<std::vector<store::Event>> EvidenceTail::after(int64_t after, size_t limit, bool detail,
                                                      const std::string& serial) {
  auto st = TRY(db_->prepare(std::string("SELECT id, at, serial, kind, outcome, reason, ") +
                             (detail ? "detail" : "''") + " FROM events WHERE id > ?" +
                             (serial.empty() ? "" : " AND serial = ?") + " ORDER BY id LIMIT ?"));
  int i = 1;
  st.bind(i++, after);
  if (!serial.empty()) st.bind(i++, serial);
  st.bind(i, static_cast<int64_t>(limit));
  std::vector<store::Event> out;
  while (TRY(st.step()))
    out.push_back(store::Event{st.integer(0), st.integer(1), st.text(2), st.text(3), st.text(4),
                               st.text(5), st.text(6)});
  return out;
}

Result<int64_t> EvidenceTail::version() {
  auto st = TRY(db_->prepare("PRAGMA data_version"));
  TRY(st.step());
  return st.integer(0);
}

Result<std::vector<store::Event>> EvidenceTail::recent(time::Seconds since, size_t limit,
                                                       bool* truncated_out) {
  // Newest first by id (entries are appended in time order), so the walk stops at the first one
  // older than since, or at limit + 1 rows.
  auto st = TRY(db_->prepare(
      "SELECT id, at, serial, kind, outcome, reason FROM events ORDER BY id DESC LIMIT ?"));
  st.bind(1, static_cast<int64_t>(limit) + 1);
  std::vector<store::Event> out;
  bool truncated = false;
  while (TRY(st.step())) {
    if (st.integer(1) < since) break;
    if (out.size() == limit) {
      truncated = true;
      break;
    }
    out.push_back(store::Event{st.integer(0), st.integer(1), st.text(2), st.text(3), st.text(4),
                               st.text(5), ""});
  }
  if (truncated_out) *truncated_out = truncated;
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace gh::svc
