// Evidence as the site's verifier reads it (codec/cbor.h, codec/cose.h, codec/eat.h,
// proto/attestation.h): a token from a device, the size of one the verifier accepts. The first
// octet picks the reading: even, the rest is a token as sent (CWT / COSE_Sign1), appraised with the
// fuzz signer standing for the device's attestation key; odd, the rest is a claims set, signed
// here first, so the claim readers and every appraisal rule are reached. An octet of 2 mod 4 hands
// the rest to the TPM quote readers (codec/tpm_quote.h) as a TPMS_ATTEST and a TPMT_SIGNATURE.
#include "codec/eat.h"

#include "codec/cose.h"
#include "codec/tpm_quote.h"
#include "fuzz_util.h"
#include "proto/attestation.h"

namespace {

using namespace gh;

const codec::CborLimits kRoomy{1 << 20, 16, 4096};  // re-encoded floats may take more bytes

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const auto& pki = fuzz::test_pki();
  Bytes body = fuzz::bytes(data + 1, size - 1);
  if (data[0] % 4 == 2) {
    auto q = codec::tpm::parse_quote(body);
    if (q && q->type == codec::tpm::kStAttestQuote)
      if (auto again = codec::tpm::marshal_quote(*q)) {
        auto back = codec::tpm::parse_quote(*again);
        fuzz::check(back.ok() && back->extra_data == q->extra_data && back->pcrs == q->pcrs);
      }
    (void)codec::tpm::ecdsa_signature(body);
    return 0;
  }
  Bytes token = body;
  if (data[0] % 2 == 1) {
    auto t = codec::cose::sign1(codec::Cbor::map(), codec::Cbor::map(), body, pki.signer.key,
                                {codec::cose::kTagCwt, codec::cose::kTagSign1});
    if (!t) return 0;
    token = *t;
  }
  proto::attest::DeviceAnchors device{"SN-1", "th-100", "Fuzz", pki.signer.key.public_key(),
                                      Bytes{0x02, 1, 2, 3, 4, 5, 6}};
  device.tpm = (data[0] & 8) != 0;
  std::vector<codec::corim::ReferenceValues> releases{
      {"fuzz/th-100/1.0.0", "Fuzz", "th-100", "1.0.0", {{"boot", Bytes(32, 1)}}}};
  Bytes nonce(40, 0x42);
  auto a = proto::attest::appraise(token, nonce, ok_status(), device, releases);
  // Every appraisal names the rule that decided it; only "ok" affirms.
  fuzz::check(!a.check.empty());
  fuzz::check((a.status == codec::ear::Tier::kAffirming) == (a.check == "ok"));
  (void)proto::attest::to_ear(a, "SN-1", nonce, 0).to_json().dump();

  // A claims set that reads writes back and reads the same.
  if (auto s = codec::cose::parse_sign1(token, "f", codec::eat::kTokenLimits)) {
    if (auto c = codec::eat::read_claims(s->payload)) {
      auto again = codec::eat::read_claims(codec::cbor_encode(c->to_cbor()));
      fuzz::check(again.ok());
      fuzz::check(again->measurements == c->measurements && again->nonce == c->nonce &&
                  again->ueid == c->ueid && again->dbgstat == c->dbgstat);
    }
  }
  // CBOR that decodes encodes to the same value.
  if (auto v = codec::cbor_decode(body, "f")) {
    auto again = codec::cbor_decode(codec::cbor_encode(*v), "f", kRoomy);
    fuzz::check(again.ok() && *again == *v);
  }
  return 0;
}
