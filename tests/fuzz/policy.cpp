// The site's authorization policy (proto/policy.h): YAML an operator loads with `site policy`,
// refused whole on any error. A policy that loads is evaluated once.
#include "proto/policy.h"

#include "fuzz_util.h"

namespace policy = gh::proto::policy;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto p = policy::Policy::parse_yaml(gh::fuzz::text(data, size), "fuzz");
  if (!p) {
    // Refused whole: as malformed, or as larger (bytes, nodes, nesting) than a policy may be.
    gh::fuzz::check(p.error().code == "policy.file" || p.error().code == "policy.size");
    return 0;
  }
  policy::Subject s{"SN-1",  "acme", "th-100", "", "owner", "https://mud.example/x.json",
                    "brski", "pass", "bundle"};
  auto d = policy::evaluate(*p, s);
  gh::fuzz::check(!d.segment.empty());
  (void)d.to_json();
  return 0;
}
