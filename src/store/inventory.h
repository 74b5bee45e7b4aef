// The site's inventory: expected and onboarded devices, trusted manufacturers, and the evidence
// log. SQLite is the embedded default; the interface is what a PostgreSQL store implements too.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "store/campaigns.h"
#include "store/lifecycle.h"
#include "store/records.h"

namespace gh::store {

struct ManufacturerAnchor {
  std::string name;
  std::string root_pem;
  std::string fingerprint;  // SHA-256 of the root certificate, hex
  time::Seconds added_at = 0;
  // The MASA for this manufacturer's devices whose IDevIDs carry no MASA URL extension.
  std::string masa_url;
};

struct ImportCounts {
  int added = 0;
  int updated = 0;
  int unchanged = 0;
};

// What claim_mud_url did with a URL a device announced.
enum class MudClaim {
  kConfirms,   // the same URL as its birth credentials: nothing recorded
  kConflicts,  // another URL than its birth credentials (or an operator's, for a device's own
               // announcement): refused, recorded
  kRecorded,   // no birth URL: recorded as a pending claim
  kUnchanged,  // already the pending or decided claim
};

class Inventory {
 public:
  virtual ~Inventory() = default;
  // In one transaction: add or update every device (an update only with a higher declaration
  // version), record the bundle, and append the event.
  virtual Result<ImportCounts> import_devices(const std::vector<DeviceRecord>& devices,
                                              const std::string& bundle_id, const Event& event) = 0;
  virtual Result<std::optional<DeviceRecord>> get(const std::string& serial) = 0;
  virtual Result<std::vector<DeviceRecord>> list() = 0;
  // Devices in service (onboarded or enrolled) with a MUD URL of any kind, by serial.
  virtual Result<std::vector<DeviceMudUrls>> mud_urls_in_service() = 0;
  // Adds the root (or, for one already trusted, sets its MASA URL when one is given).
  virtual Status add_manufacturer(const ManufacturerAnchor& anchor) = 0;
  virtual Result<std::vector<ManufacturerAnchor>> manufacturers() = 0;
  // A pledge nonce is accepted once per device (replay protection); false if seen before.
  virtual Result<bool> remember_nonce(const std::string& serial, const std::string& nonce) = 0;
  // The changes of a device's lifecycle state (store/lifecycle.h): each checks the state it
  // starts from and who causes it, in the transaction that makes it; a refusal is recorded in the
  // evidence log (the event's kind, outcome "refused", the check) and changes nothing else.
  // The registrar's voucher (Transition::kVoucherIssued).
  virtual Status record_voucher(const std::string& serial, const std::string& voucher_b64,
                                const Event& event) = 0;
  // A newly issued LDevID: t is kLdevidIssued (EST enrollment) or kDppCredential (a DPP
  // configuration's certificate), which supersede the device's previous one at once, or
  // kReenrolled (EST renewal): the new one is "pending" and the current one stays active until
  // the device confirms the new one (confirm_renewal); an earlier pending one is superseded.
  virtual Status record_ldevid(const std::string& serial, const std::string& pem,
                               const std::string& serial_hex, time::Seconds not_after, Transition t,
                               Actor by, const Event& event) = 0;
  // The device's confirmation, over TLS with the renewed LDevID (serial_hex, "pending"), in one
  // transaction: it becomes active, the previous one superseded (the CRL lists it), the site's
  // renewal request cleared (kRenewalConfirmed). "renew.credential" when it is not pending.
  virtual Status confirm_renewal(const std::string& serial, const std::string& serial_hex,
                                 const Event& event) = 0;
  // The operator's request that the device renew ("renew") or rekey ("rekey") at its next contact
  // (kRenewalRequested).
  virtual Status request_renewal(const std::string& serial, const std::string& what,
                                 const Event& event) = 0;
  // kMaintenanceBegin into "some-maintenance" or "other-maintenance".
  virtual Status begin_maintenance(const std::string& serial, const std::string& kind,
                                   const Event& event) = 0;
  // Any other transition.
  virtual Status transition(const std::string& serial, Transition t, Actor by,
                            const Event& event) = 0;
  // A MUD URL the device announced (source "dhcp" or "dpp") or the operator assigned ("operator"),
  // with its evidence event.
  virtual Result<MudClaim> claim_mud_url(const std::string& serial, const std::string& url,
                                         const std::string& source) = 0;
  // The MUD manager's verdict on the claim (if the device still claims url).
  virtual Status set_mud_claim_status(const std::string& serial, const std::string& url,
                                      const std::string& status, const Event& event) = 0;
  virtual Result<std::vector<IssuedCredential>> credentials(const std::string& serial) = 0;
  // By certificate serial (hex as issued).
  virtual Result<std::optional<IssuedCredential>> credential(const std::string& serial_hex) = 0;
  // Moves the device to "revoked" and revokes its active and pending credentials, in one
  // transaction (kRevoke, by the operator or the verifier). t may also be kDecommission or
  // kTransfer (the operator): the same, into "decommissioned" or "transferred".
  virtual Status revoke(const std::string& serial, Actor by, const Event& event,
                        Transition t = Transition::kRevoke) = 0;
  // Superseded and revoked credentials that have not expired by then: what the CRL lists.
  virtual Result<std::vector<IssuedCredential>> ended_credentials(time::Seconds unexpired_at) = 0;
  virtual Status append(const Event& event) = 0;
  // DPP: bootstrapping keys learnt outside bundles (an existing key is left as it is).
  virtual Status add_dpp_peer(const DppPeer& peer, const Event& event) = 0;
  virtual Status add_dpp_peers(const std::vector<DppPeer>& peers, const Event& event) = 0;
  virtual Result<std::vector<DppPeer>> dpp_peers() = 0;
  // Records a configuration (superseding the device's previous one) and, for a device from a
  // bundle, moves it to "onboarded" (kDppConfigured), in one transaction with the event.
  virtual Status record_dpp_configuration(const DppConfiguration& c, const Event& event) = 0;
  virtual Result<std::vector<DppConfiguration>> dpp_configurations(bool active_only) = 0;
  // Changes whenever another connection (another process) commits: a cheap "reload needed?".
  virtual Result<int64_t> external_changes() = 0;
  virtual Result<std::vector<Event>> events(const std::string& serial = "") = 0;

  // Attestation (svc/site/verifier). Reference values replace those of the same manufacturer,
  // model and release, in one transaction with the event.
  virtual Status add_reference_values(const std::vector<ReferenceValueRecord>& records,
                                      const Event& event) = 0;
  virtual Result<std::vector<ReferenceValueRecord>> reference_values(
      const std::string& manufacturer, const std::string& model) = 0;
  // An attestation nonce is consumed once: false when it was already (a replay). Nonces past
  // their expiry are forgotten (check_nonce refuses them anyway).
  virtual Result<bool> consume_attestation_nonce(const std::string& nonce_hex,
                                                 time::Seconds expires_at, time::Seconds now) = 0;
  virtual Status record_attestation(const AttestationRecord& record, const Event& event) = 0;
  // The counters of a TPM device's last accepted quote ("" when none): read on every appraisal
  // of its quotes, so one column, not the device's row.
  virtual Result<std::string> tpm_clock(const std::string& serial) = 0;
  virtual Result<std::optional<AttestationRecord>> latest_attestation(
      const std::string& serial) = 0;
  virtual Result<std::vector<AttestationRecord>> attestations(const std::string& serial) = 0;
  // Devices whose latest result is older than `before` and neither stale already nor
  // contraindicated (silence must not turn a failed verdict into a milder one: it stands until
  // fresh evidence replaces it), at most limit of them; the verifier's sweep marks them stale.
  virtual Result<std::vector<std::string>> overdue_attestations(time::Seconds before,
                                                                size_t limit) = 0;
  // Marks the device stale (record as its result, with the event) only if its latest result is
  // still older than `before`: evidence appraised since the sweep read it stands. Whether it did.
  virtual Result<bool> mark_stale(const AttestationRecord& record, time::Seconds before,
                                  const Event& event) = 0;

  // Application-layer onboarding (IR 8350 5.4): the device reports its application operational,
  // reached by path ("streamlined" or "independent"), running version; set with the event in one
  // transaction. Refused "device.unknown" for a serial not in the inventory, "app.path" for
  // another path, and "lifecycle.state" (recorded) unless the device is onboarded: a quarantined
  // or revoked device cannot declare itself operational (a device's report never overrides the
  // site's verdict).
  virtual Status record_app_status(const std::string& serial, const std::string& path,
                                   const std::string& version, const Event& event) = 0;
  // The version the device runs, as an update confirmed it ("device.unknown" for an unknown one).
  virtual Status set_app_version(const std::string& serial, const std::string& version,
                                 const Event& event) = 0;
  // Update campaigns (store/campaigns.h): runs fn inside one write transaction; everything it
  // wrote commits together, or nothing when it returns an error. fn must not call the Inventory.
  virtual Status campaign_write(const std::function<Status(CampaignTx&)>& fn) = 0;
};

Result<std::unique_ptr<Inventory>> open_sqlite_inventory(const std::string& path);

}  // namespace gh::store
