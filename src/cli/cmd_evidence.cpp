// The evidence an auditor can check: the site's log as a signed Merkle tree, exported and
// verified offline.
#include <fstream>
#include <iostream>

#include "cli/cmds.h"
#include "common/fs.h"
#include "svc/site/evidence_export.h"
#include "svc/site/site.h"

namespace gh::cli {

int site_evidence_checkpoint(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto note = svc::checkpoint_evidence(**site);
  if (!note) return fail(note.error());
  std::cout << *note;
  return kExitOk;
}

int site_evidence_export(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  svc::EvidenceExportOptions o;
  if (a.has("since")) {
    auto t = time::parse_rfc3339(a.get("since"));
    if (!t) return fail(make_error("usage", "--since takes a time such as 2026-12-01T00:00:00Z"));
    o.since = *t;
  }
  o.serial = a.get("serial");
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  if (!o.serial.empty()) {
    auto d = (*site)->inventory().get(o.serial);
    if (!d) return fail(d.error());
    if (!*d) return fail(make_error("device.unknown", o.serial + " is not in the inventory"));
  }
  std::string out_path = a.get("out");
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path + ".tmp", std::ios::trunc);
    if (!file) return fail(make_error("io", "cannot write " + out_path));
  }
  auto r = svc::export_evidence(**site, o, out_path.empty() ? std::cout : file);
  if (!r) return fail(r.error());
  if (!out_path.empty()) {
    file.close();
    if (std::rename((out_path + ".tmp").c_str(), out_path.c_str()) != 0)
      return fail(make_error("io", "cannot write " + out_path));
    Json j{{"file", out_path},
           {"tree_size", r->tree_size},
           {"exported", r->exported},
           {"public_key", (*site)->state_dir() + "/evidence-signer.pem"}};
    if (a.has("json"))
      print_json(j);
    else
      std::cerr << "exported " << r->exported << " of " << r->tree_size
                << " entries with a signed checkpoint to " << out_path << "; verify with "
                << "`gatehouse site evidence verify " << out_path << " --key "
                << (*site)->state_dir() << "/evidence-signer.pem`\n";
  }
  return kExitOk;
}

int site_evidence_verify(const Args& a) {
  if (a.positional.size() != 1) return fail(make_error("usage", "name one export FILE"));
  auto key_path = required(a, "key");
  if (!key_path) return fail(key_path.error());
  auto pem = fs::read_file(*key_path);
  if (!pem) return fail(pem.error());
  auto key = crypto::PublicKey::from_pem(*pem);
  if (!key) return fail(make_error("usage", *key_path + " is not a public key (PEM)"));
  auto r = svc::verify_evidence(a.positional[0], *key);
  if (!r) return fail(r.error());
  Json kinds = Json::object();
  for (const auto& [k, n] : r->by_kind) kinds[k] = n;
  if (a.has("json")) {
    print_json(Json{{"verified", true},
                    {"origin", r->origin},
                    {"tree_size", r->tree_size},
                    {"entries", r->entries},
                    {"filtered", r->filtered},
                    {"kinds", kinds}});
  } else {
    std::cout << "verified: " << r->entries << (r->filtered ? " selected" : "") << " entries of "
              << r->origin << " (tree of " << r->tree_size
              << "), checkpoint signed by the key given\n";
    for (const auto& [k, n] : r->by_kind) std::cout << "  " << k << ": " << n << "\n";
  }
  return kExitOk;
}

}  // namespace gh::cli
