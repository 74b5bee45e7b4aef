// The evidence log an auditor can check (IR 8350 and the SP 1800-36 final publications' five
// kinds of evidence; NIST SP 800-53 AU-3, AU-9(3), AU-10, IA-3, IA-5(2), CM-8): the site's log
// entries as the leaves of an RFC 9162 Merkle tree, a checkpoint of that tree signed by the site
// (the signed-note form: origin, size, base64 root, a blank line, a signature line), and an export
// a verifier checks offline against the site's public key alone.
//
// The export is JSON Lines: a header ({"format": "gatehouse-evidence/1", "checkpoint", the
// previous checkpoint and a consistency proof from it when there is one, the hashes of each
// 256-leaf block, the controls and kinds}), then one line per entry ({"index", "leaf", "kind",
// "entry", and "proof" when the export is filtered}). Refusals name the check and the entry:
//   evidence.format      not an export
//   evidence.checkpoint  the checkpoint is not signed by this key (or is malformed)
//   evidence.consistency the log does not extend the previous checkpoint (rewritten history)
//   evidence.changed     an entry differs from what the tree holds (index named)
//   evidence.removed     an entry the tree holds is missing (index named)
//   evidence.reordered   entries out of order, or one inserted or repeated (position named)
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "common/json.h"
#include "crypto/key.h"
#include "proto/merkle.h"
#include "store/records.h"

namespace gh::svc {

class Site;

// What a leaf commits to: the entry as one canonical JSON text.
std::string evidence_entry_text(const store::Event& e);
// Which of the five kinds of evidence an entry is.
std::string evidence_kind(const std::string& event_kind);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  merkle::Hash root;
  std::string note;  // the signed note, as text
};
Result<std::string> sign_checkpoint(const std::string& origin, uint64_t size,
                                    const merkle::Hash& root, const crypto::PrivateKey& key);
Result<Checkpoint> verify_checkpoint(const std::string& note, const crypto::PublicKey& key);

struct EvidenceExportOptions {
  time::Seconds since = 0;  // only entries at or after
  std::string serial;       // only this device's entries
};
struct EvidenceExportReport {
  uint64_t tree_size = 0;
  uint64_t exported = 0;
  std::string checkpoint;
};
// Signs a checkpoint of the whole log now (kept as STATE/evidence/checkpoint.txt for the next
// export's consistency proof) and writes the export to out. The site's signing key is made on
// first use (keystore label "evidence-signer"; its public key in STATE/evidence-signer.pem).
Result<EvidenceExportReport> export_evidence(Site& site, const EvidenceExportOptions& options,
                                             std::ostream& out);
// Signs a checkpoint of the whole log now if it grew since the last one (`site serve` does it on
// its --checkpoint-interval), after checking the log still holds what the last one signed
// ("evidence.consistency": an entry was changed or removed behind the site's back). The note.
Result<std::string> checkpoint_evidence(Site& site);
// The site's checkpoint public key (made if absent).
Result<crypto::PublicKey> evidence_public_key(Site& site);

struct EvidenceVerifyReport {
  uint64_t tree_size = 0;
  uint64_t entries = 0;
  bool filtered = false;
  std::string origin;
  std::map<std::string, uint64_t> by_kind;
};
// Checks an export file against the site's public key; names the first entry that was changed,
// removed, reordered or inserted.
Result<EvidenceVerifyReport> verify_evidence(const std::string& path, const crypto::PublicKey& key);

}  // namespace gh::svc
