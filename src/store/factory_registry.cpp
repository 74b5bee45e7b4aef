#include "store/factory_registry.h"

#include <cstdio>
#include <mutex>

#include "store/events.h"
#include "store/sqlite.h"

namespace gh::store {
namespace {

const std::vector<std::string> kMigrations = {
    std::string(R"(
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO counters VALUES ('serial', 0);
CREATE TABLE devices (
  serial TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('reserved','made','scrapped')),
  image_dir TEXT NOT NULL,
  keystore TEXT NOT NULL,
  idevid_pem TEXT NOT NULL DEFAULT '',
  dpp_uri TEXT NOT NULL DEFAULT '',
  mud_url TEXT NOT NULL DEFAULT '',
  attestation_pub_pem TEXT NOT NULL DEFAULT '',
  made_at INTEGER NOT NULL DEFAULT 0,
  owner_name TEXT NOT NULL DEFAULT '',
  owner_spki_sha256 TEXT NOT NULL DEFAULT '',
  declaration_version INTEGER NOT NULL DEFAULT 0,
  declaration TEXT NOT NULL DEFAULT ''
);
CREATE INDEX devices_state ON devices(state);
CREATE TABLE models (model TEXT PRIMARY KEY, mud_url TEXT NOT NULL);
)") + kEventsTable,
    R"(
CREATE TABLE masa_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, serial TEXT NOT NULL, domain_id TEXT NOT NULL,
  domain_name TEXT NOT NULL, nonce TEXT NOT NULL, assertion TEXT NOT NULL, outcome TEXT NOT NULL,
  check_name TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE INDEX masa_log_serial ON masa_log(serial);
)",
};

constexpr const char* kColumns =
    "serial, model, state, image_dir, keystore, idevid_pem, dpp_uri, mud_url, attestation_pub_pem, "
    "made_at, owner_name, owner_spki_sha256, declaration_version, declaration";

ManufacturedDevice row(const Statement& s) {
  ManufacturedDevice d;
  d.serial = s.text(0);
  d.model = s.text(1);
  d.state = s.text(2);
  d.image_dir = s.text(3);
  d.keystore = s.text(4);
  d.idevid_pem = s.text(5);
  d.dpp_uri = s.text(6);
  d.mud_url = s.text(7);
  d.attestation_pub_pem = s.text(8);
  d.made_at = s.integer(9);
  d.owner_name = s.text(10);
  d.owner_spki_sha256 = s.text(11);
  d.declaration_version = s.integer(12);
  d.declaration = s.text(13);
  return d;
}

class SqliteFactoryRegistry final : public FactoryRegistry {
 public:
  explicit SqliteFactoryRegistry(std::unique_ptr<Database> db) : db_(std::move(db)) {}

  Result<std::vector<std::string>> reserve(const std::string& prefix, const std::string& model,
                                           const std::string& image_root,
                                           const std::string& keystore, int count) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> serials;
    Status st = in_transaction(*db_, [&]() -> Status {
      auto get = TRY(db_->prepare("SELECT value FROM counters WHERE name='serial'"));
      TRY(get.step());
      int64_t next = get.integer(0);
      auto ins =
          TRY(db_->prepare("INSERT INTO devices(serial, model, state, image_dir, keystore) "
                           "VALUES(?,?,'reserved',?,?)"));
      for (int i = 0; i < count; ++i) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%08lld", static_cast<long long>(++next));
        std::string serial = prefix + buf;
        ins.bind(1, serial).bind(2, model).bind(3, image_root + "/" + serial).bind(4, keystore);
        TRY(ins.run());
        serials.push_back(serial);
      }
      auto upd = TRY(db_->prepare("UPDATE counters SET value=? WHERE name='serial'"));
      upd.bind(1, next);
      return upd.run();
    });
    if (!st) return st.error();
    return serials;
  }

  Status record_made(const std::vector<ManufacturedDevice>& devices) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*db_, [&]() -> Status {
      auto upd = TRY(db_->prepare(
          "UPDATE devices SET state='made', idevid_pem=?, dpp_uri=?, mud_url=?, "
          "attestation_pub_pem=?, "
          "made_at=?, owner_name=?, owner_spki_sha256=?, declaration_version=?, declaration=? "
          "WHERE serial=? AND state='reserved'"));
      for (const auto& d : devices) {
        upd.bind(1, d.idevid_pem)
            .bind(2, d.dpp_uri)
            .bind(3, d.mud_url)
            .bind(4, d.attestation_pub_pem);
        upd.bind(5, static_cast<int64_t>(d.made_at))
            .bind(6, d.owner_name)
            .bind(7, d.owner_spki_sha256);
        upd.bind(8, d.declaration_version).bind(9, d.declaration).bind(10, d.serial);
        TRY(upd.run());
        if (db_->changes() != 1)
          return make_error("factory.state", "device " + d.serial + " is not reserved");
        TRY(append_event(*db_, Event{0, d.made_at, d.serial, "factory.make", "ok", "IDevID issued",
                                     "{\"model\":\"" + d.model + "\"}"}));
      }
      return ok_status();
    });
  }

  Status scrap(const std::string& serial, const std::string& reason) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*db_, [&]() -> Status {
      auto upd = TRY(
          db_->prepare("UPDATE devices SET state='scrapped' WHERE serial=? AND state='reserved'"));
      upd.bind(1, serial);
      TRY(upd.run());
      return append_event(*db_, Event{0, 0, serial, "factory.scrap", "ok", reason, "{}"});
    });
  }

  Result<std::optional<ManufacturedDevice>> get(const std::string& serial) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(std::string("SELECT ") + kColumns + " FROM devices WHERE serial=?"));
    st.bind(1, serial);
    if (!TRY(st.step())) return std::optional<ManufacturedDevice>();
    return std::optional<ManufacturedDevice>(row(st));
  }

  Result<std::vector<ManufacturedDevice>> list(const std::string& state) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(std::string("SELECT ") + kColumns + " FROM devices" +
                               (state.empty() ? "" : " WHERE state=?") + " ORDER BY serial"));
    if (!state.empty()) st.bind(1, state);
    std::vector<ManufacturedDevice> out;
    while (TRY(st.step())) out.push_back(row(st));
    return out;
  }

  Status update_declarations(const std::vector<ManufacturedDevice>& devices,
                             const Event& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    return in_transaction(*db_, [&]() -> Status {
      auto upd =
          TRY(db_->prepare("UPDATE devices SET owner_name=?, owner_spki_sha256=?, "
                           "declaration_version=?, declaration=? "
                           "WHERE serial=? AND state='made' AND declaration_version < ?"));
      for (const auto& d : devices) {
        upd.bind(1, d.owner_name).bind(2, d.owner_spki_sha256).bind(3, d.declaration_version);
        upd.bind(4, d.declaration).bind(5, d.serial).bind(6, d.declaration_version);
        TRY(upd.run());
        if (db_->changes() != 1)
          return make_error("declaration.version",
                            "device " + d.serial + ": declaration version must grow");
        Event e = event;
        e.serial = d.serial;
        TRY(append_event(*db_, e));
      }
      return ok_status();
    });
  }

  Status set_model_mud(const std::string& model, const std::string& mud_url) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st =
        TRY(db_->prepare("INSERT INTO models(model, mud_url) VALUES(?,?) ON CONFLICT(model) DO "
                         "UPDATE SET mud_url=excluded.mud_url"));
    st.bind(1, model).bind(2, mud_url);
    return st.run();
  }

  Result<std::optional<std::string>> model_mud(const std::string& model) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare("SELECT mud_url FROM models WHERE model=?"));
    st.bind(1, model);
    if (!TRY(st.step())) return std::optional<std::string>();
    return std::optional<std::string>(st.text(0));
  }

  Status log_voucher(const VoucherLogEntry& e) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(
        "INSERT INTO masa_log(at, serial, domain_id, domain_name, nonce, assertion, outcome, "
        "check_name, reason) VALUES(?,?,?,?,?,?,?,?,?)"));
    st.bind(1, static_cast<int64_t>(e.at ? e.at : time::now()))
        .bind(2, e.serial)
        .bind(3, e.domain_id);
    st.bind(4, e.domain_name)
        .bind(5, e.nonce)
        .bind(6, e.assertion)
        .bind(7, e.outcome)
        .bind(8, e.check)
        .bind(9, e.reason);
    return st.run();
  }

  Result<std::vector<VoucherLogEntry>> voucher_log(const std::string& serial) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(
        "SELECT at, serial, domain_id, domain_name, nonce, assertion, outcome, check_name, reason "
        "FROM masa_log WHERE serial=? ORDER BY id"));
    st.bind(1, serial);
    std::vector<VoucherLogEntry> out;
    while (TRY(st.step()))
      out.push_back(VoucherLogEntry{st.integer(0), st.text(1), st.text(2), st.text(3), st.text(4),
                                    st.text(5), st.text(6), st.text(7), st.text(8)});
    return out;
  }

  Status append(const Event& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    return append_event(*db_, event);
  }

  Result<std::vector<Event>> events(const std::string& serial) override {
    std::lock_guard<std::mutex> lock(mu_);
    return query_events(*db_, serial);
  }

 private:
  std::unique_ptr<Database> db_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<FactoryRegistry>> open_sqlite_factory_registry(const std::string& path) {
  auto db = TRY_CTX(Database::open(path, kMigrations), "factory registry");
  return std::unique_ptr<FactoryRegistry>(new SqliteFactoryRegistry(std::move(db)));
}

}  // namespace gh::store
