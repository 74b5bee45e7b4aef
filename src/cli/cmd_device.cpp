// gatehouse device ...: the on-device agent (the parts that exist before onboarding).
#include <iostream>

#include "cli/cmds.h"
#include "common/fs.h"
#include "common/json.h"
#include "crypto/x509.h"
#include "device/image.h"
#include "svc/device/device_connect.h"
#include "svc/device/renewal.h"

namespace gh::cli {

int device_status(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto image = device::Image::open(*state);
  if (!image) return fail(image.error());
  auto idevid = fs::read_file(fs::join(*state, "bootstrap/idevid.pem"));
  Json out = image->info().json;
  if (idevid) {
    if (auto c = crypto::Certificate::from_pem(*idevid)) {
      out["idevid"] = Json{{"subject", c->subject()},
                           {"issuer", c->issuer()},
                           {"not_after", time::format_rfc3339(c->not_after())}};
    }
  }
  auto network = fs::read_file(fs::join(*state, "onboarding/network.json"));
  bool onboarded = network.ok();
  out["onboarded"] = onboarded;
  std::string method;
  if (network)
    if (auto n = parse_json(*network, "network.json")) method = json_string_or(*n, "method", "");
  if (onboarded) out["onboarding-method"] = method;
  out.erase("factory-keys");
  if (a.has("json")) {
    print_json(out);
    return kExitOk;
  }
  std::cout << "serial        " << out.value("serial-number", "") << "\n"
            << "model         " << out.value("model", "") << "\n"
            << "manufacturer  " << out.value("manufacturer", "") << "\n"
            << "keystore      " << out.value("keystore", "") << "\n"
            << "onboarded     "
            << (onboarded ? "yes, by " + method : "no (bootstrap credentials only)") << "\n";
  return kExitOk;
}

int device_reset(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (Status st = svc::factory_reset(*state); !st) return fail(st.error());
  std::cout << "factory reset: kept bootstrap/ and the birth keys; onboarding state removed\n";
  return kExitOk;
}

int device_connect(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  svc::ConnectOptions o;
  o.device_dir = *state;
  // 802.1X on this host's own interface would take its network away: eth0 is assumed only in a
  // network namespace of the device's own (the lab's `ip netns exec`).
  o.iface = a.get("iface");
  if (o.iface.empty()) {
    if (svc::network_namespace() != svc::NetNamespace::kOwn)
      return fail(
          make_error("usage",
                     "--iface IF is required here: this is not a device's own network namespace "
                     "(without --iface, device connect uses eth0 only under ip netns exec)"));
    o.iface = "eth0";
  }
  if (o.iface.size() > 15 || o.iface.find_first_of("/ \t\n\"") != std::string::npos)
    return fail(make_error("usage", "--iface takes an interface name"));
  o.server_name = a.get("server-name");
  auto t = a.get_int_in("timeout", o.timeout_s, 1, 3600);
  if (!t) return fail(t.error());
  o.timeout_s = *t;
  auto r = svc::connect_8021x(o);
  if (!r) return fail(r.error());
  if (a.has("json")) {
    print_json(Json{{"serial", r->serial},
                    {"iface", r->iface},
                    {"certificate_serial", r->certificate_serial},
                    {"server_name", r->server_name}});
  } else {
    std::cout << r->serial << ": 802.1X authorized on " << r->iface << " with LDevID "
              << r->certificate_serial << "\n";
  }
  return kExitOk;
}

int device_disconnect(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (Status st = svc::disconnect_8021x(*state); !st) return fail(st.error());
  std::cout << "802.1X session ended (EAPOL-Logoff sent, supplicant stopped)\n";
  return kExitOk;
}

}  // namespace gh::cli
