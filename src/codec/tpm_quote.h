// TPM 2.0 quotes (TPM 2.0 Part 2, 10.12: TPMS_ATTEST with TPMS_QUOTE_INFO; 11.3.4 TPMT_SIGNATURE)
// as the verifier reads them, on tpm2-tss's marshalling library. Only what a quote over one bank
// of PCRs signed with ECDSA needs; anything else is "quote.format".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/result.h"

namespace gh::codec::tpm {

inline constexpr uint32_t kGenerated = 0xff544347;  // TPM_GENERATED_VALUE
inline constexpr uint16_t kStAttestQuote = 0x8018;  // TPM_ST_ATTEST_QUOTE
inline constexpr uint16_t kAlgSha256 = 0x000b;
inline constexpr uint16_t kAlgEcdsa = 0x0018;

// TPMS_CLOCK_INFO: clock in ms since the TPM was manufactured (or last cleared), the TPM Reset
// and TPM Restart counters, and whether clock may have gone back since it was last reported.
struct Clock {
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
};

struct Quote {
  uint32_t magic = 0;
  uint16_t type = 0;
  Bytes qualified_signer;
  Bytes extra_data;  // the verifier's nonce
  Clock clock;
  uint64_t firmware_version = 0;
  uint16_t pcr_hash = 0;  // the one bank selected
  std::vector<int> pcrs;  // selected PCR indices, ascending
  Bytes pcr_digest;       // H(PCR[i] || PCR[j] || ...) in selection order
};

// A marshalled TPMS_ATTEST of type quote with exactly one PCR bank selected; no trailing bytes.
Result<Quote> parse_quote(const Bytes& attest);
// The same structure, marshalled (a test's or a benchmark's quote maker; what a TPM would send).
Result<Bytes> marshal_quote(const Quote& q);

// A marshalled TPMT_SIGNATURE, ECDSA with SHA-256, as r||s of coord_bytes each (COSE form);
// "quote.signature" for another scheme or hash.
Result<Bytes> ecdsa_signature(const Bytes& tpmt_signature, size_t coord_bytes = 32);
Result<Bytes> marshal_ecdsa_signature(const Bytes& r_s);

// PCR extend with SHA-256: new = H(old || digest).
Bytes extend_sha256(const Bytes& pcr, const Bytes& digest);

}  // namespace gh::codec::tpm
