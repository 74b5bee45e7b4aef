#include "svc/site/evidence_export.h"

#include <fstream>
#include <optional>

#include "common/fs.h"
#include "crypto/digest.h"
#include "svc/site/site.h"

namespace gh::svc {

namespace {

constexpr const char* kFormat = "gatehouse-evidence/1";
constexpr uint64_t kBlock = 256;  // leaves per block hash in the header
constexpr const char* kSigner = "evidence-signer";
const std::string kDash = "\xE2\x80\x94 ";  // U+2014 and a space: a signed note's signature line

Error refuse(const std::string& check, const std::string& why) {
  return Error{check, why};
}

// The root over blocks of kBlock leaves (the last may be partial): every split of the RFC 9162
// tree above one block falls on a block boundary, so the block hashes fold into the root.
merkle::Hash fold(const std::vector<merkle::Hash>& blocks, size_t b, size_t e) {
  if (e - b == 1) return blocks[b];
  size_t k = merkle::split_point(e - b);
  return merkle::node_hash(fold(blocks, b, b + k), fold(blocks, b + k, e));
}

merkle::Hash block_root(const std::vector<merkle::Hash>& leaves) {
  merkle::Tree t;
  for (const auto& l : leaves) t.append(l);
  return t.root();
}

Json controls() {
  return Json{
      {"AU-3", "each entry: what happened (kind, outcome, reason), when, to which device, detail"},
      {"AU-9(3)", "entries are leaves of an RFC 9162 Merkle tree whose checkpoint the site signs"},
      {"AU-10", "the signed checkpoint binds the site to every entry (non-repudiation)"},
      {"IA-3", "device identification and authentication: vouchers, IDevID checks, 802.1X"},
      {"IA-5(2)", "certificate-based authentication: LDevID issuance, renewal, revocation"},
      {"CM-8", "the component inventory: bundles imported, devices onboarded, their lifecycle"}};
}

Json kinds() {
  return Json{
      {"trust-establishment", "vouchers, manufacturer trust, attestation, reference values"},
      {"credential-provisioning", "credentials issued to devices (EST, DPP configuration)"},
      {"unique-credential-assignment", "each credential bound to one device, superseded, revoked"},
      {"lifecycle-documentation", "imports, states, application onboarding, updates"},
      {"unauthorized-connection-prevention", "policy decisions, 802.1X, MUD, quarantine"}};
}

bool starts(const std::string& s, const char* p) {
  return s.rfind(p, 0) == 0;
}

}  // namespace

std::string evidence_entry_text(const store::Event& e) {
  return Json{{"id", e.id},           {"at", e.at},         {"serial", e.serial}, {"kind", e.kind},
              {"outcome", e.outcome}, {"reason", e.reason}, {"detail", e.detail}}
      .dump();
}

std::string evidence_kind(const std::string& k) {
  if (starts(k, "ldevid.") || k == "dpp.ldevid" || k == "device.revoke" || starts(k, "credential."))
    return "unique-credential-assignment";
  if (starts(k, "brski.") || starts(k, "voucher.") || starts(k, "attest") ||
      starts(k, "reference-values") || starts(k, "trust.") || k == "bundle.import")
    return "trust-establishment";
  if (starts(k, "est.") || starts(k, "enroll.") || starts(k, "dpp."))
    return "credential-provisioning";
  if (starts(k, "network.") || starts(k, "policy.") || starts(k, "mud.") ||
      k == "device.quarantine" || k == "device.release" || starts(k, "router."))
    return "unauthorized-connection-prevention";
  return "lifecycle-documentation";
}

Result<std::string> sign_checkpoint(const std::string& origin, uint64_t size,
                                    const merkle::Hash& root, const crypto::PrivateKey& key) {
  std::string body = origin + "\n" + std::to_string(size) + "\n" + base64_encode(root) + "\n";
  auto sig = TRY(key.sign(to_bytes(body)));
  Bytes blob = crypto::sha256(key.public_key().der());
  blob.resize(4);  // the key hash a note's signature line starts with
  blob.insert(blob.end(), sig.begin(), sig.end());
  return body + "\n" + kDash + origin + " " + base64_encode(blob) + "\n";
}

Result<Checkpoint> verify_checkpoint(const std::string& note, const crypto::PublicKey& key) {
  auto blank = note.find("\n\n");
  if (blank == std::string::npos) return refuse("evidence.checkpoint", "not a signed note");
  std::string body = note.substr(0, blank + 1);
  Bytes want = crypto::sha256(key.der());
  want.resize(4);
  bool signed_by_key = false;
  size_t at = blank + 2;
  while (at < note.size()) {
    size_t eol = note.find('\n', at);
    std::string line = note.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
    at = eol == std::string::npos ? note.size() : eol + 1;
    if (!starts(line, kDash.c_str())) continue;
    auto sp = line.rfind(' ');
    auto blob = base64_decode(line.substr(sp + 1));
    if (!blob || blob->size() < 8 || !std::equal(want.begin(), want.end(), blob->begin())) continue;
    if (key.verify(to_bytes(body), Bytes(blob->begin() + 4, blob->end())).ok())
      signed_by_key = true;
  }
  if (!signed_by_key)
    return refuse("evidence.checkpoint", "the checkpoint carries no valid signature by this key");
  Checkpoint c;
  c.note = note;
  std::vector<std::string> lines;
  for (size_t p = 0; p < body.size();) {
    size_t e = body.find('\n', p);
    lines.push_back(body.substr(p, e - p));
    p = e + 1;
  }
  if (lines.size() < 3 || lines[1].empty() || lines[1].size() > 19 ||
      lines[1].find_first_not_of("0123456789") != std::string::npos)
    return refuse("evidence.checkpoint", "the checkpoint's body is not origin, size, root");
  c.origin = lines[0];
  c.size = std::stoull(lines[1]);
  auto root = base64_decode(lines[2]);
  if (!root || root->size() != 32) return refuse("evidence.checkpoint", "the root is not a hash");
  c.root = *root;
  return c;
}

Result<crypto::PublicKey> evidence_public_key(Site& site) {
  auto& ks = site.keystore();
  auto key =
      ks.has(kSigner) ? TRY(ks.load(kSigner)) : TRY(ks.generate(kSigner, crypto::Curve::kP256));
  std::string pem_path = fs::join(site.state_dir(), "evidence-signer.pem");
  if (!fs::exists(pem_path)) TRY(fs::write_file_atomic(pem_path, key.public_key().pem()));
  return key.public_key();
}

namespace {

// The whole log as the tree's leaves, the new checkpoint signed over it, and the previous one
// (STATE/evidence/checkpoint.txt) checked against it: a log that no longer holds what the site
// signed before is refused ("evidence.consistency").
struct SignedLog {
  std::vector<store::Event> events;
  std::vector<merkle::Hash> leaves;
  merkle::Tree tree;
  std::string origin, note;
  std::optional<Checkpoint> previous;
  std::string last_path;
};

Result<SignedLog> sign_log(Site& site) {
  TRY(evidence_public_key(site));
  auto key = TRY(site.keystore().load(kSigner));
  SignedLog s;
  s.events = TRY(site.inventory().events(""));
  s.leaves.reserve(s.events.size());
  for (const auto& e : s.events) {
    s.leaves.push_back(merkle::leaf_hash(evidence_entry_text(e)));
    s.tree.append(s.leaves.back());
  }
  const uint64_t n = s.tree.size();
  s.origin = "gatehouse/" + site.name() + "/evidence";
  s.note = TRY(sign_checkpoint(s.origin, n, s.tree.root(), key));
  const std::string dir = fs::join(site.state_dir(), "evidence");
  TRY(fs::make_dirs(dir, 0700));
  s.last_path = fs::join(dir, "checkpoint.txt");
  if (fs::exists(s.last_path)) {
    auto prev = TRY(verify_checkpoint(TRY(fs::read_file(s.last_path)), key.public_key()));
    if (prev.size > n || (prev.size > 0 && s.tree.root(prev.size) != prev.root))
      return refuse("evidence.consistency", "the log no longer holds the " +
                                                std::to_string(prev.size) +
                                                " entries its last checkpoint signed");
    s.previous = prev;
  }
  return s;
}

// Keeps the new checkpoint: the next one is checked against it, and every one is kept in
// STATE/evidence/checkpoints.txt (blank-line separated notes) for an auditor.
Status keep_checkpoint(const SignedLog& s) {
  TRY(fs::write_file_atomic(s.last_path, s.note));
  std::ofstream all(s.last_path.substr(0, s.last_path.rfind('/')) + "/checkpoints.txt",
                    std::ios::app);
  all << s.note << "\n";
  if (!all) return refuse("io", "cannot append to the checkpoint history");
  return ok_status();
}

}  // namespace

Result<std::string> checkpoint_evidence(Site& site) {
  auto s = TRY(sign_log(site));
  if (s.previous && s.previous->size == s.tree.size()) return s.previous->note;  // nothing new
  TRY(keep_checkpoint(s));
  return s.note;
}

Result<EvidenceExportReport> export_evidence(Site& site, const EvidenceExportOptions& o,
                                             std::ostream& out) {
  auto s = TRY(sign_log(site));
  const auto& events = s.events;
  const auto& leaves = s.leaves;
  const auto& tree = s.tree;
  const uint64_t n = tree.size();
  const std::string& note = s.note;
  Json header{{"format", kFormat},  {"origin", s.origin},
              {"tree_size", n},     {"root", hex_encode(tree.root())},
              {"checkpoint", note}, {"controls", controls()},
              {"kinds", kinds()}};
  // The previous checkpoint, and the proof that today's log extends it.
  if (s.previous) {
    const Checkpoint& prev = *s.previous;
    if (prev.size > 0) {
      Json proof = Json::array();
      for (const auto& h : tree.consistency_proof(prev.size, n)) proof.push_back(hex_encode(h));
      header["previous_checkpoint"] = prev.note;
      header["consistency"] = proof;
    }
  }
  bool filtered = o.since > 0 || !o.serial.empty();
  header["filter"] = Json{{"since", o.since}, {"serial", o.serial}};
  if (!filtered) {
    Json blocks = Json::array();
    for (uint64_t b = 0; b < n; b += kBlock) {
      std::vector<merkle::Hash> part(leaves.begin() + b,
                                     leaves.begin() + std::min<uint64_t>(n, b + kBlock));
      blocks.push_back(hex_encode(block_root(part)));
    }
    header["blocks"] = blocks;
  }
  out << header.dump() << "\n";
  EvidenceExportReport report{n, 0, note};
  for (uint64_t i = 0; i < n; ++i) {
    const auto& e = events[i];
    if (filtered && (e.at < o.since || (!o.serial.empty() && e.serial != o.serial))) continue;
    Json line{{"index", i},
              {"leaf", hex_encode(leaves[i])},
              {"kind", evidence_kind(e.kind)},
              {"entry", Json::parse(evidence_entry_text(e))}};
    if (filtered) {
      Json proof = Json::array();
      for (const auto& h : tree.inclusion_proof(i, n)) proof.push_back(hex_encode(h));
      line["proof"] = proof;
    }
    out << line.dump() << "\n";
    ++report.exported;
  }
  if (!out) return refuse("io", "cannot write the export");
  TRY(keep_checkpoint(s));
  return report;
}

Result<EvidenceVerifyReport> verify_evidence(const std::string& path,
                                             const crypto::PublicKey& key) {
  std::ifstream in(path);
  if (!in) return refuse("io", "cannot read " + path);
  std::string text;
  if (!std::getline(in, text)) return refuse("evidence.format", "empty file");
  auto header = parse_json(text, "evidence.format");
  if (!header || json_string_or(*header, "format", "") != kFormat)
    return refuse("evidence.format", "not a " + std::string(kFormat) + " export");
  auto cp = TRY(verify_checkpoint(json_string_or(*header, "checkpoint", ""), key));
  EvidenceVerifyReport r;
  r.tree_size = cp.size;
  r.origin = cp.origin;
  if (header->contains("previous_checkpoint")) {
    auto prev = TRY(verify_checkpoint(json_string_or(*header, "previous_checkpoint", ""), key));
    std::vector<merkle::Hash> proof;
    for (const auto& h : (*header)["consistency"])
      proof.push_back(hex_decode(h.get<std::string>()).value_or(Bytes()));
    if (!merkle::verify_consistency(prev.size, cp.size, prev.root, cp.root, proof))
      return refuse("evidence.consistency",
                    "the log of " + std::to_string(cp.size) + " entries does not extend the " +
                        std::to_string(prev.size) + " its previous checkpoint signed");
  }
  const auto& filter = (*header)["filter"];
  r.filtered = filter.is_object() && (json_string_or(filter, "serial", "") != "" ||
                                      filter.value("since", int64_t{0}) > 0);
  std::vector<merkle::Hash> blocks;
  if (!r.filtered) {
    if (!header->contains("blocks") || !(*header)["blocks"].is_array())
      return refuse("evidence.format", "a full export carries its block hashes");
    for (const auto& h : (*header)["blocks"])
      blocks.push_back(hex_decode(h.get<std::string>()).value_or(Bytes()));
    bool empty_ok = cp.size == 0 && blocks.empty() && cp.root == merkle::empty_root();
    if (!empty_ok && (blocks.empty() || (cp.size + kBlock - 1) / kBlock != blocks.size() ||
                      fold(blocks, 0, blocks.size()) != cp.root))
      return refuse("evidence.format", "the block hashes do not make the signed root");
  }
  const JsonLimits line_limits{256 * 1024, 16, 4096};
  uint64_t expected = 0;
  int64_t last_index = -1;
  std::optional<uint64_t> gap;  // the first index missing so far: removed, or moved later
  std::vector<merkle::Hash> block;
  for (uint64_t pos = 0; std::getline(in, text); ++pos) {
    auto line = parse_json(text, "evidence.format", line_limits);
    if (!line || !line->contains("index") || !(*line)["index"].is_number_unsigned() ||
        !line->contains("entry") || !(*line)["entry"].is_object())
      return refuse("evidence.format", "line " + std::to_string(pos + 2) + " is not an entry");
    uint64_t index = (*line)["index"].get<uint64_t>();
    const std::string where = "entry " + std::to_string(index);
    if (static_cast<int64_t>(index) <= last_index)
      return refuse("evidence.reordered", "position " + std::to_string(pos + 1) + ": " + where +
                                              " comes after entry " + std::to_string(last_index) +
                                              " (reordered, repeated or inserted)");
    if (index >= cp.size)
      return refuse("evidence.reordered", where + " is beyond the signed tree of " +
                                              std::to_string(cp.size) + " (inserted)");
    if (!r.filtered && index != expected && !gap) gap = expected;
    last_index = static_cast<int64_t>(index);
    merkle::Hash leaf = merkle::leaf_hash((*line)["entry"].dump());
    if (hex_encode(leaf) != json_string_or(*line, "leaf", ""))
      return refuse("evidence.changed", where + " was changed after it was logged");
    if (r.filtered) {
      std::vector<merkle::Hash> proof;
      if (line->contains("proof") && (*line)["proof"].is_array())
        for (const auto& h : (*line)["proof"])
          if (h.is_string()) proof.push_back(hex_decode(h.get<std::string>()).value_or(Bytes()));
      if (!merkle::verify_inclusion(leaf, index, cp.size, proof, cp.root))
        return refuse("evidence.changed", where + " is not the entry the signed tree holds");
    } else if (!gap) {
      block.push_back(leaf);
      if (block.size() == kBlock || index + 1 == cp.size) {
        uint64_t b = index / kBlock;
        if (block_root(block) != blocks[b])
          return refuse("evidence.changed", "an entry in " + std::to_string(b * kBlock) + ".." +
                                                std::to_string(index) +
                                                " was changed together with its leaf hash");
        block.clear();
      }
    }
    expected = index + 1;
    ++r.entries;
    ++r.by_kind[evidence_kind(json_string_or((*line)["entry"], "kind", ""))];
  }
  if (gap) return refuse("evidence.removed", "entry " + std::to_string(*gap) + " was removed");
  if (!r.filtered && expected != cp.size)
    return refuse("evidence.removed", "entry " + std::to_string(expected) + " was removed");
  return r;
}

}  // namespace gh::svc
