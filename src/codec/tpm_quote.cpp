#include "codec/tpm_quote.h"

#include <tss2/tss2_mu.h>

#include <algorithm>
#include <cstring>

#include "crypto/digest.h"

namespace gh::codec::tpm {
namespace {

Error bad(const std::string& why) {
  return Error{"quote.format", "TPM quote: " + why};
}

}  // namespace

Result<Quote> parse_quote(const Bytes& attest) {
  if (attest.size() > sizeof(TPMS_ATTEST) * 2) return bad("larger than any TPMS_ATTEST");
  TPMS_ATTEST a;
  std::memset(&a, 0, sizeof a);
  size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(attest.data(), attest.size(), &offset, &a) != TSS2_RC_SUCCESS)
    return bad("not a TPMS_ATTEST");
  if (offset != attest.size())
    return bad(std::to_string(attest.size() - offset) + " trailing bytes");
  Quote q;
  q.magic = a.magic;
  q.type = a.type;
  if (a.type != TPM2_ST_ATTEST_QUOTE) return q;  // the caller names the wrong type
  q.qualified_signer.assign(a.qualifiedSigner.name,
                            a.qualifiedSigner.name + a.qualifiedSigner.size);
  q.extra_data.assign(a.extraData.buffer, a.extraData.buffer + a.extraData.size);
  q.clock = {a.clockInfo.clock, a.clockInfo.resetCount, a.clockInfo.restartCount,
             a.clockInfo.safe == TPM2_YES};
  q.firmware_version = a.firmwareVersion;
  const auto& sel = a.attested.quote.pcrSelect;
  if (sel.count != 1) return bad(std::to_string(sel.count) + " PCR banks selected, not one");
  const auto& bank = sel.pcrSelections[0];
  q.pcr_hash = bank.hash;
  for (int byte = 0; byte < bank.sizeofSelect; ++byte)
    for (int bit = 0; bit < 8; ++bit)
      if (bank.pcrSelect[byte] & (1u << bit)) q.pcrs.push_back(byte * 8 + bit);
  const auto& d = a.attested.quote.pcrDigest;
  q.pcr_digest.assign(d.buffer, d.buffer + d.size);
  return q;
}

Result<Bytes> marshal_quote(const Quote& q) {
  TPMS_ATTEST a;
  std::memset(&a, 0, sizeof a);
  a.magic = q.magic;
  a.type = q.type;
  if (q.qualified_signer.size() > sizeof a.qualifiedSigner.name ||
      q.extra_data.size() > sizeof a.extraData.buffer ||
      q.pcr_digest.size() > sizeof a.attested.quote.pcrDigest.buffer)
    return bad("a field is too long");
  a.qualifiedSigner.size = static_cast<UINT16>(q.qualified_signer.size());
  std::copy(q.qualified_signer.begin(), q.qualified_signer.end(), a.qualifiedSigner.name);
  a.extraData.size = static_cast<UINT16>(q.extra_data.size());
  std::copy(q.extra_data.begin(), q.extra_data.end(), a.extraData.buffer);
  a.clockInfo.clock = q.clock.clock;
  a.clockInfo.resetCount = q.clock.reset_count;
  a.clockInfo.restartCount = q.clock.restart_count;
  a.clockInfo.safe = q.clock.safe ? TPM2_YES : TPM2_NO;
  a.firmwareVersion = q.firmware_version;
  auto& sel = a.attested.quote.pcrSelect;
  sel.count = 1;
  sel.pcrSelections[0].hash = q.pcr_hash;
  sel.pcrSelections[0].sizeofSelect = 3;
  for (int p : q.pcrs) {
    if (p < 0 || p >= 24) return bad("PCR " + std::to_string(p) + " out of range");
    sel.pcrSelections[0].pcrSelect[p / 8] |= static_cast<BYTE>(1u << (p % 8));
  }
  a.attested.quote.pcrDigest.size = static_cast<UINT16>(q.pcr_digest.size());
  std::copy(q.pcr_digest.begin(), q.pcr_digest.end(), a.attested.quote.pcrDigest.buffer);
  Bytes out(sizeof(TPMS_ATTEST));
  size_t offset = 0;
  if (Tss2_MU_TPMS_ATTEST_Marshal(&a, out.data(), out.size(), &offset) != TSS2_RC_SUCCESS)
    return bad("cannot marshal");
  out.resize(offset);
  return out;
}

Result<Bytes> ecdsa_signature(const Bytes& tpmt_signature, size_t coord_bytes) {
  TPMT_SIGNATURE s;
  std::memset(&s, 0, sizeof s);
  size_t offset = 0;
  if (tpmt_signature.size() > sizeof(TPMT_SIGNATURE) ||
      Tss2_MU_TPMT_SIGNATURE_Unmarshal(tpmt_signature.data(), tpmt_signature.size(), &offset, &s) !=
          TSS2_RC_SUCCESS ||
      offset != tpmt_signature.size())
    return make_error("quote.signature", "TPM quote: the signature is not a TPMT_SIGNATURE");
  if (s.sigAlg != TPM2_ALG_ECDSA || s.signature.ecdsa.hash != TPM2_ALG_SHA256)
    return make_error("quote.signature", "TPM quote: the signature is not ECDSA with SHA-256");
  const auto& r = s.signature.ecdsa.signatureR;
  const auto& sv = s.signature.ecdsa.signatureS;
  if (r.size > coord_bytes || sv.size > coord_bytes)
    return make_error("quote.signature", "TPM quote: signature values too long for the curve");
  Bytes out(2 * coord_bytes, 0);
  std::copy(r.buffer, r.buffer + r.size, out.begin() + static_cast<long>(coord_bytes - r.size));
  std::copy(sv.buffer, sv.buffer + sv.size, out.end() - sv.size);
  return out;
}

Result<Bytes> marshal_ecdsa_signature(const Bytes& r_s) {
  size_t half = r_s.size() / 2;
  TPMT_SIGNATURE s;
  std::memset(&s, 0, sizeof s);
  if (r_s.size() % 2 || half > sizeof s.signature.ecdsa.signatureR.buffer)
    return make_error("quote.signature", "not an r||s signature");
  s.sigAlg = TPM2_ALG_ECDSA;
  s.signature.ecdsa.hash = TPM2_ALG_SHA256;
  s.signature.ecdsa.signatureR.size = static_cast<UINT16>(half);
  std::copy(r_s.begin(), r_s.begin() + static_cast<long>(half),
            s.signature.ecdsa.signatureR.buffer);
  s.signature.ecdsa.signatureS.size = static_cast<UINT16>(half);
  std::copy(r_s.begin() + static_cast<long>(half), r_s.end(), s.signature.ecdsa.signatureS.buffer);
  Bytes out(sizeof(TPMT_SIGNATURE));
  size_t offset = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Marshal(&s, out.data(), out.size(), &offset) != TSS2_RC_SUCCESS)
    return make_error("quote.signature", "cannot marshal the signature");
  out.resize(offset);
  return out;
}

Bytes extend_sha256(const Bytes& pcr, const Bytes& digest) {
  Bytes in = pcr;
  in.insert(in.end(), digest.begin(), digest.end());
  return crypto::sha256(in);
}

}  // namespace gh::codec::tpm
