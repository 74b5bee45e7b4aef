// Plain records the stores keep. No secrets: keys stay in keystores; the stores hold certificates,
// public keys, signed declarations and the evidence log.
#pragma once

#include <cstdint>
#include <string>

#include "common/time.h"

namespace gh::store {

// One line of the evidence log: what happened to which device, and why.
struct Event {
  int64_t id = 0;
  time::Seconds at = 0;
  std::string serial;   // empty for events not about one device
  std::string kind;     // "factory.make", "bundle.import", ...
  std::string outcome;  // "ok" or "refused"
  std::string reason;   // the check that failed, or a note
  std::string detail;   // JSON text
};

// A device as the manufacturer records it.
struct ManufacturedDevice {
  std::string serial;
  std::string model;
  std::string state;  // "reserved" (serial taken, image being made), "made", "scrapped"
  std::string image_dir;
  std::string keystore;  // "file" or "tpm"
  std::string idevid_pem;
  std::string dpp_uri;
  std::string mud_url;
  std::string attestation_pub_pem;
  time::Seconds made_at = 0;
  // The current declaration: who owns it, and the signed JWS.
  std::string owner_name;
  std::string owner_spki_sha256;  // hex
  int64_t declaration_version = 0;
  std::string declaration;
};

// The MUD URL the network enforces for a device (empty: none): the one from its birth credentials,
// else a claimed one once accepted.
inline const std::string& enforced_mud_url(const std::string& birth, const std::string& claimed,
                                           const std::string& claim_status) {
  static const std::string none;
  if (!birth.empty()) return birth;
  return claim_status == "accepted" ? claimed : none;
}

// A device as a site (network owner) records it.
struct DeviceRecord {
  std::string serial;
  std::string model;
  std::string manufacturer;
  std::string state;       // "expected" (from a bundle, not onboarded yet), later "onboarded", ...
  std::string idevid_pem;  // the IDevID, then its issuing CAs (without the root)
  std::string dpp_uri;
  std::string mud_url;
  std::string declaration;
  int64_t declaration_version = 0;
  std::string bundle_id;  // SHA-256 of the bundle file it came from
  time::Seconds updated_at = 0;
  // Onboarding (BRSKI): the voucher as received from the MASA (base64 CMS) and the current LDevID.
  std::string voucher;
  std::string ldevid_pem;
  std::string ldevid_serial;  // certificate serial, hex
  time::Seconds ldevid_not_after = 0;
  // A MUD URL the device announced itself (DHCP option 161, a DPP configuration request) or the
  // operator assigned (an operator's stands over a device's announcement), kept
  // beside mud_url (from its birth credentials), never over it. Used only when mud_url is empty
  // and the file proved to be signed under the device's own manufacturer root.
  std::string mud_url_claimed;
  std::string mud_url_claimed_source;  // "dhcp", "dpp" or "operator"
  std::string mud_url_claimed_status;  // "pending", "accepted" or "refused"
  // The device's attestation key (PEM), from the manufacturer's certificate binding it to the
  // serial (verified at import); empty when the manufacturer gave none.
  std::string attestation_pub_pem;
  // The latest attestation result's tier ("" when never appraised; "stale" when overdue) and when.
  std::string attestation_status;
  time::Seconds attested_at = 0;
  // "tpm" when the key is a TPM's restricted attestation key (evidence must carry a quote), and
  // that TPM's counters from the last accepted quote ("reset:restart:clock").
  std::string attestation_kind;
  std::string tpm_clock;
  // Application-layer onboarding (IR 8350 5.4): "" until the device reports its application
  // operational, then "operational"; the path it took ("streamlined": the site's lifecycle
  // service, reached with the LDevID; "independent": the manufacturer's service, reached with the
  // IDevID); the application/firmware version it runs (as reported, then as an update campaign
  // confirmed it) and when.
  std::string app_status;
  std::string app_path;
  std::string app_version;
  time::Seconds app_at = 0;
  // What the site asked of the device's LDevID at its next contact: "" (nothing), "renew" or
  // "rekey" (renew with a new key); cleared when the device confirms the renewed credential.
  std::string renewal;

  // The MUD URL the network enforces for this device (empty: none).
  const std::string& enforced_mud_url() const {
    return store::enforced_mud_url(mud_url, mud_url_claimed, mud_url_claimed_status);
  }
};

// The MUD URLs of a device in service (onboarded or enrolled), without the rest of its record:
// what the MUD manager reads every round.
struct DeviceMudUrls {
  std::string serial;
  std::string mud_url;
  std::string mud_url_claimed;
  std::string mud_url_claimed_status;
  std::string state;
  const std::string& enforced_mud_url() const {
    return store::enforced_mud_url(mud_url, mud_url_claimed, mud_url_claimed_status);
  }
};

// One MASA decision: a voucher issued or a request refused (RFC 8995 5.8 audit log source).
struct VoucherLogEntry {
  time::Seconds at = 0;
  std::string serial;
  std::string domain_id;
  std::string domain_name;
  std::string nonce;
  std::string assertion;
  std::string outcome;  // "issued" or "refused"
  std::string check;
  std::string reason;
};

// An LDevID the site's CA issued.
struct IssuedCredential {
  std::string serial_hex;
  std::string device;
  time::Seconds issued_at = 0;
  time::Seconds not_after = 0;
  std::string status;          // "active", "superseded", "revoked"
  time::Seconds ended_at = 0;  // when it was superseded or revoked
  std::string ended_by;        // "renewal": superseded by the renewal the device confirmed
};

// A DPP bootstrapping key the site learnt outside a bundle (`site dpp add-uri`, `site dpp scan`).
struct DppPeer {
  std::string bkh;    // SHA-256 of the SPKI, hex
  std::string chirp;  // SHA-256("chirp" || SPKI), hex
  std::string uri;
  std::string source;  // "add-uri", "scan"
  time::Seconds added_at = 0;
};

// One DPP configuration the site's configurator handed out.
struct DppConfiguration {
  std::string device;  // serial, or "dpp:<first 16 hex of the BKH>" for a device not in a bundle
  std::string bkh;     // hex, empty when the enrollee's key was never learnt (responder-only)
  std::string akm;
  std::string ssid;
  std::string net_access_key;  // SHA-256 of the netAccessKey SPKI, hex (connector AKMs)
  std::string mac;             // the station address the PSK is bound to (PSK AKMs)
  std::string psk_sealed;      // the PSK sealed with the site's key (base64); never the PSK itself
  time::Seconds at = 0;
  std::string status;  // "active", "superseded"
};

// A manufacturer's signed reference values for one model and firmware release (a CoRIM, verified
// at import).
struct ReferenceValueRecord {
  std::string manufacturer;
  std::string model;
  std::string version;
  std::string corim_b64;        // the signed CoRIM as received
  std::string components_json;  // [{"component": name, "sha256": hex}, ...]
  time::Seconds imported_at = 0;
};

// One appraisal of a device's evidence: the verifier's result, signed as an EAR.
struct AttestationRecord {
  int64_t id = 0;
  std::string serial;
  time::Seconds at = 0;
  std::string status;  // AR4SI tier: "affirming", "warning", "contraindicated", "none"
  std::string check;   // the rule that decided ("ok" when affirming)
  std::string reason;
  std::string release;  // the firmware release the measurements matched
  std::string ear;      // the signed EAR (JWT)
  // Whether the result is about the device (authentic, fresh evidence) and so becomes its
  // current attestation status; a refused token is recorded only.
  bool about_device = true;
  // A TPM device's quote counters ("reset:restart:clock") to remember, when its quote passed.
  std::string tpm_clock;
};

}  // namespace gh::store
