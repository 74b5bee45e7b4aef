// hostapd's debug output (svc/router/authenticator.h HostapdLogParser): lines that carry what an
// 802.1X supplicant sent (certificate subjects, TLS alerts), read into authenticated sessions.
#include "fuzz_util.h"
#include "svc/router/authenticator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = gh::fuzz::text(data, size);
  gh::svc::HostapdLogParser parser("eth1");
  std::vector<gh::svc::EapEvent> events;
  gh::time::Seconds now = 1000;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    events.clear();
    parser.feed(line, ++now, &events);
    for (const auto& e : events) {
      gh::fuzz::check(e.port == "eth1" && !e.mac.empty());
      // A session is only ever bound to a certificate from this handshake.
      if (e.kind == "authenticated") gh::fuzz::check(!e.cert_serial.empty());
    }
    if (const auto* s = parser.session()) gh::fuzz::check(!s->cert_serial.empty());
  }
  return 0;
}
