#include "store/events.h"

namespace gh::store {

Status append_event(Database& db, const Event& e) {
  auto st = TRY(db.prepare(
      "INSERT INTO events(at, serial, kind, outcome, reason, detail) VALUES(?,?,?,?,?,?)"));
  st.bind(1, static_cast<int64_t>(e.at ? e.at : time::now()))
      .bind(2, e.serial)
      .bind(3, e.kind)
      .bind(4, e.outcome)
      .bind(5, e.reason)
      .bind(6, e.detail.empty() ? std::string("{}") : e.detail);
  return st.run();
}

Result<std::vector<Event>> query_events(Database& db, const std::string& serial) {
  auto st = TRY(db.prepare(
      serial.empty()
          ? "SELECT id, at, serial, kind, outcome, reason, detail FROM events ORDER BY id"
          : "SELECT id, at, serial, kind, outcome, reason, detail FROM events WHERE serial=? ORDER "
            "BY id"));
  if (!serial.empty()) st.bind(1, serial);
  std::vector<Event> out;
  while (TRY(st.step())) {
    out.push_back(Event{st.integer(0), st.integer(1), st.text(2), st.text(3), st.text(4),
                        st.text(5), st.text(6)});
  }
  return out;
}

}  // namespace gh::store
