// The site's mirror of its manufacturers' update repositories (IR 8350 7: devices need no route
// to the internet). The site is a TUF client of each manufacturer's repository, starting from the
// root.json its bootstrapping bundle carried (signed with the bundle); what it has verified it
// serves to its devices byte for byte, so that each device verifies the manufacturer's signatures
// itself: the mirror is a convenience, never a trusted party. Reference values published with a
// release are imported into the verifier's store as they arrive.
//   STATE/mirror/<id>/source.json   {"manufacturer", "url", "root-fingerprint"}
//   STATE/mirror/<id>/trusted/      the site's own trusted metadata (the TUF client's)
//   STATE/mirror/<id>/repository/   what devices are served: metadata/, targets/
// <id> is the first 16 hex digits of the manufacturer root's SHA-256 fingerprint.
#pragma once

#include <string>
#include <vector>

#include "crypto/x509.h"
#include "svc/common/tuf_updater.h"

namespace gh::svc {

class Site;

struct MirrorSource {
  std::string id;
  std::string manufacturer;
  std::string url;  // https://host:port/tuf/
  std::string root_fingerprint;
  std::string dir;  // STATE/mirror/<id>
};

std::string mirror_id(const crypto::Certificate& manufacturer_root);
// Whether a bundle's update repository can be used: a TUF root its own keys sign, an https URL
// ("bundle.update" otherwise). Checked before the bundle changes anything.
Status check_update_source(const std::string& root_json, const std::string& url);
// Records where a manufacturer's repository is and its first trusted root (kept if the mirror
// already trusts a root: a bundle never takes the mirror back to an older one).
Status record_update_source(const std::string& state_dir, const std::string& manufacturer,
                            const crypto::Certificate& root, const std::string& root_json,
                            const std::string& url);
Result<std::vector<MirrorSource>> mirror_sources(const std::string& state_dir);
// The repository directory devices are served from, for the manufacturer of that root.
std::string mirror_repository_dir(const std::string& state_dir, const std::string& id);

struct MirrorReport {
  std::string id;
  std::string manufacturer;
  int64_t timestamp_version = 0;
  size_t targets = 0;
  size_t downloaded = 0;
  std::vector<std::string> releases;  // "model version", each with its reference values imported
};

// Brings one mirror up to date through fetcher (refresh, every target downloaded and checked,
// then the metadata published for devices with the timestamp last).
Result<MirrorReport> sync_mirror(Site& site, const MirrorSource& source, TufFetcher& fetcher);
// Every source, over HTTPS (the server's certificate must chain to the manufacturer's root).
Result<std::vector<MirrorReport>> sync_mirrors(Site& site);

// The releases of a model the mirror of id holds, oldest first (from its trusted targets).
Result<std::vector<std::string>> mirrored_versions(const std::string& state_dir,
                                                   const std::string& id, const std::string& model);

}  // namespace gh::svc
