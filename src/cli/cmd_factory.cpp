// gatehouse factory ...: the device manufacturer.
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "cli/cmds.h"
#include "cli/output.h"
#include "common/fs.h"
#include "crypto/x509.h"
#include "svc/factory/factory.h"

namespace gh::cli {

int factory_init(const Args& a) {
  svc::FactoryInitOptions o;
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto name = required(a, "name");
  if (!name) return fail(name.error());
  o.state_dir = *state;
  o.name = *name;
  // The MASA URL goes into every IDevID for good: a made-up host there surfaces only at the
  // first real onboarding ("cannot resolve"), so a placeholder is made only when asked for.
  auto masa_url = https_url(a, "masa-url");
  if (!masa_url) return fail(masa_url.error());
  if (masa_url->empty() == !a.has("masa-url-placeholder"))
    return fail(make_error(
        "usage", a.has("masa-url")
                     ? "give --masa-url URL or --masa-url-placeholder, not both"
                     : "--masa-url URL is required: the MASA's address, written into every "
                       "IDevID (--masa-url-placeholder: a made-up one, for devices that will "
                       "never onboard by BRSKI)"));
  o.masa_url = *masa_url;
  auto app_url = https_url(a, "app-url");
  if (!app_url) return fail(app_url.error());
  o.app_url = *app_url;
  o.serial_prefix = a.get("serial-prefix");
  o.keystore = a.get("keystore", "file");
  auto curve = crypto::parse_curve(a.get("root-curve", "P-256"));
  if (!curve) return fail(make_error("usage", "--root-curve must be P-256, P-384 or P-521"));
  o.root_curve = *curve;
  if (o.keystore != "file" && o.keystore != "pkcs11")
    return fail(make_error("usage", "--keystore must be file or pkcs11"));
  if (o.keystore == "pkcs11") {
    o.pkcs11.module = a.get("pkcs11-module", "/usr/lib/softhsm/libsofthsm2.so");
    o.pkcs11.token = a.get("pkcs11-token");
    if (o.pkcs11.token.empty())
      return fail(make_error("usage", "--keystore pkcs11 needs --pkcs11-token LABEL"));
  }
  auto st = svc::Factory::init(o);
  if (!st) return fail(st.error());
  auto f = svc::Factory::open(o.state_dir);
  if (!f) return fail(f.error());
  const std::string dir = std::filesystem::absolute(o.state_dir).lexically_normal().string();
  std::cout << "factory '" << o.name << "' initialised in " << dir << "\n"
            << "manufacturer root: " << fs::join(dir, "pki/root.pem")
            << " (SHA256:" << hex_encode((*f)->root().fingerprint_sha256())
            << "; give it to the sites you sell to)\n"
            << "MASA URL in every IDevID: " << (*f)->masa_url()
            << (o.masa_url.empty() ? " (a placeholder: these devices cannot onboard by BRSKI)" : "")
            << "\n";
  return kExitOk;
}

int factory_make(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  svc::MakeOptions o;
  auto model = required(a, "model");
  if (!model) return fail(model.error());
  auto out = required(a, "out");
  if (!out) return fail(out.error());
  auto count = a.get_int_in("count", 1, 1, 10'000'000);
  if (!count) return fail(count.error());
  auto workers = a.get_int_in("workers", 0, 0, 1024);
  if (!workers) return fail(workers.error());
  auto mud_url = https_url(a, "mud-url");
  if (!mud_url) return fail(mud_url.error());
  o.model = *model;
  o.out_dir = *out;
  o.count = *count;
  o.workers = *workers;
  o.mud_url = *mud_url;
  o.device_keystore = a.get("device-keystore", "file");
  auto f = svc::Factory::open(*state);
  if (!f) return fail(f.error());
  // Each serial (or, with --json, each element of one array) is flushed as it is made, for a
  // reader downstream of the production line; the progress line goes to a terminal only.
  const bool json = a.has("json");
  Progress progress(!json || ::isatty(1) != 1);  // (an array being written is no line to draw over)
  int64_t n = 0;
  if (json) std::cout << "[" << std::flush;
  auto made = (*f)->make(o, [&](const svc::MadeDevice& d) {
    if (json)
      std::cout << (n == 0 ? "\n  " : ",\n  ")
                << Json{{"serial", d.serial}, {"image", d.image_dir}, {"dpp_uri", d.dpp_uri}}.dump()
                << std::flush;
    else
      progress.write_above(std::cout, d.serial + "\n");
    progress.update("making devices", ++n, o.count);
  });
  progress.done();
  if (json) std::cout << (n == 0 ? "]" : "\n]") << std::endl;  // what was made, even on failure
  if (!made) return fail(made.error());
  return kExitOk;
}

int factory_sell(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  svc::SellOptions o;
  o.serials = a.all("serial");
  auto owner = required(a, "owner-cert");
  if (!owner) return fail(owner.error());
  auto bundle = required(a, "bundle");
  if (!bundle) return fail(bundle.error());
  auto pem = fs::read_file_limited(*owner, crypto::kMaxPemFileBytes, "cert.size");
  if (!pem) return fail(pem.error().context("--owner-cert"));
  o.owner_cert_pem = *pem;
  for (const auto& p : a.all("onboarder-cert")) {
    auto t = fs::read_file_limited(p, crypto::kMaxPemFileBytes, "cert.size");
    if (!t) return fail(t.error().context("--onboarder-cert"));
    o.onboarder_cert_pems.push_back(*t);
  }
  if (a.has("serials-from")) {
    // One serial a line: a megabyte is some 50,000 devices, more than a bundle holds.
    auto t = fs::read_file_limited(a.get("serials-from"), 1024 * 1024, "serials.size");
    if (!t) return fail(t.error().context("--serials-from"));
    size_t start = 0;
    while (start < t->size()) {
      size_t nl = t->find('\n', start);
      std::string line = t->substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!line.empty()) o.serials.push_back(line);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  o.bundle_path = *bundle;
  o.transfer = a.has("transfer");
  auto f = svc::Factory::open(*state);
  if (!f) return fail(f.error());
  auto n = (*f)->sell(o);
  if (!n) return fail(n.error());
  std::cout << "sold " << *n << " device(s); bundle written to " << o.bundle_path << "\n";
  return kExitOk;
}

int factory_publish_mud(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto model = required(a, "model");
  if (!model) return fail(model.error());
  auto file = required(a, "file");
  if (!file) return fail(file.error());
  auto f = svc::Factory::open(*state);
  if (!f) return fail(f.error());
  auto out = (*f)->publish_mud(*model, *file);
  if (!out) return fail(out.error());
  std::cout << "published " << *out << " and its signature " << *out << ".p7s\n";
  return kExitOk;
}

int factory_devices(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto f = svc::Factory::open(*state);
  if (!f) return fail(f.error());
  auto list = (*f)->registry().list(a.get("state-filter"));
  if (!list) return fail(list.error());
  if (a.has("json")) {
    Json arr = Json::array();
    for (const auto& d : *list)
      arr.push_back(Json{{"serial", d.serial},
                         {"model", d.model},
                         {"state", d.state},
                         {"owner", d.owner_name},
                         {"declaration_version", d.declaration_version},
                         {"image", d.image_dir},
                         {"mud_url", d.mud_url}});
    print_json(arr);
    return kExitOk;
  }
  if (list->empty()) {
    std::cout << "no devices (factory make makes them)\n";
    return kExitOk;
  }
  Table t({"serial", "model", "state", "owner", "declaration", "made"});
  for (const auto& d : *list)
    t.add({d.serial, d.model, d.state, d.owner_name, "v" + std::to_string(d.declaration_version),
           readable_time(d.made_at)});
  t.print(std::cout);
  return kExitOk;
}

}  // namespace gh::cli
