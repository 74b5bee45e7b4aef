// Wi-Fi Easy Connect (DPP) R2: one I/O-free engine for either role (Configurator or Enrollee),
// either side of authentication (Initiator or Responder), responder-only or mutual, followed by
// the configuration exchange and the Configuration Result. The caller moves TCP messages; the
// engine says what to send and when the exchange is over.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "codec/dpp.h"
#include "crypto/key.h"

namespace gh::proto::dpp {

namespace cd = codec::dpp;

// A bootstrapping key we hold the private half of, with the SPKI our URI carries.
struct OwnBootstrap {
  crypto::PrivateKey key;
  Bytes spki;
};

// A peer's bootstrapping public key, as learnt from its URI.
struct PeerBootstrap {
  crypto::PublicKey key;
  Bytes spki;
  std::string label;  // who it is to us (a serial, "uri:<hash>", ...), for the evidence log
  static Result<PeerBootstrap> from_spki(const Bytes& spki, std::string label);
};

Bytes bootstrap_key_hash(const Bytes& spki);  // SHA-256(SPKI): I-/R-BKH
Bytes chirp_hash(const Bytes& spki);          // SHA-256("chirp" || SPKI)

enum class Role { kConfigurator, kEnrollee };

// What an authenticated enrollee is, as the configurator's policy sees it.
struct EnrolleeInfo {
  std::optional<PeerBootstrap> bootstrap;  // known when mutual, chirped or we initiated
  crypto::PublicKey protocol_key;          // becomes the connector's netAccessKey
  bool mutual = false;
  int version = 1;
};

// What the configurator's host decides for one configuration request: an object to send, or (for
// 802.1X) a CSR first.
struct ConfigDecision {
  std::optional<cd::ConfigObject> object;
  // Non-empty: answer CSR_NEEDED with this CSR Attributes Request (base64 DER CsrAttrs).
  std::string csr_attrs;
  ConfigDecision() = default;
  ConfigDecision(cd::ConfigObject o) : object(std::move(o)) {}  // NOLINT: implicit by design
};

// The configurator's host: policy and credential issuing happen outside the engine. configure()
// refuses with an Error to decline (the enrollee gets CONFIGURE_FAILURE). A request that carries
// a CSR reaches it only after the engine checked the CSR's signature, that its key is the
// enrollee's protocol key, and its challengePassword (derived from this authentication's bk).
struct ConfiguratorHooks {
  std::function<std::optional<PeerBootstrap>(const Bytes& bkh)> find_peer;
  std::function<std::optional<PeerBootstrap>(const Bytes& chirp)> find_chirp;
  std::function<Result<ConfigDecision>(const EnrolleeInfo&, const cd::ConfigRequest&)> configure;
};

struct Options {
  Role role = Role::kEnrollee;
  OwnBootstrap own;
  // Further bootstrapping keys on other curves: an initiator uses the one on its peer's curve (so
  // mutual authentication stays on one curve); a responder answers to any of them.
  std::vector<OwnBootstrap> own_other_curves;
  // Initiator: the peer to authenticate. Responder: when set, mutual authentication with it.
  std::optional<PeerBootstrap> peer;
  // Enrollee: what it asks for.
  cd::ConfigRequest request;
  // Enrollee: makes the protocol key (which becomes the netAccessKey; a keystore may hold it).
  std::function<Result<crypto::PrivateKey>(crypto::Curve)> make_protocol_key;
  ConfiguratorHooks hooks;
  int64_t now_unix = 0;  // for connector expiry checks; 0 = the clock
};

struct Output {
  std::vector<Bytes> send;     // TCP messages, in order
  int delay_ms = 0;            // wait this long before sending them (a GAS comeback)
  bool done = false;           // the exchange is over: send these, then close
  std::optional<Error> error;  // why it failed (the check named); done is then true
};

class Session {
 public:
  enum class State {
    kIdle,
    kAwaitAuthResponse,    // initiator sent the request
    kAwaitAuthConfirm,     // responder sent the response
    kAwaitConfigRequest,   // configurator, authenticated
    kAwaitConfigResponse,  // enrollee sent its request
    kAwaitConfigResult,    // configurator sent the configuration
    kDone,
    kFailed
  };

  explicit Session(Options options);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Enrollee that chirps: the Presence Announcement, after which it waits to be authenticated.
  Result<Bytes> presence_announcement();
  // Initiator (options.peer set): the Authentication Request.
  Result<Bytes> start();
  // Any message from the peer.
  Output handle(const Bytes& message);

  State state() const { return state_; }
  static const char* state_name(State s);
  bool initiator() const { return initiator_; }
  bool mutual() const { return mutual_; }
  // The peer's bootstrapping key when known (we initiated, it chirped, or mutual authentication).
  const std::optional<PeerBootstrap>& peer() const { return o_.peer; }
  // Enrollee, when done: what was received (first object first) and the key the connector names.
  const std::vector<cd::ConfigObject>& configuration() const { return config_; }
  const crypto::PrivateKey& protocol_key() const { return proto_key_; }
  // Configurator: the enrollee it dealt with, the request it made, the result status it sent back.
  const EnrolleeInfo& enrollee() const { return enrollee_; }
  const cd::ConfigRequest& config_request() const { return peer_request_; }
  std::optional<uint8_t> result_status() const { return result_status_; }
  // The state transitions and decisions, in order (for the evidence log).
  const std::vector<std::string>& trail() const { return trail_; }

 private:
  Output on_auth_request(const cd::Frame& f);
  Output on_auth_response(const cd::Frame& f);
  Output on_auth_confirm(const cd::Frame& f);
  Output on_presence(const cd::Frame& f);
  Output on_config_request(const cd::Gas& g);
  Output on_config_response(const cd::Gas& g);
  Output on_config_result(const cd::Frame& f);
  Result<Bytes> auth_request();
  Result<Bytes> config_request_message(const std::string& pkcs10 = "");
  Output on_csr_needed(const std::vector<cd::Attr>& inner);
  Status check_dot1x(const cd::ConfigObject& o) const;
  Result<std::string> challenge_password() const;
  Output fail(Error e, std::vector<Bytes> send = {});
  void enter(State s);
  void derive_bk_ke();  // bk and ke from the nonces and mx_, nx_, lx_
  void forget_intermediates();

  Options o_;
  State state_ = State::kIdle;
  bool initiator_ = false;
  bool mutual_ = false;
  int peer_version_ = 1;
  crypto::Curve curve_ = crypto::Curve::kP256;
  crypto::PrivateKey proto_key_;
  crypto::PublicKey peer_proto_;
  Bytes i_nonce_, r_nonce_, e_nonce_;
  Bytes mx_, nx_, lx_;  // ECDH x-coordinates, zeroised after authentication
  Bytes k1_, k2_, ke_, bk_;
  Bytes r_auth_expected_, i_auth_expected_;
  uint8_t gas_token_ = 0;
  bool csr_requested_ = false;  // configurator: CSR_NEEDED sent once
  bool csr_sent_ = false;       // enrollee: a CSR sent once
  int comebacks_ = 0;
  std::vector<cd::ConfigObject> config_;
  EnrolleeInfo enrollee_;
  cd::ConfigRequest peer_request_;
  std::optional<uint8_t> result_status_;
  std::vector<std::string> trail_;
};

}  // namespace gh::proto::dpp
