// TUF metadata (proto/tuf.h): read by every device and site from a repository or a mirror that
// anyone on the path may impersonate, before any signature is known good. Each role's reader, the
// root's self-check and delegation path matching; the canonical form must be stable (what a
// signature covers does not depend on how the text was written).
#include "proto/tuf.h"

#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string in(gh::fuzz::text(data, size));
  auto env = gh::tuf::parse_envelope(in);
  if (!env) return 0;
  auto again = gh::parse_json(env->signed_part.dump(), "again");
  gh::fuzz::check(again.ok());
  auto canonical = gh::tuf::canonical_json(*again);
  gh::fuzz::check(canonical.ok() && *canonical == env->canonical);
  (void)gh::tuf::parse_root(env->signed_part);
  (void)gh::tuf::parse_timestamp(env->signed_part);
  (void)gh::tuf::parse_snapshot(env->signed_part);
  if (auto t = gh::tuf::parse_targets(env->signed_part)) {
    for (const auto& d : t->delegations)
      for (const auto& p : d.paths)
        for (const auto& [path, info] : t->targets) (void)gh::tuf::path_matches(p, path);
  }
  (void)gh::tuf::TrustedSet::from_root(in, 0);
  return 0;
}
