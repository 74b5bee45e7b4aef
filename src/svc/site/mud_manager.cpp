#include "svc/site/mud_manager.h"

#include <chrono>
#include <map>

#include "common/fs.h"
#include "common/log.h"
#include "common/time.h"
#include "crypto/cms.h"
#include "crypto/digest.h"
#include "net/http.h"

namespace gh::svc {
namespace {

std::string cache_base(const std::string& state_dir, const std::string& url) {
  return fs::join(fs::join(state_dir, "mud-cache"), hex_encode(crypto::sha256(url)).substr(0, 32));
}

Result<std::string> get(net::HttpClient& client, const std::string& path, const char* accept) {
  static_assert(codec::mud::kMaxMudBytes <= net::kMaxBodyBytes);
  auto got = client.request("GET", path, {{"Accept", accept}, {"User-Agent", "gatehouse"}}, "");
  if (!got && got.error().code == "http.413")  // the client read no more than the limit
    return make_error("mud.size", "GET " + path + ": " + got.error().message);
  auto r = TRY(std::move(got));
  if (r.status != 200)
    return make_error("mud.fetch", "GET " + path + " answered " + std::to_string(r.status));
  return r.body;
}

}  // namespace

Result<std::optional<MudCopy>> MudManager::cached(const std::string& state_dir,
                                                  const std::string& url) {
  std::string base = cache_base(state_dir, url);
  if (!fs::exists(base + ".json")) return std::optional<MudCopy>();
  MudCopy c;
  c.url = url;
  c.text = TRY(fs::read_file_limited(base + ".json", codec::mud::kMaxMudBytes, "mud.size"));
  auto meta = TRY(parse_json(TRY(fs::read_file(base + ".meta.json")), "mud cache"));
  c.fetched_at = meta.value("fetched_at", int64_t{0});
  c.signer = meta.value("signer", "");
  c.anchor = meta.value("anchor", "");
  c.file = TRY(codec::mud::parse_strict(c.text));
  return std::optional<MudCopy>(std::move(c));
}

Result<MudCopy> MudManager::fetch(const std::string& url, const std::string& device) {
  auto log = [&](bool ok, const std::string& reason, Json detail) {
    detail["url"] = url;
    (void)site_.inventory().append(
        store::Event{0, 0, device, "mud.fetch", ok ? "ok" : "refused", reason, detail.dump()});
  };
  auto attempt = [&]() -> Result<MudCopy> {
    auto u = net::Url::parse(url);
    if (!u) return make_error("mud.url", "not an https MUD URL: " + url);
    std::vector<crypto::Certificate> anchors;
    for (const auto& m : TRY(site_.inventory().manufacturers()))
      anchors.push_back(TRY(crypto::Certificate::from_pem(m.root_pem)));
    // RFC 8520 section 2 / RFC 2818: the server's certificate must verify and name the host.
    auto tls = TRY(crypto::TlsContext::client(nullptr, anchors, u->host));
    auto client = TRY_CTX(net::HttpClient::connect(u->host, u->port, tls, 10), "MUD server");
    std::string text = TRY(get(*client, u->path, "application/mud+json"));
    // The signature comes first: nothing in the file is used before it verifies (RFC 8520 13.2).
    auto parsed_unsafe = codec::mud::parse_strict(text);
    std::string sig_url = parsed_unsafe && !parsed_unsafe->mud_signature.empty()
                              ? parsed_unsafe->mud_signature
                              : url + ".p7s";
    auto su = net::Url::parse(sig_url);
    if (!su || su->host != u->host || su->port != u->port)
      return make_error("mud.signature",
                        "the signature is not on the MUD file's server: " + sig_url);
    std::string sig = TRY(get(*client, su->path, "application/pkcs7-signature"));
    Bytes content = to_bytes(text);
    auto verified = crypto::cms_verify(to_bytes(sig), anchors, &content);
    if (!verified)
      return make_error("mud.signature",
                        "the MUD file's signature does not verify: " + verified.error().message);
    // The bytes are verified now; their parse (done above only to find the signature) stands.
    if (!parsed_unsafe) return parsed_unsafe.error();
    codec::mud::File file = std::move(*parsed_unsafe);
    if (file.mud_url != url)
      return make_error("mud.url-mismatch", "the file's mud-url is " + file.mud_url);
    MudCopy c{url, text, std::move(file), time::now(), verified->signer.subject(), ""};
    for (const auto& a : anchors)
      if (crypto::verify_chain(verified->signer, verified->certificates, {a})) {
        c.anchor = hex_encode(a.fingerprint_sha256());
        break;
      }
    std::string base = cache_base(site_.state_dir(), url);
    TRY(fs::make_dirs(fs::join(site_.state_dir(), "mud-cache"), 0755));
    TRY(fs::write_file_atomic(base + ".p7s", sig, 0644));
    TRY(fs::write_file_atomic(base + ".json", text, 0644));
    TRY(fs::write_file_atomic(
        base + ".meta.json",
        Json{{"url", url}, {"fetched_at", c.fetched_at}, {"signer", c.signer}, {"anchor", c.anchor}}
            .dump(2),
        0644));
    return c;
  };
  auto r = attempt();
  if (r)
    log(true, "MUD file verified", Json{{"signer", r->signer}});
  else
    log(false, r.error().code, Json{{"message", r.error().message}});
  return r;
}

Status MudManager::judge_claim(const store::DeviceRecord& d) {
  const std::string& url = d.mud_url_claimed;
  auto copy = TRY(fetch(url, d.serial));
  Json detail{{"url", url}, {"source", d.mud_url_claimed_source}, {"signer", copy.signer}};
  // The manufacturer root the device's own IDevID chains to must be the file's.
  auto chain = TRY(crypto::Certificate::chain_from_pem(d.idevid_pem));
  std::vector<crypto::Certificate> untrusted(chain.begin() + 1, chain.end());
  bool same = false;
  for (const auto& m : TRY(site_.inventory().manufacturers()))
    if (m.fingerprint == copy.anchor)
      same = crypto::verify_chain(chain[0], untrusted,
                                  {TRY(crypto::Certificate::from_pem(m.root_pem))})
                 .ok();
  store::Event ev{
      0,
      0,
      d.serial,
      "mud.claim",
      same ? "ok" : "refused",
      same ? "accepted: signed under the device's manufacturer root" : "mud.signer-manufacturer",
      ""};
  if (!same)
    detail["message"] = "the MUD file is signed by " + copy.signer +
                        ", not under the root that issued the device's IDevID";
  ev.detail = detail.dump();
  TRY(site_.inventory().set_mud_claim_status(d.serial, url, same ? "accepted" : "refused", ev));
  if (!same) return make_error("mud.signer-manufacturer", detail["message"].get<std::string>());
  return ok_status();
}

void MudManager::refresh_due() {
  // Only the URLs of devices in service: this runs every second, and a whole-inventory read
  // holds the inventory (and so every registrar request) for the length of it.
  auto devices = site_.inventory().mud_urls_in_service();
  if (!devices) return;
  std::map<std::string, std::string> urls;  // url -> a device that uses it
  // url -> the devices using it that a file saying is-supported: false would move (those that
  // are not unsupported already, and not merely enrolled)
  std::map<std::string, std::vector<const store::DeviceMudUrls*>> users;
  for (const auto& d : *devices) {
    if (!d.enforced_mud_url().empty() && d.state != "unsupported" && d.state != "enrolled")
      users[d.enforced_mud_url()].push_back(&d);
    if (d.mud_url.empty() && d.mud_url_claimed_status == "pending") {
      if (time::now() - last_try_[d.mud_url_claimed] < 10) continue;
      last_try_[d.mud_url_claimed] = time::now();
      auto full = site_.inventory().get(d.serial);
      if (full && *full) (void)judge_claim(**full);  // every outcome is in the evidence log
      continue;
    }
    if (!d.enforced_mud_url().empty()) urls.emplace(d.enforced_mud_url(), d.serial);
  }
  std::vector<std::string> unsupported;
  for (const auto& [url, device] : urls) {
    auto c = cached(site_.state_dir(), url);
    if (c && *c && !(*c)->file.is_supported) unsupported.push_back(url);
    int64_t age = c && *c ? time::now() - (*c)->fetched_at : INT64_MAX;
    int64_t validity = c && *c ? int64_t{(*c)->file.cache_validity} * 3600 : 0;
    if (c && *c && age < validity) continue;
    // Failures are logged by fetch(); a cached copy stays in force (RFC 8520 section 16).
    if (time::now() - last_try_[url] < 10) continue;  // do not hammer a failing server
    last_try_[url] = time::now();
    (void)fetch(url, device);
  }
  // A verified file that says its devices are no longer supported (RFC 8520 is-supported) moves
  // them to "unsupported"; the policy decides their segment from then on.
  for (const auto& url : unsupported) {
    for (const auto* d : users[url]) {
      const std::string& serial = d->serial;
      (void)site_.inventory().transition(
          serial, store::Transition::kUnsupported, store::Actor::kMudManager,
          store::Event{
              0, 0, serial, "device.unsupported", "ok", "its MUD file says is-supported: false",
              Json{
                  {"from", d->state}, {"to", "unsupported"}, {"url", url}, {"actor", "mud-manager"}}
                  .dump()});
    }
  }
}

void MudManager::start(int interval_ms) {
  if (running_.exchange(true)) return;
  loop_ = std::thread([this, interval_ms] {
    while (running_) {
      refresh_due();
      for (int waited = 0; running_ && waited < interval_ms; waited += 50)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void MudManager::stop() {
  running_ = false;
  if (loop_.joinable()) loop_.join();
}

}  // namespace gh::svc
