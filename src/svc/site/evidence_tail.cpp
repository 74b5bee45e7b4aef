#include "svc/site/evidence_tail.h"

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

Result<std::vector<store::Event>> EvidenceTail::after(int64_t after, size_t limit) {
  auto st = TRY(db_->prepare(
      "SELECT id, at, serial, kind, outcome, reason FROM events WHERE id > ? ORDER BY id LIMIT ?"));
  st.bind(1, after).bind(2, static_cast<int64_t>(limit));
  std::vector<store::Event> out;
  while (TRY(st.step()))
    out.push_back(store::Event{st.integer(0), st.integer(1), st.text(2), st.text(3), st.text(4),
                               st.text(5), ""});
  return out;
}

}  // namespace gh::svc
