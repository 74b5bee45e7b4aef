// The site's MUD manager (RFC 8520 sections 2 and 4): fetches a device's MUD file over HTTPS with
// the server certificate checked, verifies its detached CMS signature against the manufacturer
// roots the site trusts before using anything in it, checks that the file's mud-url is the URL
// fetched, and keeps the last verified copy (honouring cache-validity; a failed refresh keeps it).
// The enforcement point (`gatehouse router serve`) reads the verified copies.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "codec/mud.h"
#include "svc/site/site.h"

namespace gh::svc {

struct MudCopy {
  std::string url;
  std::string text;  // the file exactly as fetched (and verified)
  codec::mud::File file;
  int64_t fetched_at = 0;
  std::string signer;  // subject of the certificate that signed it
  std::string anchor;  // SHA-256 fingerprint (hex) of the manufacturer root the signer chains to
};

class MudManager {
 public:
  explicit MudManager(Site& site) : site_(site) {}
  ~MudManager() { stop(); }
  // Fetches and verifies now; on success the copy replaces the cached one. Every outcome is in
  // the evidence log with the check that failed ("mud.fetch", "mud.signature", "mud.url-mismatch",
  // "mud.*" validation codes).
  Result<MudCopy> fetch(const std::string& url, const std::string& for_device = "");
  // A MUD URL the device announced itself (store::Inventory::claim_mud_url): fetched and verified
  // like any other, then accepted only if the file's signer chains to the same manufacturer root
  // as the device's IDevID (a device cannot borrow another manufacturer's more open file);
  // "mud.signer-manufacturer" otherwise. A failed fetch leaves the claim pending (retried).
  Status judge_claim(const store::DeviceRecord& device);
  // Every onboarded device with a MUD URL whose copy is missing or past cache-validity, and every
  // pending claim.
  void refresh_due();
  // A background loop calling refresh_due() every interval.
  void start(int interval_ms = 1000);
  void stop();

  // The verified copy kept for url, if any (no network).
  static Result<std::optional<MudCopy>> cached(const std::string& state_dir,
                                               const std::string& url);

 private:
  Site& site_;
  std::atomic<bool> running_{false};
  std::thread loop_;
  std::map<std::string, int64_t> last_try_;  // url -> last attempt (loop thread only)
};

}  // namespace gh::svc
