#include "cli/cmds.h"

namespace gh::cli {
namespace {
OptionSpec opt(std::string name, std::string help, bool value = true, bool repeat = false) {
  return OptionSpec{std::move(name), value, repeat, std::move(help)};
}
const OptionSpec kState = opt("state", "the role's state directory");
const OptionSpec kJson = opt("json", "print JSON", false);
}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"factory init", "Create the manufacturer's CA hierarchy and signing identities (IR 8350 5.1.1 step 1).",
       "factory init --state DIR --name NAME [--masa-url URL] [--app-url URL] [--keystore file|pkcs11] [--root-curve C]",
       {kState, opt("name", "manufacturer name"), opt("masa-url", "MASA URL written into every IDevID"),
        opt("app-url", "application-layer service URL for device bootstrap info"),
        opt("serial-prefix", "prefix of device serials (default from the name)"),
        opt("keystore", "where CA keys live: file (default) or pkcs11"),
        opt("root-curve", "the root CA's curve: P-256 (default), P-384 or P-521"),
        opt("pkcs11-module", "PKCS#11 module (default SoftHSM2)"), opt("pkcs11-token", "PKCS#11 token label; PIN from $GATEHOUSE_PKCS11_PIN")},
       factory_init},
      {"factory make", "Run the production line: keys made on each device, IDevID, DPP URI and QR, declaration.",
       "factory make --state DIR --model MODEL --count N --out DIR [--mud-url URL] [--device-keystore file|tpm] [--json]",
       {kState, opt("model", "device model"), opt("count", "how many devices"), opt("out", "where device images go"),
        opt("mud-url", "MUD URL for the IDevID (https)"), opt("device-keystore", "file (default) or tpm (swtpm per device)"),
        opt("workers", "production threads (default: one per core)"), kJson},
       factory_make},
      {"factory sell", "Transfer ownership and write the purchaser's signed bootstrapping bundle.",
       "factory sell --state DIR --serial S [--serial S ...] --owner-cert PEM [--onboarder-cert PEM ...] --bundle OUT",
       {kState, opt("serial", "a device to sell", true, true), opt("serials-from", "file with one serial per line"),
        opt("owner-cert", "the purchaser's domain CA certificate"),
        opt("onboarder-cert", "an authorized onboarder's domain CA certificate", true, true),
        opt("bundle", "where to write the bundle"), opt("transfer", "allow a resale of devices another purchaser owns", false)},
       factory_sell},
      {"factory publish-mud", "Sign a model's MUD file (detached CMS, RFC 8520).",
       "factory publish-mud --state DIR --model MODEL --file MUD.json",
       {kState, opt("model", "device model"), opt("file", "the MUD file")}, factory_publish_mud},
      {"factory devices", "List manufactured devices.", "factory devices --state DIR [--json]",
       {kState, opt("state-filter", "only devices in this state (reserved, made, scrapped)"), kJson}, factory_devices},
      {"masa serve", "Serve the MASA (RFC 8995 vouchers, audit log) on the factory's state.",
       "masa serve --state DIR --listen HOST:PORT", {kState, opt("listen", "address to listen on (port 0 picks one)")},
       masa_serve},
      {"site serve", "Serve the registrar: BRSKI and EST for pledges.",
       "site serve --state DIR --listen HOST:PORT [--ldevid-days N]",
       {kState, opt("listen", "address to listen on (port 0 picks one)"), opt("ldevid-days", "LDevID lifetime (default 90)"),
        opt("ldevid-seconds", "LDevID lifetime in seconds (overrides --ldevid-days)"),
        opt("no-audit-log-check", "do not refuse devices another domain onboarded (RFC 8995 5.8.3)", false)},
       site_serve},
      {"site init", "Create the site's domain CA and registrar identity.", "site init --state DIR --name NAME [--dns NAME ...]",
       {kState, opt("name", "site (domain) name"), opt("dns", "registrar DNS name", true, true)}, site_init},
      {"site import", "Verify a bootstrapping bundle and expect its devices.",
       "site import --state DIR BUNDLE [--trust-anchor ROOT.pem] [--json]",
       {kState, opt("trust-anchor", "manufacturer root to trust for this and later bundles"), kJson}, site_import},
      {"site trust add", "Trust a manufacturer root for bundles.", "site trust add --state DIR ROOT.pem", {kState},
       site_trust_add},
      {"site devices", "List the inventory.", "site devices --state DIR [--json]", {kState, kJson}, site_devices},
      {"site events", "Show the evidence log.", "site events --state DIR [--serial S] [--json]",
       {kState, opt("serial", "only this device"), kJson}, site_events},
      {"device status", "Show a device image's identity and state.", "device status --state DEVDIR [--json]",
       {kState, kJson}, device_status},
      {"device onboard", "Onboard the device by BRSKI: voucher, then LDevID by EST.",
       "device onboard --state DEVDIR --brski https://HOST:PORT [--timeout S] [--json]",
       {kState, opt("brski", "the registrar's URL"), opt("timeout", "give up retrying after S seconds (default 120)"), kJson},
       device_onboard},
      {"device reset", "Factory reset: keep only bootstrap/ and the birth keys.", "device reset --state DEVDIR", {kState},
       device_reset},
      {"bench factory", "Measure the production line: devices per second and peak memory.",
       "bench factory [--count N] [--workers W] [--dir DIR] [--json]",
       {opt("count", "devices to make (default 1000)"), opt("workers", "threads (default: one per core)"),
        opt("dir", "where to stage state and device images (default /dev/shm)"),
        opt("keep", "keep the temporary state", false), kJson},
       bench_factory},
      {"bench brski", "Measure BRSKI onboarding: N pledges against a registrar and a MASA in their own processes.",
       "bench brski [--devices N] [--concurrency C] [--site URL --images DIR] [--dir DIR] [--json]",
       {opt("devices", "pledges (default 500)"), opt("concurrency", "pledges at once (default 64)"),
        opt("site", "drive an existing registrar instead of starting one"), opt("images", "with --site: device images"),
        opt("dir", "where temporary state goes (default /dev/shm)"), kJson},
       bench_brski},
  };
  return table;
}

}  // namespace gh::cli
