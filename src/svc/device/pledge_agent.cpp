#include "svc/device/pledge_agent.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "codec/est.h"
#include "codec/voucher.h"
#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "device/image.h"
#include "net/http.h"
#include "proto/pledge.h"
#include "svc/device/attester.h"
#include "svc/device/device_agent.h"

namespace gh::svc {
namespace {

// One client context per set of trust anchors for the whole process, each connection carrying its
// own credential: an OpenSSL 3.0 context costs more to create than a handshake's signatures, and a
// process that simulates many pledges (bench brski) would otherwise make two per onboarding.
// Contexts live until the process exits.
Result<const crypto::TlsContext*> client_context(const std::vector<crypto::Certificate>& anchors) {
  static std::mutex mu;
  static auto* contexts = new std::map<Bytes, std::unique_ptr<crypto::TlsContext>>();
  Bytes key;
  for (const auto& a : anchors) {
    Bytes f = a.fingerprint_sha256();
    key.insert(key.end(), f.begin(), f.end());
  }
  std::lock_guard<std::mutex> lock(mu);
  auto it = contexts->find(key);
  if (it != contexts->end()) return it->second.get();
  // No anchors: provisional (RFC 8995 5.1), the server's chain is kept for the voucher to judge.
  auto made = TRY(crypto::TlsContext::client(nullptr, anchors, ""));
  auto owned = std::make_unique<crypto::TlsContext>(std::move(made));
  const crypto::TlsContext* out = owned.get();
  contexts->emplace(std::move(key), std::move(owned));
  return out;
}

constexpr const char* kLdevidKey = "ldevid";

Error fail(BrskiFlowFailure* why, Error e, bool retry) {
  why->retry = retry;
  return e;
}

Status store_onboarding(const BrskiOnboardOptions& o, const BrskiFlowResult& r,
                        const std::string& key_label) {
  Json network{
      {"method", "brski"},
      {"registrar", o.registrar_url},
      {"domain", r.domain_ca.subject()},
      {"credential",
       {{"type", "ldevid"}, {"certificate", "ldevid.pem"}, {"key", "keystore:" + key_label}}},
      {"site-url", o.registrar_url},
      {"eap", {{"method", "EAP-TLS"}, {"ca", "domain-ca.pem"}}},
      {"onboarded-at", time::format_rfc3339(time::now())}};
  return publish_onboarding(o.device_dir, {{"ldevid.pem", r.ldevid.pem(), 0644},
                                           {"domain-ca.pem", r.domain_ca.pem(), 0644},
                                           {"voucher.cms", to_string(r.voucher_cms), 0644},
                                           {"network.json", network.dump(2) + "\n", 0644}});
}

}  // namespace

Result<BrskiFlowResult> brski_flow(const pki::Identity& idevid,
                                   const std::vector<crypto::Certificate>& masa,
                                   const std::string& registrar_url,
                                   const std::function<Result<crypto::PrivateKey>()>& make_key,
                                   BrskiFlowFailure* why, const EvidenceMaker& attest,
                                   int io_timeout_s) {
  auto url = net::Url::parse(registrar_url);
  if (!url) return fail(why, url.error(), false);
  crypto::TlsIdentity tls_id{idevid.cert, idevid.chain, idevid.key};
  auto ctx = client_context({});  // provisional
  if (!ctx) return fail(why, ctx.error(), false);
  auto client = net::HttpClient::connect(url->host, url->port, **ctx, io_timeout_s, &tls_id);
  if (!client) return fail(why, client.error(), true);

  if (attest) {
    // On this session, before the voucher request: the registrar's policy may require it.
    auto reply = attest_over(**client, attest);
    // (debug: the site's evidence log has the result, and a refusal follows on the voucher)
    if (reply)
      log::debug("pledge", "attested: " + reply->status + " (" + reply->check + ")");
    else if (reply.error().code != "attest.unsupported")
      log::debug("pledge", "attestation: " + reply.error().str());
  }
  proto::Pledge pledge(idevid, masa);
  auto pvr = pledge.voucher_request((*client)->server_chain(), time::now());
  if (!pvr) return fail(why, pvr.error(), false);
  auto resp = (*client)->request(
      "POST", "/.well-known/brski/requestvoucher",
      {{"Content-Type", codec::kVoucherMediaType}, {"Accept", codec::kVoucherMediaType}},
      to_string(*pvr));
  if (!resp) return fail(why, resp.error(), true);
  if (resp->status == 202 || resp->status == 503) {
    int after = std::atoi(resp->header("retry-after").c_str());
    why->retry_after_s = std::min(std::max(after, 1), 60);  // RFC 8995 5.6: honoured up to 60 s
    return fail(why, resp->refusal("voucher request refused by the registrar", "registrar.http"),
                true);
  }
  if (resp->status != 200)
    return fail(why, resp->refusal("voucher request refused by the registrar", "registrar.http"),
                false);
  auto accepted = pledge.accept_voucher(to_bytes(resp->body), time::now());
  if (!accepted) {
    // RFC 8995 5.7: SHOULD report the failure, then drop the connection.
    (void)(*client)->request("POST", "/.well-known/brski/voucher_status",
                             {{"Content-Type", "application/json"}},
                             codec::status_telemetry(false, accepted.error().code).dump());
    return fail(why, accepted.error(), false);
  }
  (void)(*client)->request("POST", "/.well-known/brski/voucher_status",
                           {{"Content-Type", "application/json"}},
                           codec::status_telemetry(true, "").dump());

  auto cacerts = (*client)->request("GET", "/.well-known/est/cacerts", {}, "");
  if (!cacerts) return fail(why, cacerts.error(), true);
  if (cacerts->status != 200)
    return fail(why, cacerts->refusal("cacerts refused by the registrar", "registrar.http"), false);
  if (auto st = pledge.accept_cacerts(cacerts->body); !st) return fail(why, st.error(), false);
  // RFC 8995 5.9.2: the pledge MUST fetch /csrattrs.
  auto attrs = (*client)->request("GET", "/.well-known/est/csrattrs", {}, "");
  if (!attrs) return fail(why, attrs.error(), true);

  auto key = make_key();  // made on the device, fresh for each onboarding
  if (!key) return fail(why, key.error(), false);
  crypto::PublicKey pub = key->public_key();
  auto csr = pledge.enrollment_request(*key);
  if (!csr) return fail(why, csr.error(), false);
  auto enroll = (*client)->request("POST", "/.well-known/est/simpleenroll",
                                   {{"Content-Type", codec::kPkcs10MediaType}},
                                   codec::est_base64(csr->der()));
  if (!enroll) return fail(why, enroll.error(), true);
  if (enroll->status != 200)
    return fail(why, enroll->refusal("simpleenroll refused by the registrar", "registrar.http"),
                false);
  auto ldevid = pledge.accept_enrollment(enroll->body, pub);
  if (!ldevid) {
    (void)(*client)->request("POST", "/.well-known/brski/enrollstatus",
                             {{"Content-Type", "application/json"}},
                             codec::status_telemetry(false, ldevid.error().code).dump());
    return fail(why, ldevid.error(), false);
  }
  BrskiFlowResult out{pledge.serial(),      *ldevid, *key, pledge.domain_ca(),
                      pledge.voucher_cms(), false};
  out.status_reported = report_enroll_status(registrar_url, *ldevid, *key, pledge.domain_ca()).ok();
  return out;
}

Status report_enroll_status(const std::string& registrar_url, const crypto::Certificate& ldevid,
                            const crypto::PrivateKey& key, const crypto::Certificate& domain_ca) {
  auto url = TRY(net::Url::parse(registrar_url));
  crypto::TlsIdentity id{ldevid, {}, key};
  auto ctx = TRY(client_context({domain_ca}));
  auto client = TRY(net::HttpClient::connect(url.host, url.port, *ctx, 10, &id));
  auto r = TRY(client->request("POST", "/.well-known/brski/enrollstatus",
                               {{"Content-Type", "application/json"}},
                               codec::status_telemetry(true, "").dump()));
  if (r.status != 200) return r.refusal("enrollstatus refused by the registrar", "registrar.http");
  return ok_status();
}

Result<BrskiOnboardResult> onboard_brski(const BrskiOnboardOptions& o) {
  auto dev = TRY(open_device(o.device_dir, o.again));
  auto& ks = dev.keystore;
  auto chain = TRY(crypto::Certificate::chain_from_pem(
      TRY(fs::read_file(fs::join(o.device_dir, "bootstrap/idevid.pem")))));
  pki::Identity idevid;
  idevid.cert = chain[0];
  for (size_t i = 1; i < chain.size(); ++i)
    if (!chain[i].self_signed()) idevid.chain.push_back(chain[i]);  // send the chain, not the root
  idevid.key = TRY(ks->load(device::kIdevidKey));
  auto masa = TRY(crypto::Certificate::chain_from_pem(
      TRY(fs::read_file(fs::join(o.device_dir, "bootstrap/masa-trust.pem")))));

  // The new LDevID's key. Onboarding again, the credential the device holds stays whole until the
  // new one is stored (a restart in between finds it working), so the new key takes another label
  // when the current one has kLdevidKey's; the current key goes only after.
  std::string current;
  if (o.again)
    if (auto cred = onboarded_credential(o.device_dir)) current = cred->key_label;
  std::string label = kLdevidKey;
  if (current == label) label += "-" + std::to_string(time::now());
  auto make_key = [&ks, &label]() -> Result<crypto::PrivateKey> {
    if (ks->has(label)) TRY(ks->remove(label));  // a leftover of an interrupted attempt
    return ks->generate(label, crypto::Curve::kP256);
  };
  const double start = time::monotonic(), deadline = start + o.timeout_s;
  int backoff_s = 1;
  for (int attempt = 1;; ++attempt) {
    BrskiFlowFailure why;
    EvidenceMaker evidence;
    if (fs::exists(fs::join(o.device_dir, "firmware/release.json")))
      evidence = [&](const Bytes& nonce) { return make_evidence(dev, nonce); };
    // A silent registrar is waited for 10 s at most, and never past the deadline.
    const int io_timeout_s =
        std::clamp(static_cast<int>(std::ceil(deadline - time::monotonic())), 1, 10);
    auto r = brski_flow(idevid, masa, o.registrar_url, make_key, &why, evidence, io_timeout_s);
    if (r) {
      TRY(store_onboarding(o, *r, label));
      if (!current.empty() && current != label && ks->has(current)) (void)ks->remove(current);
      // The credential is ours now; if the success report did not get through, keep trying it
      // until the deadline so the registrar learns the device is onboarded.
      for (int wait_s = 1; !r->status_reported && time::monotonic() + wait_s <= deadline;
           wait_s = std::min(wait_s * 2, 30)) {
        std::this_thread::sleep_for(std::chrono::seconds(wait_s));
        r->status_reported =
            report_enroll_status(o.registrar_url, r->ldevid, r->ldevid_key, r->domain_ca).ok();
      }
      if (!r->status_reported)
        log::warn("pledge",
                  "onboarded, but the registrar has not acknowledged the enrollment status yet");
      return BrskiOnboardResult{r->serial, r->ldevid.serial_hex(), r->domain_ca.subject(), attempt};
    }
    int wait = why.retry_after_s > 0 ? why.retry_after_s : backoff_s;
    if (!why.retry) return r.error();
    if (const double now = time::monotonic(); now + wait > deadline) {
      // Say why it stops here: a Retry-After past the deadline is not a failure to connect.
      const std::string tried = std::to_string(attempt) + " attempt(s) in " +
                                std::to_string(static_cast<int>(now - start)) + " s";
      if (why.retry_after_s > 0)
        return r.error().context(
            "gave up after " + tried + ": the registrar asked to retry after " +
            std::to_string(why.retry_after_s) + " s (Retry-After), past the timeout of " +
            std::to_string(o.timeout_s) + " s");
      return r.error().context("gave up after " + tried + " (timeout " +
                               std::to_string(o.timeout_s) + " s)");
    }
    log::warn("pledge", "attempt " + std::to_string(attempt) + " failed (" + r.error().message +
                            "); retrying in " + std::to_string(wait) + " s");
    std::this_thread::sleep_for(std::chrono::seconds(wait));
    backoff_s = std::min(backoff_s * 2, 60);
  }
}

}  // namespace gh::svc
