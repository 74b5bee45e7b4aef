// The evidence log read forward by id, a page at a time, on a read connection of its own: what
// the site's metrics tally (site_metrics.h). store::Inventory::events() reads the whole log at
// once, which a scrape every few seconds must not do to a log that only grows; this reads only
// the entries after the last one it saw, through the events table's primary key. (A stand-in for
// an Inventory::events_after(id, limit): the store's files were not open to change when it was
// written. It reads the columns store/events.h defines, and writes nothing.)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/records.h"

namespace gh::store {
class Database;
}

namespace gh::svc {

class EvidenceTail {
 public:
  // inventory_path: the site's inventory.db.
  static Result<std::unique_ptr<EvidenceTail>> open(const std::string& inventory_path);
  ~EvidenceTail();
  // The newest entry's id; 0 for an empty log.
  Result<int64_t> last_id();
  // At most limit entries with an id above after, oldest first; their detail only when asked.
  // serial: only that device's entries ("" all).
  Result<std::vector<store::Event>> after(int64_t after, size_t limit, bool detail = false,
                                          const std::string& serial = "");
  // SQLite's data_version on this connection: it moves when any other connection (this process's
  // site included) commits, so an unchanged value means there is nothing new to read.
  Result<int64_t> version();
  // The entries at or after since among the newest limit entries, oldest first, detail not
  // read: a walk back through the primary key that stops at limit rows whatever the log's size.
  // truncated_out says the limit was reached before an entry older than since was.
  Result<std::vector<store::Event>> recent(time::Seconds since, size_t limit, bool* truncated_out);

 private:
  EvidenceTail() = default;
  std::unique_ptr<store::Database> db_;
};

}  // namespace gh::svc
