// `gatehouse device onboard --brski URL`: the device agent driving the Pledge engine over TLS.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.h"
#include "crypto/key.h"
#include "crypto/x509.h"
#include "pki/profiles.h"
#include "svc/device/attest_client.h"

namespace gh::svc {

struct BrskiOnboardOptions {
  std::string device_dir;
  std::string registrar_url;  // https://HOST:PORT
  int timeout_s = 120;        // overall deadline for retries
  // The device is onboarded already and onboards again (its LDevID expired): its current
  // credential, key included, stays until the new one is stored, and its key goes then.
  bool again = false;
};

struct BrskiOnboardResult {
  std::string serial;
  std::string ldevid_serial;
  std::string domain;
  int attempts = 0;
};

Result<BrskiOnboardResult> onboard_brski(const BrskiOnboardOptions& options);

// One complete BRSKI attempt (RFC 8995 5.1-5.9.4) on fresh TLS sessions: provisional TLS with the
// IDevID, voucher-request, voucher verification and status, /cacerts, /csrattrs, /simpleenroll
// with a key from make_key, then /enrollstatus over a new session authenticated by the LDevID.
struct BrskiFlowResult {
  std::string serial;
  crypto::Certificate ldevid;
  crypto::PrivateKey ldevid_key;
  crypto::Certificate domain_ca;
  Bytes voucher_cms;
  bool status_reported = false;  // the registrar acknowledged /enrollstatus over the LDevID session
};

// RFC 8995 5.9.4: report enrollment success over a new TLS session authenticated by the LDevID.
Status report_enroll_status(const std::string& registrar_url, const crypto::Certificate& ldevid,
                            const crypto::PrivateKey& key, const crypto::Certificate& domain_ca);
struct BrskiFlowFailure {
  bool retry = false;  // worth trying again later (transport trouble, 202/503)
  int retry_after_s = 0;
};
// io_timeout_s bounds the connection and each answer awaited.
// attest, when set, answers the site's attestation challenge on the session before the voucher
// request (a site without the extension is passed by).
Result<BrskiFlowResult> brski_flow(const pki::Identity& idevid,
                                   const std::vector<crypto::Certificate>& masa_anchors,
                                   const std::string& registrar_url,
                                   const std::function<Result<crypto::PrivateKey>()>& make_key,
                                   BrskiFlowFailure* failure, const EvidenceMaker& attest = {},
                                   int io_timeout_s = 10);

}  // namespace gh::svc
