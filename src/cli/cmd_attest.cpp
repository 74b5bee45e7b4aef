// Attestation: gatehouse factory firmware, device attest, site attest nonce|appraise|show.
#include <iostream>

#include "cli/cmds.h"
#include "cli/output.h"
#include "common/fs.h"
#include "svc/device/attester.h"
#include "svc/device/device_run.h"
#include "svc/factory/factory.h"
#include "svc/site/verifier.h"

namespace gh::cli {

namespace {

// The largest token `site attest appraise` reads (the verifier refuses beyond its own limit).
constexpr size_t kMaxTokenFile = 64 * 1024;

Result<Bytes> nonce_arg(const Args& a) {
  auto hex = TRY(required(a, "nonce"));
  auto n = hex_decode(hex);
  if (!n) return make_error("usage", "--nonce takes hex");
  return *n;
}

// The site's verifier for `site attest ...`: the site's state and the device named by --serial.
struct SiteVerifier {
  std::unique_ptr<svc::Site> site;
  std::unique_ptr<svc::Verifier> verifier;
  std::string serial;
};
Result<SiteVerifier> open_verifier(const Args& a) {
  SiteVerifier out;
  auto state = TRY(required(a, "state"));
  out.serial = TRY(required(a, "serial"));
  out.site = TRY(svc::Site::open(state));
  out.verifier = TRY(svc::Verifier::open(*out.site));
  return out;
}

}  // namespace

int factory_firmware(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto model = required(a, "model");
  if (!model) return fail(model.error());
  auto version = required(a, "version");
  if (!version) return fail(version.error());
  auto files = name_value_pairs(a, "component");
  if (!files) return fail(files.error());
  auto f = svc::Factory::open(*state);
  if (!f) return fail(f.error());
  auto r = (*f)->add_release(*model, *version, a.get("swname"), *files);
  if (!r) return fail(r.error());
  std::cout << "released " << *model << " " << *version << " (" << r->manifest.components.size()
            << " components); reference values signed: " << r->dir << "/reference-values.corim\n";
  return kExitOk;
}

int device_attest(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto nonce = nonce_arg(a);
  if (!nonce) return fail(nonce.error());
  auto token = svc::make_evidence(*state, *nonce);
  if (!token) return fail(token.error());
  if (a.has("out")) {
    auto st = fs::write_file_atomic(a.get("out"), to_string(*token), 0644);
    if (!st) return fail(st.error());
    std::cout << "evidence written: " << a.get("out") << " (" << token->size() << " bytes)\n";
  } else {
    std::cout << hex_encode(*token) << "\n";
  }
  return kExitOk;
}

int site_attest_nonce(const Args& a) {
  auto v = open_verifier(a);
  if (!v) return fail(v.error());
  auto n = v->verifier->challenge(v->serial);
  if (!n) return fail(n.error());
  std::cout << hex_encode(*n) << "\n";
  return kExitOk;
}

int site_attest_appraise(const Args& a) {
  auto nonce = nonce_arg(a);
  if (!nonce) return fail(nonce.error());
  if (a.positional.size() != 1)
    return fail(make_error("usage", "site attest appraise takes one TOKEN file"));
  auto token = fs::read_file_limited(a.positional[0], kMaxTokenFile, "evidence.size");
  if (!token) return fail(token.error());
  auto v = open_verifier(a);
  if (!v) return fail(v.error());
  const std::string& serial = v->serial;
  auto out = v->verifier->appraise(serial, *nonce, to_bytes(*token));
  if (!out) return fail(out.error());
  if (a.has("ear")) {
    auto st = fs::write_file_atomic(a.get("ear"), out->ear_jwt + "\n", 0644);
    if (!st) return fail(st.error());
  }
  const auto& ap = out->appraisal;
  if (a.has("json")) {
    Json j = out->ear.to_json();
    j["gatehouse.action"] = out->action;
    print_json(j);
  } else {
    std::cout << serial << ": " << codec::ear::tier_name(ap.status) << " (" << ap.check << ": "
              << ap.reason << ")";
    if (out->action != "keep") std::cout << "; policy: " << out->action;
    std::cout << "\n";
  }
  if (ap.status == codec::ear::Tier::kAffirming) return kExitOk;
  std::cerr << "gatehouse: attestation " << codec::ear::tier_name(ap.status) << ": " << ap.reason
            << " [" << ap.check << "]\n";
  return kExitRefused;
}

int site_attest_show(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto serial = required(a, "serial");
  if (!serial) return fail(serial.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto rec = (*site)->inventory().get(*serial);
  if (!rec) return fail(rec.error());
  if (!*rec) return fail(make_error("inventory.unknown", *serial + " is not in the inventory"));
  auto list = (*site)->inventory().attestations(*serial);
  if (!list) return fail(list.error());
  if (a.has("json")) {
    Json j = Json::array();
    for (const auto& r : *list)
      j.push_back(Json{{"at", time::format_rfc3339(r.at)},
                       {"status", r.status},
                       {"check", r.check},
                       {"reason", r.reason},
                       {"release", r.release},
                       {"about_device", r.about_device},
                       {"ear", r.ear}});
    print_json(j);
    return kExitOk;
  }
  if (list->empty()) {
    std::cout << *serial << " has not been appraised\n";
    return kExitOk;
  }
  Table t({"time", "status", "check", "reason"});
  for (const auto& r : *list)
    t.add({readable_time(r.at), r.status, r.check,
           r.reason +
               (r.about_device ? "" : " (not the device's own fresh evidence: recorded only)")});
  t.print(std::cout);
  return kExitOk;
}

}  // namespace gh::cli

namespace gh::cli {

int device_run(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  svc::DeviceRunOptions o;
  o.device_dir = *state;
  auto site_url = https_url(a, "site");
  if (!site_url) return fail(site_url.error());
  o.site_url = *site_url;
  auto interval = a.get_int("interval", 0);
  if (!interval) return fail(interval.error());
  auto rounds = a.get_int("rounds", 0);
  if (!rounds) return fail(rounds.error());
  if (*interval < 0 || *rounds < 0)
    return fail(make_error("usage", "--interval and --rounds take 0 or more"));
  o.interval_s = *interval;
  o.rounds = *rounds;
  o.updates = !a.has("no-updates");
  o.renew_new_key = !a.has("keep-key");
  if (a.has("renew-at")) {
    std::string f = a.get("renew-at");
    char* end = nullptr;
    double v = std::strtod(f.c_str(), &end);
    if (f.empty() || *end != '\0' || !(v > 0 && v < 1))
      return fail(make_error("usage", "--renew-at takes a fraction between 0 and 1, e.g. 0.667"));
    o.renew_at = v;
  }
  bool json = a.has("json");
  o.on_update = [json](const std::string& what) {
    if (json)
      std::cout << Json{{"at", time::format_rfc3339(time::now())}, {"step", what}}.dump()
                << std::endl;
    else
      std::cout << time::format_rfc3339(time::now()) << " " << what << std::endl;
  };
  o.on_round = [json](const Result<svc::AttestReply>& r) {
    std::string at = time::format_rfc3339(time::now());
    if (json) {
      Json j{{"at", at}};
      if (r) {
        j.update(Json{{"status", r->status},
                      {"check", r->check},
                      {"action", r->action},
                      {"interval", r->interval_s}});
      } else {
        j.update(Json{{"error", r.error().code}, {"message", r.error().message}});
      }
      std::cout << j.dump() << std::endl;
    } else if (r) {
      std::cout << at << " attestation " << r->status << " (" << r->check << ")"
                << (r->action != "keep" ? "; site: " + r->action : "") << std::endl;
    } else {
      std::cout << at << " attestation failed: " << r.error().str() << std::endl;
    }
  };
  auto st = svc::run_device(o);
  if (!st) return fail(st.error());
  return kExitOk;
}

}  // namespace gh::cli
