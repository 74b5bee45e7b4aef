// A thin SQLite layer: WAL, busy timeout, numbered migrations, IMMEDIATE transactions.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace gh::store {

class Statement {
 public:
  // in_use: for a statement borrowed from the database's cache, the flag to clear on release
  // (the statement is then reset, not finalized).
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool* in_use = nullptr)
      : db_(db), stmt_(stmt), in_use_(in_use) {}
  Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_), in_use_(o.in_use_) {
    o.stmt_ = nullptr;
    o.in_use_ = nullptr;
  }
  Statement(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, const std::string& value);
  Statement& bind(int index, int64_t value);
  Statement& bind_blob(int index, const Bytes& value);
  Statement& bind_null(int index);
  // true: a row is ready; false: done.
  Result<bool> step();
  Status run();  // step to completion, then reset
  void reset();

  std::string text(int col) const;
  int64_t integer(int col) const;
  bool is_null(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* in_use_;
};

class Database {
 public:
  ~Database();
  // Opens (creating) path in WAL mode and applies migrations[i] for user_version i..n-1.
  static Result<std::unique_ptr<Database>> open(const std::string& path,
                                                const std::vector<std::string>& migrations);
  Status exec(const std::string& sql);
  // exec() for a short statement run often (BEGIN, SAVEPOINT, ...): prepared once, then reused.
  Status exec_cached(const std::string& sql);
  // Prepared statements are cached by their SQL text and reused (parsing SQL costs more than
  // running a small insert); a statement already borrowed is prepared afresh.
  Result<Statement> prepare(const std::string& sql);
  Status begin();  // BEGIN IMMEDIATE: take the write lock up front
  Status commit();
  void rollback();
  int64_t changes() const;

 private:
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_ = nullptr;
  std::map<std::string, std::unique_ptr<Cached>> cache_;
};

// Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back if fn fails.
template <class Fn>
Status in_transaction(Database& db, Fn&& fn) {
  TRY(db.begin());
  Status st = fn();
  if (!st.ok()) {
    db.rollback();
    return st;
  }
  return db.commit();
}

// Group commit: concurrent writers share one transaction. Each write runs inside its own SAVEPOINT
// (a failing one is rolled back alone) and returns only after the shared COMMIT, so a write that
// returned ok is as durable as one with a transaction of its own; under load many writes share
// one commit's page writes. db_mutex serializes every use of the connection.
class GroupCommit {
 public:
  GroupCommit(Database& db, std::mutex& db_mutex) : db_(db), db_mu_(db_mutex) {}
  Status write(const std::function<Status()>& fn);

 private:
  struct Pending {
    const std::function<Status()>* fn;
    Status result;
    bool done = false;
  };
  Database& db_;
  std::mutex& db_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Pending*> queue_;
  bool leader_ = false;
};

}  // namespace gh::store
