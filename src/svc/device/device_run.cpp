#include "svc/device/device_run.h"

#include <algorithm>

#include "common/fs.h"
#include "common/json.h"
#include "common/log.h"
#include "net/http.h"
#include "svc/common/role.h"
#include "svc/device/attester.h"
#include "svc/device/device_agent.h"

namespace gh::svc {

namespace {

struct Session {
  crypto::Certificate ldevid;
  std::vector<crypto::Certificate> chain;
  crypto::PrivateKey key;
  crypto::Certificate domain_ca;
  std::string site_url;
};

Result<Session> load_session(const OpenedDevice& dev, const std::string& site_url) {
  auto cred = TRY(onboarded_credential(dev.dir));
  Session s;
  s.site_url = site_url.empty() ? cred.site_url : site_url;
  if (s.site_url.empty())
    return make_error("usage", "the device was not onboarded by BRSKI: name the site with --site");
  auto certs = TRY(crypto::Certificate::chain_from_pem(TRY(fs::read_file(cred.cert_path))));
  s.ldevid = certs[0];
  s.chain.assign(certs.begin() + 1, certs.end());
  s.key = TRY_CTX(dev.keystore->load(cred.key_label), "the credential's key");
  s.domain_ca = TRY(crypto::Certificate::from_pem(TRY(fs::read_file(cred.ca_path))));
  return s;
}

}  // namespace

Status run_device(const DeviceRunOptions& o) {
  auto dev = TRY(open_device(o.device_dir, /*allow_onboarded=*/true));
  auto image = TRY(device::Image::open(o.device_dir));
  if (!image.onboarded()) return make_error("device.onboarded", "the device is not onboarded yet");
  auto s = TRY(load_session(dev, o.site_url));
  auto url = TRY(net::Url::parse(s.site_url));
  crypto::TlsIdentity id{s.ldevid, s.chain, s.key};
  auto ctx = TRY(crypto::TlsContext::client(&id, {s.domain_ca}, ""));
  EvidenceMaker evidence = [&](const Bytes& nonce) { return make_evidence(dev, nonce); };
  std::unique_ptr<net::HttpClient> client;
  int interval = o.interval_s > 0 ? o.interval_s : 60;
  int backoff = 1;
  for (int round = 1; o.rounds == 0 || round <= o.rounds; ++round) {
    Result<AttestReply> r = make_error("attest.unreachable", "not connected");
    if (!client) {
      auto c = net::HttpClient::connect(url.host, url.port, ctx, 10, &id);
      if (c)
        client = std::move(*c);
      else
        r = make_error("attest.unreachable", c.error().message);
    }
    if (client) {
      r = attest_over(*client, evidence);
      if (!r) client.reset();  // a fresh session next round
    }
    if (o.on_round) o.on_round(r);
    int wait = interval;
    if (r) {
      backoff = 1;
      if (o.interval_s == 0) interval = wait = r->interval_s;
      if (r->action != "keep")
        log::warn("device",
                  "the site acted on this device's evidence: " + r->action + " (" + r->check + ")");
    } else {
      // The site no longer accepts this credential (revoked, superseded): nothing left to do.
      if (r.error().code == "attest.credential") return r.error();
      // A bounded run reports how its last round ended.
      if (o.rounds != 0 && round == o.rounds) return r.error();
      log::warn("device", "attestation round failed: " + r.error().str());
      wait = std::min(interval, backoff);
      backoff = std::min(backoff * 2, 60);
    }
    if (o.rounds != 0 && round == o.rounds) break;
    if (wait_for_stop_signal_for(wait * 1000)) break;
  }
  return ok_status();
}

}  // namespace gh::svc
