// The DPP engine's frame: bootstrapping key hashes, the state machine's bookkeeping, the
// dispatcher that routes each message to its sub-protocol (dpp_auth.cpp, dpp_config.cpp), and the
// Presence Announcement.
#include "proto/dpp.h"

#include "common/time.h"
#include "crypto/ct.h"
#include "crypto/digest.h"
#include "proto/dpp_derive.h"
#include "proto/dpp_internal.h"

namespace gh::proto::dpp {

using namespace detail;

Result<PeerBootstrap> PeerBootstrap::from_spki(const Bytes& spki, std::string label) {
  PeerBootstrap p;
  auto decoded = TRY_CTX(crypto::PublicKey::from_der(spki), "bootstrapping key");
  // Held as a provider-native key: each authentication does key agreement with it.
  p.key = TRY_CTX(crypto::PublicKey::from_point(TRY(decoded.curve()), decoded.point()),
                  "bootstrapping key");
  p.spki = spki;
  p.label = std::move(label);
  return p;
}

Bytes bootstrap_key_hash(const Bytes& spki) {
  return crypto::sha256(spki);
}
Bytes chirp_hash(const Bytes& spki) {
  const Bytes prefix = to_bytes("chirp");
  return crypto::sha256(cat({&prefix, &spki}));
}

const char* Session::state_name(State s) {
  switch (s) {
    case State::kIdle:
      return "idle";
    case State::kAwaitAuthResponse:
      return "await-auth-response";
    case State::kAwaitAuthConfirm:
      return "await-auth-confirm";
    case State::kAwaitConfigRequest:
      return "await-config-request";
    case State::kAwaitConfigResponse:
      return "await-config-response";
    case State::kAwaitConfigResult:
      return "await-config-result";
    case State::kDone:
      return "done";
    case State::kFailed:
      return "failed";
  }
  return "?";
}

Session::Session(Options options) : o_(std::move(options)) {
  if (o_.now_unix == 0) o_.now_unix = time::now();
  if (!o_.make_protocol_key)
    o_.make_protocol_key = [](crypto::Curve c) { return crypto::PrivateKey::generate(c); };
}

Session::~Session() {
  forget_intermediates();
  crypto::secure_zero(ke_);
  crypto::secure_zero(bk_);
}

void Session::enter(State s) {
  trail_.push_back(std::string(state_name(state_)) + " -> " + state_name(s));
  state_ = s;
}

Output Session::fail(Error e, std::vector<Bytes> send) {
  trail_.push_back("failed: " + e.str());
  state_ = State::kFailed;
  forget_intermediates();
  Output out;
  out.send = std::move(send);
  out.done = true;
  out.error = std::move(e);
  return out;
}

void Session::forget_intermediates() {
  crypto::secure_zero(k1_);
  crypto::secure_zero(k2_);
  crypto::secure_zero(mx_);
  crypto::secure_zero(nx_);
  crypto::secure_zero(lx_);
  crypto::secure_zero(i_auth_expected_);
}

void Session::derive_bk_ke() {
  bk_ = derive_bk(curve_, i_nonce_, r_nonce_, mx_, nx_, lx_).value_or({});
  ke_ = derive_ke(curve_, bk_).value_or({});
}

Result<Bytes> Session::presence_announcement() {
  if (o_.role != Role::kEnrollee || state_ != State::kIdle)
    return make_error("dpp.state", "only an idle enrollee announces itself");
  trail_.push_back("sent Presence Announcement");
  return cd::encode_frame(static_cast<uint8_t>(cd::FrameType::kPresenceAnnouncement),
                          {{attr::kResponderBkh, chirp_hash(o_.own.spki)}});
}

Result<Bytes> Session::start() {
  if (state_ != State::kIdle || !o_.peer)
    return make_error("dpp.state", "an initiator needs an idle session and a peer key");
  return auth_request();
}

Output Session::handle(const Bytes& message) {
  if (state_ == State::kDone || state_ == State::kFailed)
    return fail(make_error("dpp.state", "message after the exchange ended"));
  if (cd::is_gas_frame(message)) {
    auto g = cd::parse_gas(message);
    if (!g) return fail(g.error());
    if (g->kind == cd::GasKind::kInitialRequest && state_ == State::kAwaitConfigRequest)
      return on_config_request(*g);
    if ((g->kind == cd::GasKind::kInitialResponse || g->kind == cd::GasKind::kComebackResponse) &&
        state_ == State::kAwaitConfigResponse)
      return on_config_response(*g);
    return fail(make_error("dpp.state", "unexpected GAS frame 0x" + hex_encode({message[0]}) +
                                            " in state " + state_name(state_)));
  }
  auto f = cd::parse_frame(message);
  if (!f) return fail(f.error());
  using T = cd::FrameType;
  const T type = static_cast<T>(f->type);
  if (type == T::kAuthRequest && state_ == State::kIdle) return on_auth_request(*f);
  if (type == T::kPresenceAnnouncement && state_ == State::kIdle && o_.role == Role::kConfigurator)
    return on_presence(*f);
  if (type == T::kAuthResponse && state_ == State::kAwaitAuthResponse) return on_auth_response(*f);
  if (type == T::kAuthConfirm && state_ == State::kAwaitAuthConfirm) return on_auth_confirm(*f);
  if (type == T::kConfigurationResult && state_ == State::kAwaitConfigResult)
    return on_config_result(*f);
  return fail(make_error("dpp.state", std::string("unexpected ") + cd::frame_name(f->type) +
                                          " in state " + state_name(state_)));
}

Output Session::on_presence(const cd::Frame& f) {
  auto h = cd::require_attr(f.attrs, attr::kResponderBkh, "bootstrapping key hash", 32);
  if (!h) return fail(h.error());
  auto peer = o_.hooks.find_chirp ? o_.hooks.find_chirp(*h) : std::nullopt;
  if (!peer)
    return fail(make_error(
        "dpp.chirp.unknown",
        "presence announcement from an unknown bootstrapping key " + hex_encode(*h).substr(0, 16)));
  trail_.push_back("presence announcement from " + peer->label);
  o_.peer = std::move(*peer);
  auto req = auth_request();
  if (!req) return fail(req.error());
  return Output{{std::move(*req)}, 0, false, std::nullopt};
}

}  // namespace gh::proto::dpp
