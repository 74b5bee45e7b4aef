// Wi-Fi Easy Connect (DPP) R2 messages as they travel over TCP (the relay/controller model): the
// attribute TLVs, the DPP public action frames and the GAS frames that carry configuration.
// Pure parse/serialize; the cryptography of wrapped data lives in src/proto/dpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/encoding.h"
#include "common/json.h"
#include "common/result.h"
#include "crypto/key.h"

namespace gh::codec::dpp {

inline constexpr size_t kMaxMessage = 65535;  // hostap 2.10 drops anything larger

enum class FrameType : uint8_t {
  kAuthRequest = 0,
  kAuthResponse = 1,
  kAuthConfirm = 2,
  kPeerDiscoveryRequest = 5,
  kPeerDiscoveryResponse = 6,
  kConfigurationResult = 11,
  kConnectionStatusResult = 12,
  kPresenceAnnouncement = 13,
  kReconfigAnnouncement = 14,
};
const char* frame_name(uint8_t type);

namespace attr {
inline constexpr uint16_t kStatus = 0x1000;
inline constexpr uint16_t kInitiatorBkh = 0x1001;
inline constexpr uint16_t kResponderBkh = 0x1002;
inline constexpr uint16_t kInitiatorProtocolKey = 0x1003;
inline constexpr uint16_t kWrappedData = 0x1004;
inline constexpr uint16_t kInitiatorNonce = 0x1005;
inline constexpr uint16_t kInitiatorCapabilities = 0x1006;
inline constexpr uint16_t kResponderNonce = 0x1007;
inline constexpr uint16_t kResponderCapabilities = 0x1008;
inline constexpr uint16_t kResponderProtocolKey = 0x1009;
inline constexpr uint16_t kInitiatorAuthTag = 0x100a;
inline constexpr uint16_t kResponderAuthTag = 0x100b;
inline constexpr uint16_t kConfigObject = 0x100c;
inline constexpr uint16_t kConnector = 0x100d;
inline constexpr uint16_t kConfigAttributes = 0x100e;
inline constexpr uint16_t kBootstrapKey = 0x100f;
inline constexpr uint16_t kEnrolleeNonce = 0x1014;
inline constexpr uint16_t kTransactionId = 0x1016;
inline constexpr uint16_t kChannel = 0x1018;
inline constexpr uint16_t kProtocolVersion = 0x1019;
inline constexpr uint16_t kSendConnStatus = 0x101b;
inline constexpr uint16_t kCsrAttributesRequest = 0x101f;
}  // namespace attr

enum class DppStatus : uint8_t {
  kOk = 0,
  kNotCompatible = 1,
  kAuthFailure = 2,
  kUnwrapFailure = 3,
  kBadGroup = 4,
  kConfigureFailure = 5,
  kResponsePending = 6,
  kInvalidConnector = 7,
  kNoMatch = 8,
  kConfigRejected = 9,
  kNoAp = 10,
  kConfigurePending = 11,
  kCsrNeeded = 12,
  kCsrBad = 13,
};
const char* status_name(uint8_t status);

inline constexpr uint8_t kCapEnrollee = 0x01;
inline constexpr uint8_t kCapConfigurator = 0x02;

struct Attr {
  uint16_t id = 0;
  Bytes value;
};

// Attributes: little-endian u16 ID, u16 length, value. Strict: a length past the end, trailing
// octets, or anything after Wrapped Data is refused ("dpp.attr").
Result<std::vector<Attr>> parse_attrs(const uint8_t* data, size_t len);
Bytes encode_attr(uint16_t id, const Bytes& value);
Bytes encode_attrs(const std::vector<Attr>& attrs);
// The first attribute with this id, or nullptr.
const Attr* find_attr(const std::vector<Attr>& attrs, uint16_t id);
// The attribute's value, refusing ("dpp.attr.missing"/"dpp.attr.length") when absent or, with
// exact_len > 0, of another length.
Result<Bytes> require_attr(const std::vector<Attr>& attrs, uint16_t id, const char* name,
                           size_t exact_len = 0);

// The 6 octets after the category: OUI 50 6f 9a, OUI type 1a, crypto suite 01, frame type. Every
// wrapped-data AD starts with them.
Bytes frame_header(uint8_t type);

struct Frame {
  uint8_t type = 0;
  std::vector<Attr> attrs;
  Bytes body;        // the attribute octets exactly as received
  size_t wd_offset;  // where Wrapped Data starts in body (body.size() when there is none)
  Bytes before_wd() const {
    return Bytes(body.begin(), body.begin() + static_cast<long>(wd_offset));
  }
};

// A TCP message: "09 50 6f 9a 1a 01 <type> attrs" (a public action frame without its category).
Bytes encode_frame(uint8_t type, const std::vector<Attr>& attrs);
Result<Frame> parse_frame(const Bytes& message);

// GAS frames over TCP (no fragmentation). Advertisement protocol: DPP's vendor-specific one.
enum class GasKind : uint8_t {
  kInitialRequest = 0x0a,
  kInitialResponse = 0x0b,
  kComebackRequest = 0x0c,
  kComebackResponse = 0x0d
};
struct Gas {
  GasKind kind = GasKind::kInitialRequest;
  uint8_t token = 0;
  uint16_t status = 0;          // responses
  uint16_t comeback_delay = 0;  // responses, in TUs
  uint8_t frag_id = 0;          // comeback response
  Bytes body;                   // query / response (initial and comeback)
};
Bytes encode_gas(const Gas& gas);
Result<Gas> parse_gas(const Bytes& message);

// Is this TCP message a DPP frame (09) or a GAS frame (0a-0d)?
inline bool is_dpp_frame(const Bytes& m) {
  return !m.empty() && m[0] == 0x09;
}
inline bool is_gas_frame(const Bytes& m) {
  return !m.empty() && m[0] >= 0x0a && m[0] <= 0x0d;
}

// ----- configuration objects -----

// configAttrib of a configuration request.
struct ConfigRequest {
  std::string name;
  std::string wifi_tech = "infra";
  std::string net_role = "sta";  // sta, ap, configurator
  std::string mud_url;
  std::string pkcs10;  // base64 DER CSR (802.1X)
  Json to_json() const;
  static Result<ConfigRequest> parse(const Bytes& json);
};

// A JWK for an EC public key: x and y exactly prime_len octets, base64url without padding.
Json ec_jwk(const crypto::PublicKey& key);
Result<crypto::PublicKey> parse_ec_jwk(const Json& jwk, const std::string& path);
// kid of a C-sign key: b64url(SHA-256(04||x||y)).
std::string csign_kid(const crypto::PublicKey& key);

struct ConnectorClaims {
  std::vector<std::pair<std::string, std::string>> groups;  // groupId, netRole
  crypto::PublicKey net_access_key;
  std::string expiry;  // RFC 3339 "YYYY-MM-DDTHH:MM:SSZ", or empty
};
// Signs a connector {"typ":"dppCon","kid","alg"} with the C-sign key (raw r||s).
Result<std::string> sign_connector(const ConnectorClaims& claims, const crypto::PrivateKey& csign);
// Verifies signature, alg, kid, groups and expiry (against now_unix); "dpp.connector.*" on refusal.
Result<ConnectorClaims> verify_connector(const std::string& connector,
                                         const crypto::PublicKey& csign, int64_t now_unix);

// One configuration object as sent in a Configuration Response.
struct ConfigObject {
  std::string ssid;
  std::string akm;  // dpp, psk, sae, psk+sae, dot1x, ...
  // akm dpp (and dot1x, which carries a connector too):
  std::string signed_connector;
  crypto::PublicKey csign;
  // akm psk/sae: a passphrase of 8-63 printable characters (never logged).
  SecretString pass;
  // akm dot1x:
  std::string cert_bag;  // base64 DER PKCS#7 certs-only
  std::string ca_cert;   // base64 DER
  std::string trusted_eap_server_name;
  Json to_json() const;
  static Result<ConfigObject> parse(const Bytes& json);
};

}  // namespace gh::codec::dpp
