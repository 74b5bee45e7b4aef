#include "store/inventory.h"

#include <mutex>

#include "common/json.h"
#include "store/events.h"
#include "store/inventory_sqlite.h"
#include "store/lifecycle.h"
#include "store/sqlite.h"

namespace gh::store {
namespace {

const std::vector<std::string> kMigrations = {
    std::string(R"(
CREATE TABLE devices (
  serial TEXT PRIMARY KEY,
  model TEXT NOT NULL,
  manufacturer TEXT NOT NULL,
  state TEXT NOT NULL,
  idevid_pem TEXT NOT NULL,
  dpp_uri TEXT NOT NULL DEFAULT '',
  mud_url TEXT NOT NULL DEFAULT '',
  declaration TEXT NOT NULL,
  declaration_version INTEGER NOT NULL,
  bundle_id TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE bundles (id TEXT PRIMARY KEY, imported_at INTEGER NOT NULL, manufacturer TEXT NOT NULL, devices INTEGER NOT NULL);
CREATE TABLE manufacturers (fingerprint TEXT PRIMARY KEY, name TEXT NOT NULL, root_pem TEXT NOT NULL, added_at INTEGER NOT NULL);
)") + kEventsTable,
    R"(
ALTER TABLE devices ADD COLUMN voucher TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN ldevid_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN ldevid_serial TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN ldevid_not_after INTEGER NOT NULL DEFAULT 0;
CREATE TABLE credentials (
  serial_hex TEXT PRIMARY KEY, device TEXT NOT NULL, issued_at INTEGER NOT NULL, not_after INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active','superseded','revoked'))
);
CREATE INDEX credentials_device ON credentials(device);
CREATE TABLE pvr_nonces (serial TEXT NOT NULL, nonce TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (serial, nonce));
)",
    R"(
CREATE TABLE dpp_peers (bkh TEXT PRIMARY KEY, chirp TEXT NOT NULL, uri TEXT NOT NULL, source TEXT NOT NULL, added_at INTEGER NOT NULL);
CREATE TABLE dpp_configurations (
  id INTEGER PRIMARY KEY, device TEXT NOT NULL, bkh TEXT NOT NULL, akm TEXT NOT NULL, ssid TEXT NOT NULL,
  net_access_key TEXT NOT NULL, mac TEXT NOT NULL, psk_sealed TEXT NOT NULL, at INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active','superseded'))
);
CREATE INDEX dpp_configurations_device ON dpp_configurations(device);
)",
    // When a credential stopped being valid (superseded or revoked): the CRL's revocation date.
    R"(
ALTER TABLE credentials ADD COLUMN ended_at INTEGER NOT NULL DEFAULT 0;
UPDATE credentials SET ended_at=issued_at WHERE status<>'active';
)",
    // MUD URLs devices announce themselves (DHCP option 161, DPP configuration requests).
    R"(
ALTER TABLE devices ADD COLUMN mud_url_claimed TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN mud_url_claimed_source TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN mud_url_claimed_status TEXT NOT NULL DEFAULT '';
)",
    // Attestation: the device's key from its manufacturer, reference values, consumed nonces,
    // appraisal results.
    R"(
ALTER TABLE devices ADD COLUMN attestation_pub_pem TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN attestation_status TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN attested_at INTEGER NOT NULL DEFAULT 0;
CREATE TABLE reference_values (
  manufacturer TEXT NOT NULL, model TEXT NOT NULL, version TEXT NOT NULL, corim TEXT NOT NULL,
  components TEXT NOT NULL, imported_at INTEGER NOT NULL, PRIMARY KEY (manufacturer, model, version)
);
CREATE TABLE attestation_nonces (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE INDEX attestation_nonces_expiry ON attestation_nonces(expires_at);
CREATE TABLE attestation_results (
  id INTEGER PRIMARY KEY, serial TEXT NOT NULL, at INTEGER NOT NULL, status TEXT NOT NULL,
  check_name TEXT NOT NULL, reason TEXT NOT NULL, release TEXT NOT NULL, ear TEXT NOT NULL,
  about_device INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX attestation_results_serial ON attestation_results(serial, id);
)",
    // TPM attestation: the kind of attestation key the manufacturer certified, and the counters
    // of the device's last accepted quote (they never go back).
    R"(
ALTER TABLE devices ADD COLUMN attestation_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN tpm_clock TEXT NOT NULL DEFAULT '';
ALTER TABLE manufacturers ADD COLUMN masa_url TEXT NOT NULL DEFAULT '';
)",
    // Application-layer onboarding (IR 8350 5.4) and update campaigns (store/campaigns.h). A
    // device's app_event is the evidence event that last set its application status or version:
    // campaigns find devices that became candidates since they last looked by it.
    R"(
ALTER TABLE devices ADD COLUMN app_status TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN app_path TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN app_version TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN app_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN app_event INTEGER NOT NULL DEFAULT 0;
CREATE INDEX devices_model_app ON devices(model, app_event);
CREATE TABLE campaigns (
  id INTEGER PRIMARY KEY AUTOINCREMENT, manufacturer TEXT NOT NULL, model TEXT NOT NULL,
  version TEXT NOT NULL, group_count INTEGER NOT NULL, max_failures_pct INTEGER NOT NULL,
  success_pct INTEGER NOT NULL, state TEXT NOT NULL, created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, current_group INTEGER NOT NULL,
  joined_through INTEGER NOT NULL, rescanned_at INTEGER NOT NULL
);
CREATE INDEX campaigns_state ON campaigns(state);
CREATE TABLE campaign_groups (
  campaign INTEGER NOT NULL, idx INTEGER NOT NULL, state TEXT NOT NULL,
  started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL, PRIMARY KEY (campaign, idx)
) WITHOUT ROWID;
CREATE TABLE campaign_counts (
  campaign INTEGER NOT NULL, grp INTEGER NOT NULL, phase TEXT NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY (campaign, grp, phase)
) WITHOUT ROWID;
CREATE TABLE campaign_members (
  campaign INTEGER NOT NULL, serial TEXT NOT NULL, grp INTEGER NOT NULL, phase TEXT NOT NULL,
  previous_version TEXT NOT NULL, check_name TEXT NOT NULL, install_attestation INTEGER NOT NULL,
  updated_at INTEGER NOT NULL, PRIMARY KEY (campaign, serial)
) WITHOUT ROWID;
CREATE INDEX campaign_members_serial ON campaign_members(serial);
)",
    // The lifecycle (IR 8350 Figure 6): a renewed LDevID is "pending" until the device confirms
    // it; the operator's renewal request.
    R"(
CREATE TABLE credentials_v2 (
  serial_hex TEXT PRIMARY KEY, device TEXT NOT NULL, issued_at INTEGER NOT NULL, not_after INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','active','superseded','revoked')),
  ended_at INTEGER NOT NULL DEFAULT 0, pem TEXT NOT NULL DEFAULT ''
);
INSERT INTO credentials_v2(serial_hex, device, issued_at, not_after, status, ended_at)
  SELECT serial_hex, device, issued_at, not_after, status, ended_at FROM credentials;
DROP TABLE credentials;
ALTER TABLE credentials_v2 RENAME TO credentials;
CREATE INDEX credentials_device ON credentials(device);
ALTER TABLE devices ADD COLUMN renewal TEXT NOT NULL DEFAULT '';
)",
    // What ended a credential: "renewal" when the device confirmed its successor (the router lets
    // its 802.1X session hand over to the new one), "" otherwise.
    R"(
ALTER TABLE credentials ADD COLUMN ended_by TEXT NOT NULL DEFAULT '';
)",
};

constexpr const char* kColumns =
    "serial, model, manufacturer, state, idevid_pem, dpp_uri, mud_url, declaration, "
    "declaration_version, "
    "bundle_id, updated_at, attestation_pub_pem, attestation_kind";
constexpr const char* kCredentialSelect =
    "SELECT serial_hex, device, issued_at, not_after, status, ended_at, ended_by FROM credentials ";
IssuedCredential credential_row(Statement& st) {
  return IssuedCredential{st.text(0), st.text(1),    st.integer(2), st.integer(3),
                          st.text(4), st.integer(5), st.text(6)};
}
constexpr const char* kSelect =
    "SELECT serial, model, manufacturer, state, idevid_pem, dpp_uri, mud_url, declaration, "
    "declaration_version, "
    "bundle_id, updated_at, voucher, ldevid_pem, ldevid_serial, ldevid_not_after, "
    "mud_url_claimed, mud_url_claimed_source, mud_url_claimed_status, attestation_pub_pem, "
    "attestation_status, attested_at, attestation_kind, tpm_clock, app_status, app_path, "
    "app_version, app_at, renewal FROM devices";

DeviceRecord row(const Statement& s) {
  DeviceRecord d{s.text(0),     s.text(1),  s.text(2),  s.text(3),    s.text(4),
                 s.text(5),     s.text(6),  s.text(7),  s.integer(8), s.text(9),
                 s.integer(10), s.text(11), s.text(12), s.text(13),   s.integer(14),
                 s.text(15),    s.text(16), s.text(17), s.text(18)};
  d.attestation_status = s.text(19);
  d.attested_at = s.integer(20);
  d.attestation_kind = s.text(21);
  d.tpm_clock = s.text(22);
  d.app_status = s.text(23);
  d.app_path = s.text(24);
  d.app_version = s.text(25);
  d.app_at = s.integer(26);
  d.renewal = s.text(27);
  return d;
}

class SqliteInventory final : public Inventory {
 public:
  explicit SqliteInventory(std::unique_ptr<Database> db) : db_(std::move(db)), group_(*db_, mu_) {}

  // Inside a write: checks transition t of the device by an actor against the lifecycle rules and
  // returns the state it leaves. A refusal is recorded (the event's kind, outcome "refused", the
  // check) and put in *refused; the caller then changes nothing else.
  Result<std::string> enter(Transition t, Actor by, const std::string& serial, const Event& event,
                            std::optional<Error>* refused) {
    auto get = TRY(db_->prepare("SELECT state FROM devices WHERE serial=?"));
    get.bind(1, serial);
    if (!TRY(get.step())) return make_error("inventory.unknown", "no device " + serial);
    std::string from = get.text(0);
    get.reset();
    Status ok = check_transition(t, by, serial, from);
    if (ok) return state_after(t, from);
    *refused = ok.error();
    Json detail{{"transition", rule_for(t).name},
                {"actor", actor_name(by)},
                {"from", from},
                {"message", ok.error().message}};
    TRY(append_event(*db_,
                     Event{0, 0, serial, event.kind, "refused", ok.error().code, detail.dump()}));
    return std::string();
  }
  // Runs fn(next state) in a write after t was allowed; a refusal is recorded and returned.
  Status with_transition(Transition t, Actor by, const std::string& serial, const Event& event,
                         const std::function<Status(const std::string&)>& fn) {
    std::optional<Error> refused;
    TRY(group_.write([&]() -> Status {
      std::string next = TRY(enter(t, by, serial, event, &refused));
      if (refused) return ok_status();
      return fn(next);
    }));
    if (refused) return *refused;
    return ok_status();
  }
  // Inside a write: one column of the device's row (column: a literal of this file) and the event.
  Status set_and_log(const char* column, const std::string& serial, const std::string& value,
                     const Event& event) {
    auto st = TRY(db_->prepare(std::string("UPDATE devices SET ") + column +
                               "=?, updated_at=? WHERE serial=?"));
    st.bind(1, value).bind(2, static_cast<int64_t>(time::now())).bind(3, serial);
    TRY(st.run());
    return append_event(*db_, event);
  }

  Result<ImportCounts> import_devices(const std::vector<DeviceRecord>& devices,
                                      const std::string& bundle_id, const Event& event) override {
    std::lock_guard<std::mutex> lock(mu_);
    ImportCounts counts;
    Status st = in_transaction(*db_, [&]() -> Status {
      auto get = TRY(db_->prepare("SELECT declaration_version FROM devices WHERE serial=?"));
      auto ins = TRY(db_->prepare(std::string("INSERT INTO devices(") + kColumns +
                                  ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)"));
      auto upd =
          TRY(db_->prepare("UPDATE devices SET model=?, manufacturer=?, idevid_pem=?, dpp_uri=?, "
                           "mud_url=?, declaration=?, "
                           "declaration_version=?, bundle_id=?, updated_at=?, "
                           "attestation_pub_pem=?, attestation_kind=? WHERE serial=?"));
      for (const auto& d : devices) {
        get.bind(1, d.serial);
        bool exists = TRY(get.step());
        int64_t have = exists ? get.integer(0) : 0;
        get.reset();
        if (!exists) {
          ins.bind(1, d.serial)
              .bind(2, d.model)
              .bind(3, d.manufacturer)
              .bind(4, d.state)
              .bind(5, d.idevid_pem);
          ins.bind(6, d.dpp_uri)
              .bind(7, d.mud_url)
              .bind(8, d.declaration)
              .bind(9, d.declaration_version);
          ins.bind(10, bundle_id).bind(11, static_cast<int64_t>(d.updated_at));
          ins.bind(12, d.attestation_pub_pem).bind(13, d.attestation_kind);
          TRY(ins.run());
          TRY(append_event(*db_,
                           Event{0, 0, d.serial, "device.expected", "ok", "from a verified bundle",
                                 "{\"bundle\":\"" + bundle_id + "\",\"declaration_version\":" +
                                     std::to_string(d.declaration_version) + "}"}));
          ++counts.added;
        } else if (d.declaration_version > have) {
          upd.bind(1, d.model).bind(2, d.manufacturer).bind(3, d.idevid_pem).bind(4, d.dpp_uri);
          upd.bind(5, d.mud_url)
              .bind(6, d.declaration)
              .bind(7, d.declaration_version)
              .bind(8, bundle_id);
          upd.bind(9, static_cast<int64_t>(d.updated_at))
              .bind(10, d.attestation_pub_pem)
              .bind(11, d.attestation_kind)
              .bind(12, d.serial);
          TRY(upd.run());
          // A device this site sold on (transferred) and that comes back under a newer
          // declaration is expected again.
          auto back = TRY(db_->prepare(
              "UPDATE devices SET state='expected' WHERE serial=? AND state='transferred'"));
          back.bind(1, d.serial);
          TRY(back.run());
          if (db_->changes() == 1)
            TRY(append_event(
                *db_, Event{0, 0, d.serial, "device.returned", "ok",
                            "a transferred device is back under a newer declaration",
                            Json{{"actor", "operator"}, {"from", "transferred"}, {"to", "expected"}}
                                .dump()}));
          TRY(append_event(*db_,
                           Event{0, 0, d.serial, "device.declaration", "ok",
                                 "newer declaration from a verified bundle",
                                 "{\"bundle\":\"" + bundle_id + "\",\"declaration_version\":" +
                                     std::to_string(d.declaration_version) + "}"}));
          ++counts.updated;
        } else {
          ++counts.unchanged;
        }
      }
      auto b = TRY(db_->prepare(
          "INSERT OR IGNORE INTO bundles(id, imported_at, manufacturer, devices) VALUES(?,?,?,?)"));
      b.bind(1, bundle_id).bind(2, static_cast<int64_t>(time::now()));
      b.bind(3, devices.empty() ? std::string() : devices[0].manufacturer)
          .bind(4, static_cast<int64_t>(devices.size()));
      TRY(b.run());
      return append_event(*db_, event);
    });
    if (!st) return st.error();
    return counts;
  }

  Result<std::optional<DeviceRecord>> get(const std::string& serial) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(std::string(kSelect) + " WHERE serial=?"));
    st.bind(1, serial);
    if (!TRY(st.step())) return std::optional<DeviceRecord>();
    return std::optional<DeviceRecord>(row(st));
  }

  Result<std::vector<DeviceRecord>> list() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(std::string(kSelect) + " ORDER BY serial"));
    std::vector<DeviceRecord> out;
    while (TRY(st.step())) out.push_back(row(st));
    return out;
  }

  Result<std::vector<DeviceMudUrls>> mud_urls_in_service() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(
        "SELECT serial, mud_url, mud_url_claimed, mud_url_claimed_status, state FROM devices "
        "WHERE state IN ('onboarded','enrolled','some-maintenance','other-maintenance',"
        "'unsupported') AND (mud_url <> '' OR mud_url_claimed <> '') "
        "ORDER BY serial"));
    std::vector<DeviceMudUrls> out;
    while (TRY(st.step()))
      out.push_back(DeviceMudUrls{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4)});
    return out;
  }

  Status add_manufacturer(const ManufacturerAnchor& a) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st =
        TRY(db_->prepare("INSERT OR IGNORE INTO manufacturers(fingerprint, name, root_pem, "
                         "added_at, masa_url) VALUES(?,?,?,?,?)"));
    st.bind(1, a.fingerprint)
        .bind(2, a.name)
        .bind(3, a.root_pem)
        .bind(4, static_cast<int64_t>(a.added_at))
        .bind(5, a.masa_url);
    TRY(st.run());
    if (a.masa_url.empty()) return ok_status();
    auto url = TRY(db_->prepare("UPDATE manufacturers SET masa_url=? WHERE fingerprint=?"));
    url.bind(1, a.masa_url).bind(2, a.fingerprint);
    return url.run();
  }

  Result<std::vector<ManufacturerAnchor>> manufacturers() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(
        "SELECT name, root_pem, fingerprint, added_at, masa_url FROM manufacturers ORDER BY "
        "added_at"));
    std::vector<ManufacturerAnchor> out;
    while (TRY(st.step()))
      out.push_back(
          ManufacturerAnchor{st.text(0), st.text(1), st.text(2), st.integer(3), st.text(4)});
    return out;
  }

  Result<bool> remember_nonce(const std::string& serial, const std::string& nonce) override {
    bool fresh = false;
    TRY(group_.write([&]() -> Status {
      auto st =
          TRY(db_->prepare("INSERT OR IGNORE INTO pvr_nonces(serial, nonce, at) VALUES(?,?,?)"));
      st.bind(1, serial).bind(2, nonce).bind(3, static_cast<int64_t>(time::now()));
      TRY(st.run());
      fresh = db_->changes() == 1;
      return ok_status();
    }));
    return fresh;
  }

  Status record_voucher(const std::string& serial, const std::string& voucher,
                        const Event& event) override {
    return with_transition(
        Transition::kVoucherIssued, Actor::kRegistrar, serial, event,
        [&](const std::string& next) -> Status {
          auto st = TRY(
              db_->prepare("UPDATE devices SET voucher=?, state=?, updated_at=? WHERE serial=?"));
          st.bind(1, voucher).bind(2, next).bind(3, static_cast<int64_t>(time::now()));
          st.bind(4, serial);
          TRY(st.run());
          return append_event(*db_, event);
        });
  }

  Status record_ldevid(const std::string& serial, const std::string& pem,
                       const std::string& serial_hex, time::Seconds not_after, Transition t,
                       Actor by, const Event& event) override {
    return with_transition(t, by, serial, event, [&](const std::string& next) {
      return store_ldevid(serial, pem, serial_hex, not_after, next, event,
                          t == Transition::kReenrolled);
    });
  }

  Status confirm_renewal(const std::string& serial, const std::string& serial_hex,
                         const Event& event) override {
    return with_transition(
        Transition::kRenewalConfirmed, Actor::kDevice, serial, event,
        [&](const std::string&) -> Status {
          auto get = TRY(db_->prepare(
              "SELECT status, not_after, pem FROM credentials WHERE serial_hex=? AND device=?"));
          get.bind(1, serial_hex).bind(2, serial);
          if (!TRY(get.step()) || get.text(0) != "pending")
            return make_error("renew.credential", "certificate " + serial_hex +
                                                      " is not a renewal of " + serial +
                                                      " waiting for its confirmation");
          const int64_t not_after = get.integer(1);
          const std::string pem = get.text(2);
          get.reset();
          const auto now = static_cast<int64_t>(time::now());
          auto old = TRY(db_->prepare(
              "UPDATE credentials SET status='superseded', ended_at=?, ended_by='renewal' WHERE "
              "device=? AND status='active'"));
          old.bind(1, now).bind(2, serial);
          TRY(old.run());
          auto act = TRY(
              db_->prepare("UPDATE credentials SET status='active', pem='' WHERE serial_hex=?"));
          act.bind(1, serial_hex);
          TRY(act.run());
          auto dev = TRY(db_->prepare(
              "UPDATE devices SET ldevid_pem=?, ldevid_serial=?, ldevid_not_after=?, renewal='', "
              "updated_at=? WHERE serial=?"));
          dev.bind(1, pem).bind(2, serial_hex).bind(3, not_after).bind(4, now).bind(5, serial);
          TRY(dev.run());
          return append_event(*db_, event);
        });
  }

  Status request_renewal(const std::string& serial, const std::string& what,
                         const Event& event) override {
    if (what != "renew" && what != "rekey")
      return make_error("renew.kind", "a renewal is 'renew' or 'rekey', not '" + what + "'");
    return with_transition(
        Transition::kRenewalRequested, Actor::kOperator, serial, event,
        [&](const std::string&) { return set_and_log("renewal", serial, what, event); });
  }

  Status begin_maintenance(const std::string& serial, const std::string& kind,
                           const Event& event) override {
    if (kind != "some-maintenance" && kind != "other-maintenance")
      return make_error(
          "maintenance.kind",
          "maintenance is 'some-maintenance' or 'other-maintenance', not '" + kind + "'");
    return with_transition(
        Transition::kMaintenanceBegin, Actor::kOperator, serial, event,
        [&](const std::string&) { return set_and_log("state", serial, kind, event); });
  }

  Status transition(const std::string& serial, Transition t, Actor by,
                    const Event& event) override {
    return with_transition(t, by, serial, event, [&](const std::string& next) {
      return set_and_log("state", serial, next, event);
    });
  }

  Result<MudClaim> claim_mud_url(const std::string& serial, const std::string& url,
                                 const std::string& source) override {
    MudClaim out = MudClaim::kUnchanged;
    TRY(group_.write([&]() -> Status {
      auto get = TRY(db_->prepare(
          "SELECT mud_url, mud_url_claimed, mud_url_claimed_source FROM devices WHERE serial=?"));
      get.bind(1, serial);
      if (!TRY(get.step())) return make_error("inventory.unknown", "no device " + serial);
      const std::string birth = get.text(0), claimed = get.text(1), by = get.text(2);
      get.reset();
      Json detail{{"url", url}, {"source", source}};
      // The birth credentials' URL stands over any claim, an operator's over a device's.
      const bool operator_set = by == "operator" && source != "operator";
      if (!birth.empty() || (operator_set && claimed != url)) {
        out = birth == url ? MudClaim::kConfirms : MudClaim::kConflicts;
        if (out == MudClaim::kConfirms) return ok_status();
        detail[birth.empty() ? "operator_url" : "birth_url"] = birth.empty() ? claimed : birth;
        return append_event(
            *db_, Event{0, 0, serial, "mud.claim", "refused", "mud.url-conflict", detail.dump()});
      }
      if (claimed == url) return ok_status();  // (from any source: one verdict per URL)
      auto upd =
          TRY(db_->prepare("UPDATE devices SET mud_url_claimed=?, mud_url_claimed_source=?, "
                           "mud_url_claimed_status='pending', updated_at=? WHERE serial=?"));
      upd.bind(1, url).bind(2, source).bind(3, static_cast<int64_t>(time::now())).bind(4, serial);
      TRY(upd.run());
      out = MudClaim::kRecorded;
      if (!claimed.empty()) detail["replaces"] = claimed;
      return append_event(
          *db_, Event{0, 0, serial, "mud.claim", "ok",
                      source == "operator" ? "assigned by the operator; pending verification"
                                           : "announced by the device; pending verification",
                      detail.dump()});
    }));
    return out;
  }

  Status set_mud_claim_status(const std::string& serial, const std::string& url,
                              const std::string& status, const Event& event) override {
    return group_.write([&]() -> Status {
      auto st = TRY(db_->prepare(
          "UPDATE devices SET mud_url_claimed_status=?, updated_at=? WHERE serial=? AND "
          "mud_url_claimed=?"));
      st.bind(1, status).bind(2, static_cast<int64_t>(time::now())).bind(3, serial).bind(4, url);
      TRY(st.run());
      if (db_->changes() != 1)
        return make_error("inventory.claim", serial + " no longer claims " + url);
      return append_event(*db_, event);
    });
  }

  Status revoke(const std::string& serial, Actor by, const Event& event, Transition t) override {
    if (t != Transition::kRevoke && t != Transition::kDecommission && t != Transition::kTransfer)
      return make_error("lifecycle.transition", "not a transition that revokes credentials");
    return with_transition(t, by, serial, event, [&](const std::string& next) -> Status {
      auto st =
          TRY(db_->prepare("UPDATE devices SET state=?, renewal='', updated_at=? WHERE serial=?"));
      st.bind(1, next).bind(2, static_cast<int64_t>(time::now())).bind(3, serial);
      TRY(st.run());
      auto cred =
          TRY(db_->prepare("UPDATE credentials SET status='revoked', ended_at=?, pem='' WHERE "
                           "device=? AND status IN ('active','pending')"));
      cred.bind(1, static_cast<int64_t>(time::now())).bind(2, serial);
      TRY(cred.run());
      return append_event(*db_, event);
    });
  }

  Result<std::vector<IssuedCredential>> ended_credentials(time::Seconds unexpired_at) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(
        std::string(kCredentialSelect) +
        "WHERE status IN ('superseded','revoked') AND not_after>? ORDER BY ended_at, rowid"));
    st.bind(1, static_cast<int64_t>(unexpired_at));
    std::vector<IssuedCredential> out;
    while (TRY(st.step())) out.push_back(credential_row(st));
    return out;
  }

  Result<std::optional<IssuedCredential>> credential(const std::string& serial_hex) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(std::string(kCredentialSelect) + "WHERE serial_hex=?"));
    st.bind(1, serial_hex);
    if (!TRY(st.step())) return std::optional<IssuedCredential>{};
    return std::optional<IssuedCredential>{credential_row(st)};
  }

  Result<std::vector<IssuedCredential>> credentials(const std::string& serial) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(
        db_->prepare(std::string(kCredentialSelect) + "WHERE device=? ORDER BY issued_at, rowid"));
    st.bind(1, serial);
    std::vector<IssuedCredential> out;
    while (TRY(st.step())) out.push_back(credential_row(st));
    return out;
  }

  Status append(const Event& event) override {
    return group_.write([&]() -> Status { return append_event(*db_, event); });
  }

  Status add_dpp_peer(const DppPeer& p, const Event& event) override {
    return add_dpp_peers({p}, event);
  }

  Status add_dpp_peers(const std::vector<DppPeer>& peers, const Event& event) override {
    return group_.write([&]() -> Status {
      for (const auto& p : peers) {
        auto st =
            TRY(db_->prepare("INSERT OR IGNORE INTO dpp_peers(bkh, chirp, uri, source, added_at) "
                             "VALUES(?,?,?,?,?)"));
        st.bind(1, p.bkh).bind(2, p.chirp).bind(3, p.uri).bind(4, p.source);
        st.bind(5, static_cast<int64_t>(p.added_at));
        TRY(st.run());
      }
      return append_event(*db_, event);
    });
  }

  Result<std::vector<DppPeer>> dpp_peers() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare("SELECT bkh, chirp, uri, source, added_at FROM dpp_peers"));
    std::vector<DppPeer> out;
    while (TRY(st.step()))
      out.push_back(DppPeer{st.text(0), st.text(1), st.text(2), st.text(3), st.integer(4)});
    return out;
  }

  Status record_dpp_configuration(const DppConfiguration& c, const Event& event) override {
    std::optional<Error> refused;
    TRY(group_.write([&]() -> Status {
      // A device from a bundle is onboarded now, if its standing allows it; one known only by
      // its bootstrapping key has no inventory record.
      auto get = TRY(db_->prepare("SELECT 1 FROM devices WHERE serial=?"));
      get.bind(1, c.device);
      bool in_inventory = TRY(get.step());
      get.reset();
      if (in_inventory) {
        std::string next =
            TRY(enter(Transition::kDppConfigured, Actor::kConfigurator, c.device, event, &refused));
        if (refused) return ok_status();
        auto dev = TRY(db_->prepare("UPDATE devices SET state=?, updated_at=? WHERE serial=?"));
        dev.bind(1, next).bind(2, static_cast<int64_t>(time::now())).bind(3, c.device);
        TRY(dev.run());
      }
      auto old = TRY(db_->prepare(
          "UPDATE dpp_configurations SET status='superseded' WHERE device=? AND status='active'"));
      old.bind(1, c.device);
      TRY(old.run());
      auto ins = TRY(db_->prepare(
          "INSERT INTO dpp_configurations(device, bkh, akm, ssid, net_access_key, mac, psk_sealed, "
          "at, status) VALUES(?,?,?,?,?,?,?,?,'active')"));
      ins.bind(1, c.device).bind(2, c.bkh).bind(3, c.akm).bind(4, c.ssid).bind(5, c.net_access_key);
      ins.bind(6, c.mac).bind(7, c.psk_sealed).bind(8, static_cast<int64_t>(c.at));
      TRY(ins.run());
      return append_event(*db_, event);
    }));
    if (refused) return *refused;
    return ok_status();
  }

  Result<std::vector<DppConfiguration>> dpp_configurations(bool active_only) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(
        std::string("SELECT device, bkh, akm, ssid, net_access_key, mac, psk_sealed, at, status "
                    "FROM dpp_configurations") +
        (active_only ? " WHERE status='active'" : "") + " ORDER BY id"));
    std::vector<DppConfiguration> out;
    while (TRY(st.step()))
      out.push_back(DppConfiguration{st.text(0), st.text(1), st.text(2), st.text(3), st.text(4),
                                     st.text(5), st.text(6), st.integer(7), st.text(8)});
    return out;
  }

  Result<int64_t> external_changes() override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare("PRAGMA data_version"));
    TRY(st.step());
    return st.integer(0);
  }

  Result<std::vector<Event>> events(const std::string& serial) override {
    std::lock_guard<std::mutex> lock(mu_);
    return query_events(*db_, serial);
  }

  Status add_reference_values(const std::vector<ReferenceValueRecord>& records,
                              const Event& event) override {
    return group_.write([&]() -> Status {
      auto ins = TRY(db_->prepare(
          "INSERT OR REPLACE INTO reference_values(manufacturer, model, version, corim, "
          "components, imported_at) VALUES(?,?,?,?,?,?)"));
      for (const auto& r : records) {
        ins.bind(1, r.manufacturer).bind(2, r.model).bind(3, r.version).bind(4, r.corim_b64);
        ins.bind(5, r.components_json).bind(6, static_cast<int64_t>(r.imported_at));
        TRY(ins.run());
      }
      return append_event(*db_, event);
    });
  }

  Result<std::vector<ReferenceValueRecord>> reference_values(const std::string& manufacturer,
                                                             const std::string& model) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st =
        TRY(db_->prepare("SELECT manufacturer, model, version, corim, components, imported_at FROM "
                         "reference_values WHERE manufacturer=? AND model=? ORDER BY version"));
    st.bind(1, manufacturer).bind(2, model);
    std::vector<ReferenceValueRecord> out;
    while (TRY(st.step()))
      out.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.integer(5)});
    return out;
  }

  Result<bool> consume_attestation_nonce(const std::string& nonce_hex, time::Seconds expires_at,
                                         time::Seconds now) override {
    bool fresh = false;
    TRY(group_.write([&]() -> Status {
      // Forget expired nonces now and then (they are refused as expired before this point).
      if (++consumed_ % 1024 == 0) {
        auto del = TRY(db_->prepare("DELETE FROM attestation_nonces WHERE expires_at<?"));
        del.bind(1, static_cast<int64_t>(now));
        TRY(del.run());
      }
      auto ins = TRY(
          db_->prepare("INSERT OR IGNORE INTO attestation_nonces(nonce, expires_at) VALUES(?,?)"));
      ins.bind(1, nonce_hex).bind(2, static_cast<int64_t>(expires_at));
      TRY(ins.run());
      fresh = db_->changes() == 1;
      return ok_status();
    }));
    return fresh;
  }

  Status record_attestation(const AttestationRecord& r, const Event& event) override {
    return group_.write([&]() -> Status {
      TRY(insert_attestation(r));
      if (!r.about_device) return append_event(*db_, event);
      auto dev = TRY(
          db_->prepare("UPDATE devices SET attestation_status=?, attested_at=? WHERE serial=?"));
      dev.bind(1, r.status).bind(2, static_cast<int64_t>(r.at)).bind(3, r.serial);
      TRY(dev.run());
      if (!r.tpm_clock.empty()) {
        auto clock = TRY(db_->prepare("UPDATE devices SET tpm_clock=? WHERE serial=?"));
        clock.bind(1, r.tpm_clock).bind(2, r.serial);
        TRY(clock.run());
      }
      return append_event(*db_, event);
    });
  }

  Result<std::string> tpm_clock(const std::string& serial) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare("SELECT tpm_clock FROM devices WHERE serial=?"));
    st.bind(1, serial);
    if (!TRY(st.step())) return std::string();
    return st.text(0);
  }

  Result<std::optional<AttestationRecord>> latest_attestation(const std::string& serial) override {
    auto all = TRY(query_attestations(serial, 1));
    if (all.empty()) return std::optional<AttestationRecord>();
    return std::optional<AttestationRecord>(all.front());
  }

  Result<std::vector<AttestationRecord>> attestations(const std::string& serial) override {
    return query_attestations(serial, -1);
  }

  Result<bool> mark_stale(const AttestationRecord& r, time::Seconds before,
                          const Event& event) override {
    bool marked = false;
    TRY(group_.write([&]() -> Status {
      auto dev = TRY(db_->prepare(
          "UPDATE devices SET attestation_status=?, attested_at=? WHERE serial=? AND "
          "attestation_status NOT IN ('', 'stale', 'contraindicated') AND attested_at<?"));
      dev.bind(1, r.status).bind(2, static_cast<int64_t>(r.at)).bind(3, r.serial);
      dev.bind(4, static_cast<int64_t>(before));
      TRY(dev.run());
      if (db_->changes() != 1) return ok_status();
      marked = true;
      TRY(insert_attestation(r));
      return append_event(*db_, event);
    }));
    return marked;
  }

  Result<std::vector<std::string>> overdue_attestations(time::Seconds before,
                                                        size_t limit) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto st = TRY(db_->prepare(
        "SELECT serial FROM devices WHERE attestation_status NOT IN ('', 'stale', "
        "'contraindicated') AND "
        "attested_at<? AND state NOT IN ('revoked', 'decommissioned') ORDER BY attested_at "
        "LIMIT ?"));
    st.bind(1, static_cast<int64_t>(before)).bind(2, static_cast<int64_t>(limit));
    std::vector<std::string> out;
    while (TRY(st.step())) out.push_back(st.text(0));
    return out;
  }

  Status record_app_status(const std::string& serial, const std::string& path,
                           const std::string& version, const Event& event) override {
    return inventory_sqlite::record_app_status(group_, *db_, serial, path, version, event);
  }

  Status set_app_version(const std::string& serial, const std::string& version,
                         const Event& event) override {
    return inventory_sqlite::set_app_version(group_, *db_, serial, version, event);
  }

  Status campaign_write(const std::function<Status(CampaignTx&)>& fn) override {
    return inventory_sqlite::campaign_write(group_, *db_, fn);
  }

 private:
  // Inside a write.
  Status insert_attestation(const AttestationRecord& r) {
    auto ins = TRY(db_->prepare(
        "INSERT INTO attestation_results(serial, at, status, check_name, reason, release, ear, "
        "about_device) VALUES(?,?,?,?,?,?,?,?)"));
    ins.bind(1, r.serial).bind(2, static_cast<int64_t>(r.at)).bind(3, r.status);
    ins.bind(4, r.check).bind(5, r.reason).bind(6, r.release).bind(7, r.ear);
    ins.bind(8, static_cast<int64_t>(r.about_device ? 1 : 0));
    return ins.run();
  }

  // Newest first; limit -1: all.
  Result<std::vector<AttestationRecord>> query_attestations(const std::string& serial,
                                                            int64_t limit) {
    std::lock_guard<std::mutex> lock(mu_);
    return inventory_sqlite::select_attestations(*db_, serial, limit);
  }

  // Inside a write: the new LDevID supersedes the device's active one.
  Status store_ldevid(const std::string& serial, const std::string& pem,
                      const std::string& serial_hex, time::Seconds not_after,
                      const std::string& state, const Event& event, bool pending) {
    // A renewal supersedes only an earlier renewal never confirmed; anything else supersedes the
    // current credential too.
    auto old = TRY(db_->prepare(
        std::string("UPDATE credentials SET status='superseded', ended_at=?, pem='' WHERE "
                    "device=? AND ") +
        (pending ? "status='pending'" : "status IN ('active','pending')")));
    old.bind(1, static_cast<int64_t>(time::now())).bind(2, serial);
    TRY(old.run());
    auto ins = TRY(db_->prepare(
        "INSERT INTO credentials(serial_hex, device, issued_at, not_after, status, pem) "
        "VALUES(?,?,?,?,?,?)"));
    ins.bind(1, serial_hex)
        .bind(2, serial)
        .bind(3, static_cast<int64_t>(time::now()))
        .bind(4, static_cast<int64_t>(not_after));
    ins.bind(5, std::string(pending ? "pending" : "active")).bind(6, pending ? pem : std::string());
    TRY(ins.run());
    if (pending) return append_event(*db_, event);
    auto dev = TRY(db_->prepare(
        "UPDATE devices SET ldevid_pem=?, ldevid_serial=?, ldevid_not_after=?, state=?, "
        "updated_at=? WHERE serial=?"));
    dev.bind(1, pem).bind(2, serial_hex).bind(3, static_cast<int64_t>(not_after)).bind(4, state);
    dev.bind(5, static_cast<int64_t>(time::now())).bind(6, serial);
    TRY(dev.run());
    return append_event(*db_, event);
  }

  std::unique_ptr<Database> db_;
  std::mutex mu_;  // every use of db_
  GroupCommit group_;
  uint64_t consumed_ = 0;  // attestation nonces consumed (inside writes)
};

}  // namespace

namespace inventory_sqlite {

// Newest first; limit -1: all.
Result<std::vector<AttestationRecord>> select_attestations(Database& db, const std::string& serial,
                                                           int64_t limit) {
  auto st = TRY(db.prepare(
      "SELECT id, serial, at, status, check_name, reason, release, ear, about_device FROM "
      "attestation_results WHERE serial=? ORDER BY id DESC LIMIT ?"));
  st.bind(1, serial).bind(2, limit);
  std::vector<AttestationRecord> out;
  while (TRY(st.step()))
    out.push_back({st.integer(0), st.text(1), st.integer(2), st.text(3), st.text(4), st.text(5),
                   st.text(6), st.text(7), st.integer(8) != 0});
  return out;
}

}  // namespace inventory_sqlite

Result<std::unique_ptr<Inventory>> open_sqlite_inventory(const std::string& path) {
  auto db = TRY_CTX(Database::open(path, kMigrations), "inventory");
  return std::unique_ptr<Inventory>(new SqliteInventory(std::move(db)));
}

}  // namespace gh::store
