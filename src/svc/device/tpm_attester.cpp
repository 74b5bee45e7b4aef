#include "svc/device/tpm_attester.h"

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include <algorithm>
#include <cstring>

#include "codec/tpm_quote.h"

namespace gh::svc {
namespace {

Error tpm_error(const std::string& check, const std::string& what, TSS2_RC rc) {
  return Error{check, what + ": " + Tss2_RC_Decode(rc)};
}

// The attestation key's template (TPM 2.0 Part 2 12.2.4): restricted, signing only, made in and
// bound to this TPM, ECDSA P-256 with SHA-256. Its authorization is empty, so there is nothing to
// guess: noDA keeps it usable when the TPM's dictionary-attack lockout engages (a device that
// loses power mid-session counts as a failed try). A primary: the endorsement seed and this
// template give the same key on every call.
TPM2B_PUBLIC ak_template() {
  TPM2B_PUBLIC t;
  std::memset(&t, 0, sizeof t);
  auto& p = t.publicArea;
  p.type = TPM2_ALG_ECC;
  p.nameAlg = TPM2_ALG_SHA256;
  p.objectAttributes = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
                       TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                       TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA;
  p.parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
  p.parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
  p.parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  p.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
  p.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
  static const char kUnique[] = "gatehouse attestation key";
  std::memcpy(p.unique.ecc.x.buffer, kUnique, sizeof kUnique - 1);
  p.unique.ecc.x.size = sizeof kUnique - 1;
  return t;
}

TPMT_SIG_SCHEME null_scheme() {
  TPMT_SIG_SCHEME s;
  std::memset(&s, 0, sizeof s);
  s.scheme = TPM2_ALG_NULL;  // the key's own: ECDSA with SHA-256
  return s;
}

}  // namespace

Result<std::unique_ptr<TpmAttester>> TpmAttester::open(const std::string& tcti) {
  std::unique_ptr<TpmAttester> t(new TpmAttester());
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &t->tcti_);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.tcti", "cannot reach the TPM at " + tcti, rc);
  rc = Esys_Initialize(&t->esys_, t->tcti_, nullptr);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.esys", "ESYS initialisation", rc);
  return t;
}

TpmAttester::~TpmAttester() {
  if (esys_ != nullptr) Esys_Finalize(&esys_);
  if (tcti_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_);
}

Result<uint32_t> TpmAttester::load_key() {
  TPM2B_SENSITIVE_CREATE sensitive;
  std::memset(&sensitive, 0, sizeof sensitive);
  TPM2B_PUBLIC in_public = ak_template();
  TPM2B_DATA outside;
  std::memset(&outside, 0, sizeof outside);
  TPML_PCR_SELECTION creation_pcr;
  std::memset(&creation_pcr, 0, sizeof creation_pcr);
  ESYS_TR handle = ESYS_TR_NONE;
  TSS2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                  ESYS_TR_NONE, &sensitive, &in_public, &outside, &creation_pcr,
                                  &handle, nullptr, nullptr, nullptr, nullptr);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.key", "creating the attestation key", rc);
  return handle;
}

void TpmAttester::flush(uint32_t handle) {
  (void)Esys_FlushContext(esys_, handle);
}

Result<crypto::PublicKey> TpmAttester::attestation_key() {
  ESYS_TR handle = TRY(load_key());
  TPM2B_PUBLIC* pub = nullptr;
  TSS2_RC rc = Esys_ReadPublic(esys_, handle, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub,
                               nullptr, nullptr);
  flush(handle);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.key", "reading the attestation key", rc);
  const auto& ecc = pub->publicArea.unique.ecc;
  Bytes point{0x04};
  // Coordinates may come without leading zeros: pad each to 32 bytes.
  auto append = [&](const TPM2B_ECC_PARAMETER& c) {
    point.insert(point.end(), 32 - std::min<size_t>(c.size, 32), 0);
    point.insert(point.end(), c.buffer, c.buffer + std::min<size_t>(c.size, 32));
  };
  append(ecc.x);
  append(ecc.y);
  bool ok = pub->publicArea.type == TPM2_ALG_ECC &&
            (pub->publicArea.objectAttributes & TPMA_OBJECT_RESTRICTED) != 0;
  Esys_Free(pub);
  if (!ok) return make_error("tpm.key", "the TPM's attestation key is not a restricted EC key");
  return crypto::PublicKey::from_point(crypto::Curve::kP256, point);
}

Status TpmAttester::measure(int pcr, const std::string& component, const Bytes& sha256) {
  if (sha256.size() != 32) return make_error("tpm.extend", "not a SHA-256 digest");
  if (pcr_ >= 0 && pcr != pcr_) return make_error("tpm.extend", "one measurement PCR per boot");
  TPML_DIGEST_VALUES d;
  std::memset(&d, 0, sizeof d);
  d.count = 1;
  d.digests[0].hashAlg = TPM2_ALG_SHA256;
  std::copy(sha256.begin(), sha256.end(), d.digests[0].digest.sha256);
  TSS2_RC rc = Esys_PCR_Extend(esys_, ESYS_TR_PCR0 + static_cast<ESYS_TR>(pcr), ESYS_TR_PASSWORD,
                               ESYS_TR_NONE, ESYS_TR_NONE, &d);
  if (rc != TSS2_RC_SUCCESS)
    return tpm_error("tpm.extend", "extending PCR " + std::to_string(pcr), rc);
  pcr_ = pcr;
  log_.push_back({component, sha256});
  return ok_status();
}

Result<codec::eat::TpmEvidence> TpmAttester::quote(const Bytes& nonce) {
  if (pcr_ < 0) return make_error("tpm.quote", "nothing was measured into the TPM");
  TPM2B_DATA qualifying;
  std::memset(&qualifying, 0, sizeof qualifying);
  if (nonce.size() > sizeof qualifying.buffer) return make_error("tpm.quote", "nonce too long");
  qualifying.size = static_cast<UINT16>(nonce.size());
  std::copy(nonce.begin(), nonce.end(), qualifying.buffer);
  TPML_PCR_SELECTION sel;
  std::memset(&sel, 0, sizeof sel);
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  sel.pcrSelections[0].pcrSelect[pcr_ / 8] = static_cast<BYTE>(1u << (pcr_ % 8));
  TPMT_SIG_SCHEME scheme = null_scheme();
  ESYS_TR key = TRY(load_key());
  TPM2B_ATTEST* quoted = nullptr;
  TPMT_SIGNATURE* sig = nullptr;
  TSS2_RC rc = Esys_Quote(esys_, key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &qualifying,
                          &scheme, &sel, &quoted, &sig);
  flush(key);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.quote", "TPM2_Quote", rc);
  codec::eat::TpmEvidence out;
  out.attest.assign(quoted->attestationData, quoted->attestationData + quoted->size);
  out.signature.resize(sizeof(TPMT_SIGNATURE));
  size_t off = 0;
  rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, out.signature.data(), out.signature.size(), &off);
  Esys_Free(quoted);
  Esys_Free(sig);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.quote", "marshalling the signature", rc);
  out.signature.resize(off);
  out.pcr = pcr_;
  out.log = log_;
  return out;
}

Result<Bytes> TpmAttester::sign(const Bytes& message) {
  // The hash sequence first, with the key not yet loaded: a TPM has few object slots, and the
  // device's other keys (its LDevID for TLS) may hold some.
  TPM2B_AUTH auth;
  std::memset(&auth, 0, sizeof auth);
  ESYS_TR seq = ESYS_TR_NONE;
  TSS2_RC rc = Esys_HashSequenceStart(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &auth,
                                      TPM2_ALG_SHA256, &seq);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.sign", "TPM2_HashSequenceStart", rc);
  TPM2B_MAX_BUFFER chunk;
  size_t at = 0;
  constexpr size_t kChunk = 1024;  // MAX_DIGEST_BUFFER of every TPM we know
  while (message.size() - at > kChunk) {
    chunk.size = kChunk;
    std::memcpy(chunk.buffer, message.data() + at, kChunk);
    at += kChunk;
    rc = Esys_SequenceUpdate(esys_, seq, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &chunk);
    if (rc != TSS2_RC_SUCCESS) {
      flush(seq);
      return tpm_error("tpm.sign", "TPM2_SequenceUpdate", rc);
    }
  }
  chunk.size = static_cast<UINT16>(message.size() - at);
  std::memcpy(chunk.buffer, message.data() + at, chunk.size);
  TPM2B_DIGEST* digest = nullptr;
  TPMT_TK_HASHCHECK* ticket = nullptr;
  rc = Esys_SequenceComplete(esys_, seq, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &chunk,
                             ESYS_TR_RH_ENDORSEMENT, &digest, &ticket);
  if (rc != TSS2_RC_SUCCESS) {
    flush(seq);
    return tpm_error("tpm.sign", "TPM2_SequenceComplete", rc);
  }
  auto key = load_key();
  if (!key) {
    Esys_Free(digest);
    Esys_Free(ticket);
    return key.error();
  }
  TPMT_SIG_SCHEME scheme = null_scheme();
  TPMT_SIGNATURE* sig = nullptr;
  rc = Esys_Sign(esys_, *key, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, digest, &scheme, ticket,
                 &sig);
  flush(*key);
  Esys_Free(digest);
  Esys_Free(ticket);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.sign", "TPM2_Sign", rc);
  Bytes marshalled(sizeof(TPMT_SIGNATURE));
  size_t off = 0;
  rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, marshalled.data(), marshalled.size(), &off);
  Esys_Free(sig);
  if (rc != TSS2_RC_SUCCESS) return tpm_error("tpm.sign", "marshalling the signature", rc);
  marshalled.resize(off);
  return codec::tpm::ecdsa_signature(marshalled);
}

}  // namespace gh::svc
