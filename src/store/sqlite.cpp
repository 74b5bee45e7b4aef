#include "store/sqlite.h"

#include <sqlite3.h>

namespace gh::store {
namespace {
Error db_error(sqlite3* db, const std::string& what) {
  return make_error("store.sqlite", what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}
}  // namespace

Statement::~Statement() {
  if (in_use_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *in_use_ = false;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::bind(int i, const std::string& v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::bind_blob(int i, const Bytes& v) {
  sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int i) {
  sqlite3_bind_null(stmt_, i);
  return *this;
}

Result<bool> Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_error(db_, "step");
}

Status Statement::run() {
  for (;;) {
    auto more = step();
    if (!more) {
      reset();
      return more.error();
    }
    if (!*more) break;
  }
  reset();
  return ok_status();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
int64_t Statement::integer(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
bool Statement::is_null(int col) const {
  return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

Database::~Database() {
  for (auto& [sql, c] : cache_) sqlite3_finalize(c->stmt);
  sqlite3_close_v2(db_);
}

Result<std::unique_ptr<Database>> Database::open(const std::string& path,
                                                 const std::vector<std::string>& migrations) {
  auto db = std::unique_ptr<Database>(new Database());
  if (sqlite3_open_v2(path.c_str(), &db->db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    return db_error(db->db_, "open " + path);
  sqlite3_busy_timeout(db->db_, 10000);
  // WAL with synchronous=NORMAL: a committed transaction survives a process crash; fsync at
  // checkpoints keeps it across power loss up to the last checkpoint.
  // Pages read through a memory map rather than a pread each (a registrar reads the same few
  // inventory pages in every request), and a page cache of 8 MiB.
  TRY(
      db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
               "PRAGMA mmap_size=268435456; PRAGMA cache_size=-8192;"));
  auto ver = TRY(db->prepare("PRAGMA user_version"));
  TRY(ver.step());
  int64_t have = ver.integer(0);
  ver.reset();  // a statement left running would lock the tables a migration drops
  for (size_t i = static_cast<size_t>(have); i < migrations.size(); ++i) {
    Status st = in_transaction(*db, [&]() -> Status {
      TRY(db->exec(migrations[i]));
      return db->exec("PRAGMA user_version=" + std::to_string(i + 1));
    });
    if (!st) return st.error().context("migration " + std::to_string(i + 1));
  }
  return db;
}

Status Database::exec(const std::string& sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown";
    sqlite3_free(err);
    return make_error("store.sqlite", msg);
  }
  return ok_status();
}

Result<Statement> Database::prepare(const std::string& sql) {
  auto& slot = cache_[sql];
  if (!slot) slot = std::make_unique<Cached>();
  if (slot->stmt && !slot->in_use) {
    slot->in_use = true;
    return Statement(db_, slot->stmt, &slot->in_use);
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &s, nullptr) != SQLITE_OK)
    return db_error(db_, "prepare");
  if (!slot->stmt) {  // the first of its text: kept in the cache
    slot->stmt = s;
    slot->in_use = true;
    return Statement(db_, s, &slot->in_use);
  }
  return Statement(db_, s);
}

Status Database::exec_cached(const std::string& sql) {
  auto st = TRY(prepare(sql));
  return st.run();
}

Status Database::begin() {
  return exec_cached("BEGIN IMMEDIATE");
}
Status Database::commit() {
  return exec_cached("COMMIT");
}
void Database::rollback() {
  (void)exec_cached("ROLLBACK");
}
int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}

Status GroupCommit::write(const std::function<Status()>& fn) {
  Pending me{&fn, ok_status(), false};
  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(&me);
  while (!me.done) {
    if (leader_) {
      cv_.wait(lock);
      continue;
    }
    // Lead: take everything queued so far and commit it as one transaction.
    leader_ = true;
    std::vector<Pending*> batch;
    batch.swap(queue_);
    lock.unlock();
    {
      std::lock_guard<std::mutex> db_lock(db_mu_);
      Status began = db_.begin();
      for (Pending* p : batch) {
        if (!began) {
          p->result = began;
          continue;
        }
        Status sp = db_.exec_cached("SAVEPOINT w");
        p->result = sp ? (*p->fn)() : sp;
        if (!p->result) (void)db_.exec_cached("ROLLBACK TO w");
        (void)db_.exec_cached("RELEASE w");
      }
      if (began) {
        Status committed = db_.commit();
        if (!committed) {
          db_.rollback();
          for (Pending* p : batch)
            if (p->result) p->result = committed;
        }
      }
    }
    lock.lock();
    for (Pending* p : batch) p->done = true;
    leader_ = false;
    cv_.notify_all();
  }
  return me.result;
}

}  // namespace gh::store
