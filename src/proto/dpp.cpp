#include "proto/dpp.h"

#include <algorithm>

#include "common/log.h"
#include "common/time.h"
#include "crypto/cms.h"
#include "crypto/digest.h"
#include "crypto/kdf_siv.h"
#include "crypto/x509.h"

namespace gh::proto::dpp {
namespace {

using cd::Attr;
namespace attr = cd::attr;

const char* hash_name(crypto::Curve c) {
  return c == crypto::Curve::kP384 ? "SHA384" : c == crypto::Curve::kP521 ? "SHA512" : "SHA256";
}

Bytes cat(std::initializer_list<const Bytes*> parts) {
  Bytes out;
  for (const Bytes* p : parts) out.insert(out.end(), p->begin(), p->end());
  return out;
}

// x||y of a public key (DPP's protocol-key encoding), and its x alone.
Bytes xy_of(const crypto::PublicKey& k) {
  Bytes p = k.point();
  return p.empty() ? p : Bytes(p.begin() + 1, p.end());
}
Bytes x_of(const crypto::PublicKey& k) {
  Bytes xy = xy_of(k);
  return Bytes(xy.begin(), xy.begin() + static_cast<long>(xy.size() / 2));
}

Result<crypto::PublicKey> point_from_xy(crypto::Curve curve, const Bytes& xy) {
  if (xy.size() != 2 * crypto::prime_len(curve))
    return make_error("dpp.protocol-key",
                      "protocol key is not a " + std::string(crypto::curve_name(curve)) + " point");
  Bytes p{0x04};
  p.insert(p.end(), xy.begin(), xy.end());
  auto k = crypto::PublicKey::from_point(curve, p);
  if (!k) return make_error("dpp.protocol-key", "protocol key is not on the curve");
  return k;
}

Attr wrapped(const Bytes& key, const std::vector<Bytes>& ad, const std::vector<Attr>& inner) {
  auto out = crypto::aes_siv_encrypt(key, ad, cd::encode_attrs(inner));
  return {attr::kWrappedData, out ? *out : Bytes{}};
}

Result<std::vector<Attr>> unwrap(const Bytes& key, const std::vector<Bytes>& ad,
                                 const std::vector<Attr>& attrs, const char* what) {
  auto wd = TRY(cd::require_attr(attrs, attr::kWrappedData, "Wrapped Data"));
  auto plain = crypto::aes_siv_decrypt(key, ad, wd);
  if (!plain)
    return make_error("dpp.unwrap", std::string("wrapped data of the ") + what +
                                        " does not decrypt (wrong key, tag or AD)");
  return TRY_CTX(cd::parse_attrs(plain->data(), plain->size()), std::string("inside ") + what);
}

// Constant-time comparison of equal-length buffers: 0 when equal.
int CRYPTO_memcmp_bytes(const Bytes& a, const Bytes& b) {
  if (a.size() != b.size()) return 1;
  uint8_t d = 0;
  for (size_t i = 0; i < a.size(); ++i) d |= static_cast<uint8_t>(a[i] ^ b[i]);
  return d;
}

void zero(Bytes& b) {
  std::fill(b.begin(), b.end(), 0);
  b.clear();
}

Bytes one_octet(uint8_t v) {
  return Bytes{v};
}

}  // namespace

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
  Bytes in = to_bytes("chirp");
  in.insert(in.end(), spki.begin(), spki.end());
  return crypto::sha256(in);
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
  zero(ke_);
  zero(bk_);
}

size_t Session::hash_len() const {
  return crypto::prime_len(curve_) == 32 ? 32 : crypto::prime_len(curve_) == 48 ? 48 : 64;
}

Bytes Session::hash(const Bytes& data) const {
  switch (curve_) {
    case crypto::Curve::kP384:
      return crypto::sha384(data);
    case crypto::Curve::kP521:
      return crypto::sha512(data);
    default:
      return crypto::sha256(data);
  }
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
  zero(k1_);
  zero(k2_);
  zero(mx_);
  zero(nx_);
  zero(lx_);
}

void Session::derive_ke(const Bytes& mx, const Bytes& nx, const Bytes& lx) {
  Bytes salt = cat({&i_nonce_, &r_nonce_});
  Bytes ikm = cat({&mx, &nx, &lx});
  bk_ = crypto::hkdf_extract(hash_name(curve_), salt, ikm).value_or({});
  ke_ = crypto::hkdf_expand(hash_name(curve_), bk_, to_bytes("DPP Key"), hash_len()).value_or({});
  zero(ikm);
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

Result<Bytes> Session::auth_request() {
  initiator_ = true;
  curve_ = TRY(o_.peer->key.curve());
  if (o_.own.key.curve().value_or(curve_) != curve_)
    for (const auto& alt : o_.own_other_curves)
      if (alt.key.curve().value_or(crypto::Curve::kP256) == curve_) o_.own = alt;
  proto_key_ = TRY(o_.role == Role::kEnrollee ? o_.make_protocol_key(curve_)
                                              : crypto::PrivateKey::generate(curve_));
  i_nonce_ = crypto::random_bytes(hash_len() / 2);
  mx_ = TRY_CTX(proto_key_.derive(o_.peer->key), "M = pI*BR");
  k1_ = TRY(crypto::hkdf(hash_name(curve_), Bytes(hash_len(), 0), mx_,
                         to_bytes("first intermediate key"), hash_len()));
  std::vector<Attr> attrs = {
      {attr::kResponderBkh, bootstrap_key_hash(o_.peer->spki)},
      {attr::kInitiatorBkh, bootstrap_key_hash(o_.own.spki)},
      {attr::kInitiatorProtocolKey, xy_of(proto_key_.public_key())},
      {attr::kProtocolVersion, one_octet(2)},
  };
  const uint8_t type = static_cast<uint8_t>(cd::FrameType::kAuthRequest);
  uint8_t icap = o_.role == Role::kConfigurator ? cd::kCapConfigurator : cd::kCapEnrollee;
  attrs.push_back(
      wrapped(k1_, {cd::frame_header(type), cd::encode_attrs(attrs)},
              {{attr::kInitiatorNonce, i_nonce_}, {attr::kInitiatorCapabilities, {icap}}}));
  enter(State::kAwaitAuthResponse);
  trail_.push_back("sent Authentication Request to " + o_.peer->label);
  return cd::encode_frame(type, attrs);
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

Output Session::on_auth_request(const cd::Frame& f) {
  // Checks that fail before the responder can answer are silent drops (the spec's "discard").
  auto rbkh = cd::require_attr(f.attrs, attr::kResponderBkh, "R-BKH", 32);
  if (!rbkh) return fail(rbkh.error());
  if (*rbkh != bootstrap_key_hash(o_.own.spki)) {
    bool found = false;
    for (const auto& alt : o_.own_other_curves)
      if (*rbkh == bootstrap_key_hash(alt.spki)) {
        o_.own = alt;
        found = true;
      }
    if (!found)
      return fail(make_error("dpp.bkh", "Authentication Request for another bootstrapping key"));
  }
  curve_ = o_.own.key.curve().value_or(crypto::Curve::kP256);
  const size_t nonce_len = hash_len() / 2;
  const cd::Attr* ibkh = cd::find_attr(f.attrs, attr::kInitiatorBkh);
  if (ibkh && ibkh->value.size() != 32)
    return fail(make_error("dpp.attr.length", "I-BKH is not 32 octets"));
  if (o_.peer) {
    if (!ibkh || ibkh->value != bootstrap_key_hash(o_.peer->spki))
      return fail(make_error("dpp.bkh.peer", "the initiator is not the peer we expect"));
    mutual_ = true;
  } else if (ibkh && o_.hooks.find_peer) {
    if (auto p = o_.hooks.find_peer(ibkh->value)) {
      o_.peer = std::move(*p);
      mutual_ = true;
    }
  }
  if (mutual_ && o_.peer->key.curve().value_or(curve_) != curve_) {
    trail_.push_back("the initiator's bootstrapping key is on another curve: responder-only");
    mutual_ = false;
  }
  if (const cd::Attr* v = cd::find_attr(f.attrs, attr::kProtocolVersion); v && v->value.size() == 1)
    peer_version_ = std::max(1, static_cast<int>(v->value[0]));
  auto pi_xy = cd::require_attr(f.attrs, attr::kInitiatorProtocolKey, "I-Proto Key");
  if (!pi_xy) return fail(pi_xy.error());
  auto pi = point_from_xy(curve_, *pi_xy);
  if (!pi) return fail(pi.error());
  peer_proto_ = *pi;
  auto m = o_.own.key.derive(peer_proto_);
  if (!m) return fail(m.error());
  mx_ = std::move(*m);
  k1_ = crypto::hkdf(hash_name(curve_), Bytes(hash_len(), 0), mx_,
                     to_bytes("first intermediate key"), hash_len())
            .value_or({});
  const uint8_t type = static_cast<uint8_t>(cd::FrameType::kAuthRequest);
  auto inner =
      unwrap(k1_, {cd::frame_header(type), f.before_wd()}, f.attrs, "Authentication Request");
  if (!inner) return fail(inner.error());
  auto inonce = cd::require_attr(*inner, attr::kInitiatorNonce, "I-nonce", nonce_len);
  if (!inonce) return fail(inonce.error());
  auto icap = cd::require_attr(*inner, attr::kInitiatorCapabilities, "I-capabilities", 1);
  if (!icap) return fail(icap.error());
  i_nonce_ = *inonce;
  trail_.push_back(std::string("Authentication Request") +
                   (mutual_ ? " (mutual, from " + o_.peer->label + ")" : " (responder-only)"));

  // From here on the responder answers.
  const uint8_t rtype = static_cast<uint8_t>(cd::FrameType::kAuthResponse);
  const uint8_t rcap = o_.role == Role::kConfigurator ? cd::kCapConfigurator : cd::kCapEnrollee;
  const uint8_t needed = o_.role == Role::kConfigurator ? cd::kCapEnrollee : cd::kCapConfigurator;
  std::vector<Attr> head;
  auto add_ids = [&](std::vector<Attr>& a) {
    a.push_back({attr::kResponderBkh, *rbkh});
    if (mutual_) a.push_back({attr::kInitiatorBkh, ibkh->value});
  };
  if (((*icap)[0] & needed) == 0) {
    head.push_back({attr::kStatus, {static_cast<uint8_t>(cd::DppStatus::kNotCompatible)}});
    add_ids(head);
    if (cd::find_attr(f.attrs, attr::kProtocolVersion))
      head.push_back({attr::kProtocolVersion, one_octet(2)});
    head.push_back(
        wrapped(k1_, {cd::frame_header(rtype), cd::encode_attrs(head)},
                {{attr::kInitiatorNonce, i_nonce_}, {attr::kResponderCapabilities, {rcap}}}));
    return fail(make_error("dpp.role",
                           "the initiator cannot take the role opposite ours "
                           "(status NOT_COMPATIBLE)"),
                {cd::encode_frame(rtype, head)});
  }
  auto pr = o_.make_protocol_key(curve_);
  if (!pr) return fail(pr.error());
  proto_key_ = *pr;
  std::optional<crypto::PrivateKey> scalar_sum;  // (bR + pR) mod q, for L
  if (mutual_) {
    auto sum = crypto::ec_scalar_sum(o_.own.key, proto_key_);
    if (sum) {
      scalar_sum = std::move(*sum);
    } else {  // a bootstrapping key held in a TPM cannot be added to
      trail_.push_back(
          "own bootstrapping key cannot take part in mutual authentication: "
          "responder-only");
      mutual_ = false;
    }
  }
  auto n = proto_key_.derive(peer_proto_);
  if (!n) return fail(n.error());
  nx_ = std::move(*n);
  k2_ = crypto::hkdf(hash_name(curve_), Bytes(hash_len(), 0), nx_,
                     to_bytes("second intermediate key"), hash_len())
            .value_or({});
  Bytes bix;
  if (mutual_) {
    auto l = scalar_sum->derive(o_.peer->key);
    if (!l) return fail(l.error());
    lx_ = std::move(*l);
    bix = x_of(o_.peer->key);
  }
  r_nonce_ = crypto::random_bytes(nonce_len);
  derive_ke(mx_, nx_, lx_);
  Bytes pix = x_of(peer_proto_), prx = x_of(proto_key_.public_key()),
        brx = x_of(o_.own.key.public_key());
  Bytes zero_octet{0x00}, one{0x01};
  Bytes r_auth = hash(cat({&i_nonce_, &r_nonce_, &pix, &prx, &bix, &brx, &zero_octet}));
  i_auth_expected_ = hash(cat({&r_nonce_, &i_nonce_, &prx, &pix, &brx, &bix, &one}));
  head.push_back({attr::kStatus, {0}});
  add_ids(head);
  head.push_back({attr::kResponderProtocolKey, xy_of(proto_key_.public_key())});
  if (cd::find_attr(f.attrs, attr::kProtocolVersion))
    head.push_back({attr::kProtocolVersion, one_octet(2)});
  Attr inner_wd = wrapped(ke_, {}, {{attr::kResponderAuthTag, r_auth}});
  head.push_back(wrapped(k2_, {cd::frame_header(rtype), cd::encode_attrs(head)},
                         {{attr::kResponderNonce, r_nonce_},
                          {attr::kInitiatorNonce, i_nonce_},
                          {attr::kResponderCapabilities, {rcap}},
                          inner_wd}));
  enrollee_.protocol_key = peer_proto_;
  enrollee_.mutual = mutual_;
  enrollee_.version = peer_version_;
  if (mutual_) enrollee_.bootstrap = o_.peer;
  enter(State::kAwaitAuthConfirm);
  return Output{{cd::encode_frame(rtype, head)}, 0, false, std::nullopt};
}

Output Session::on_auth_response(const cd::Frame& f) {
  const size_t nonce_len = hash_len() / 2;
  const uint8_t rtype = static_cast<uint8_t>(cd::FrameType::kAuthResponse);
  const uint8_t ctype = static_cast<uint8_t>(cd::FrameType::kAuthConfirm);
  auto status = cd::require_attr(f.attrs, attr::kStatus, "Status", 1);
  if (!status) return fail(status.error());
  auto rbkh = cd::require_attr(f.attrs, attr::kResponderBkh, "R-BKH", 32);
  if (!rbkh) return fail(rbkh.error());
  if (*rbkh != bootstrap_key_hash(o_.peer->spki))
    return fail(make_error("dpp.bkh", "Authentication Response names another bootstrapping key"));
  if (const cd::Attr* v = cd::find_attr(f.attrs, attr::kProtocolVersion); v && v->value.size() == 1)
    peer_version_ = std::max(1, static_cast<int>(v->value[0]));
  if ((*status)[0] != 0) {
    auto inner =
        unwrap(k1_, {cd::frame_header(rtype), f.before_wd()}, f.attrs, "Authentication Response");
    if (!inner) return fail(inner.error());
    return fail(make_error("dpp.peer-status",
                           std::string("the responder refused: ") + cd::status_name((*status)[0])));
  }
  if (const cd::Attr* ibkh = cd::find_attr(f.attrs, attr::kInitiatorBkh)) {
    if (ibkh->value != bootstrap_key_hash(o_.own.spki))
      return fail(make_error("dpp.bkh", "Authentication Response names another initiator key"));
    mutual_ = true;
  }
  auto pr_xy = cd::require_attr(f.attrs, attr::kResponderProtocolKey, "R-Proto Key");
  if (!pr_xy) return fail(pr_xy.error());
  auto pr = point_from_xy(curve_, *pr_xy);
  if (!pr) return fail(pr.error());
  peer_proto_ = *pr;
  auto n = proto_key_.derive(peer_proto_);
  if (!n) return fail(n.error());
  nx_ = std::move(*n);
  k2_ = crypto::hkdf(hash_name(curve_), Bytes(hash_len(), 0), nx_,
                     to_bytes("second intermediate key"), hash_len())
            .value_or({});
  auto outer =
      unwrap(k2_, {cd::frame_header(rtype), f.before_wd()}, f.attrs, "Authentication Response");
  if (!outer) return fail(outer.error());
  auto rnonce = cd::require_attr(*outer, attr::kResponderNonce, "R-nonce", nonce_len);
  if (!rnonce) return fail(rnonce.error());
  auto inonce = cd::require_attr(*outer, attr::kInitiatorNonce, "I-nonce", nonce_len);
  if (!inonce) return fail(inonce.error());
  if (*inonce != i_nonce_) return fail(make_error("dpp.nonce", "I-nonce does not match ours"));
  auto rcap = cd::require_attr(*outer, attr::kResponderCapabilities, "R-capabilities", 1);
  if (!rcap) return fail(rcap.error());
  r_nonce_ = *rnonce;
  auto confirm_failure = [&](cd::DppStatus st, Error e) {
    std::vector<Attr> a = {{attr::kStatus, {static_cast<uint8_t>(st)}},
                           {attr::kResponderBkh, *rbkh}};
    if (mutual_) a.push_back({attr::kInitiatorBkh, bootstrap_key_hash(o_.own.spki)});
    a.push_back(wrapped(k2_, {cd::frame_header(ctype), cd::encode_attrs(a)},
                        {{attr::kResponderNonce, r_nonce_}}));
    return fail(std::move(e), {cd::encode_frame(ctype, a)});
  };
  const uint8_t want = o_.role == Role::kConfigurator ? cd::kCapEnrollee : cd::kCapConfigurator;
  if ((*rcap)[0] != want)
    return confirm_failure(cd::DppStatus::kNotCompatible,
                           make_error("dpp.role", "the responder chose an incompatible role"));
  Bytes bix;
  if (mutual_) {
    auto sum = crypto::ec_point_sum(o_.peer->key, peer_proto_);
    auto l = sum ? o_.own.key.derive(*sum) : Result<Bytes>(sum.error());
    if (!l) return fail(l.error());
    lx_ = std::move(*l);
    bix = x_of(o_.own.key.public_key());
  }
  derive_ke(mx_, nx_, lx_);
  auto inner =
      unwrap(ke_, {},
             {cd::find_attr(*outer, attr::kWrappedData) ? *cd::find_attr(*outer, attr::kWrappedData)
                                                        : Attr{}},
             "R-auth");
  Bytes pix = x_of(proto_key_.public_key()), prx = x_of(peer_proto_), brx = x_of(o_.peer->key);
  Bytes zero_octet{0x00}, one{0x01};
  Bytes expected = hash(cat({&i_nonce_, &r_nonce_, &pix, &prx, &bix, &brx, &zero_octet}));
  auto rauth = inner ? cd::require_attr(*inner, attr::kResponderAuthTag, "R-auth", hash_len())
                     : Result<Bytes>(inner.error());
  if (!rauth || *rauth != expected)
    return confirm_failure(cd::DppStatus::kAuthFailure,
                           make_error("dpp.r-auth",
                                      "the responder's authenticating tag (R-auth) "
                                      "does not verify"));
  Bytes i_auth = hash(cat({&r_nonce_, &i_nonce_, &prx, &pix, &brx, &bix, &one}));
  std::vector<Attr> a = {{attr::kStatus, {0}}, {attr::kResponderBkh, *rbkh}};
  if (mutual_) a.push_back({attr::kInitiatorBkh, bootstrap_key_hash(o_.own.spki)});
  a.push_back(wrapped(ke_, {cd::frame_header(ctype), cd::encode_attrs(a)},
                      {{attr::kInitiatorAuthTag, i_auth}}));
  forget_intermediates();
  trail_.push_back(std::string("authenticated ") + o_.peer->label + (mutual_ ? " (mutual)" : ""));
  Output out{{cd::encode_frame(ctype, a)}, 0, false, std::nullopt};
  if (o_.role == Role::kEnrollee) {
    auto req = config_request_message();
    if (!req) return fail(req.error(), std::move(out.send));
    out.send.push_back(std::move(*req));
    enter(State::kAwaitConfigResponse);
  } else {
    enrollee_.bootstrap = o_.peer;
    enrollee_.protocol_key = peer_proto_;
    enrollee_.mutual = mutual_;
    enrollee_.version = peer_version_;
    enter(State::kAwaitConfigRequest);
  }
  return out;
}

Output Session::on_auth_confirm(const cd::Frame& f) {
  const uint8_t ctype = static_cast<uint8_t>(cd::FrameType::kAuthConfirm);
  auto status = cd::require_attr(f.attrs, attr::kStatus, "Status", 1);
  if (!status) return fail(status.error());
  auto rbkh = cd::require_attr(f.attrs, attr::kResponderBkh, "R-BKH", 32);
  if (!rbkh) return fail(rbkh.error());
  if (*rbkh != bootstrap_key_hash(o_.own.spki))
    return fail(make_error("dpp.bkh", "Authentication Confirm for another bootstrapping key"));
  if ((*status)[0] != 0) {
    auto inner =
        unwrap(k2_, {cd::frame_header(ctype), f.before_wd()}, f.attrs, "Authentication Confirm");
    if (!inner) return fail(inner.error());
    return fail(make_error("dpp.peer-status",
                           std::string("the initiator refused: ") + cd::status_name((*status)[0])));
  }
  auto inner =
      unwrap(ke_, {cd::frame_header(ctype), f.before_wd()}, f.attrs, "Authentication Confirm");
  if (!inner) return fail(inner.error());
  auto iauth = cd::require_attr(*inner, attr::kInitiatorAuthTag, "I-auth", hash_len());
  if (!iauth) return fail(iauth.error());
  if (*iauth != i_auth_expected_)
    return fail(
        make_error("dpp.i-auth", "the initiator's authenticating tag (I-auth) does not verify"));
  forget_intermediates();
  trail_.push_back(std::string("authenticated ") +
                   (mutual_ ? o_.peer->label + " (mutual)" : "initiator (responder-only)"));
  if (o_.role == Role::kEnrollee) {
    auto req = config_request_message();
    if (!req) return fail(req.error());
    enter(State::kAwaitConfigResponse);
    return Output{{std::move(*req)}, 0, false, std::nullopt};
  }
  enter(State::kAwaitConfigRequest);
  return Output{};
}

Result<Bytes> Session::config_request_message(const std::string& pkcs10) {
  e_nonce_ = crypto::random_bytes(hash_len() / 2);
  gas_token_ = crypto::random_bytes(1)[0];
  cd::ConfigRequest req = o_.request;
  req.pkcs10 = pkcs10;
  Attr wd = wrapped(ke_, {},
                    {{attr::kEnrolleeNonce, e_nonce_},
                     {attr::kConfigAttributes, to_bytes(req.to_json().dump())}});
  cd::Gas g;
  g.kind = cd::GasKind::kInitialRequest;
  g.token = gas_token_;
  g.body = cd::encode_attr(wd.id, wd.value);
  trail_.push_back("sent Configuration Request (netRole " + o_.request.net_role +
                   (pkcs10.empty() ? ")" : ", with a CSR)"));
  return cd::encode_gas(g);
}

Result<std::string> Session::challenge_password() const {
  // cp = HKDF-Expand(bk, "CSR challengePassword", 64), carried base64-encoded.
  auto cp = TRY(crypto::hkdf_expand(hash_name(curve_), bk_, to_bytes("CSR challengePassword"), 64));
  std::string out = base64_encode(cp);
  std::fill(cp.begin(), cp.end(), 0);
  return out;
}

Output Session::on_config_request(const cd::Gas& g) {
  auto attrs = cd::parse_attrs(g.body.data(), g.body.size());
  if (!attrs) return fail(attrs.error());
  auto inner = unwrap(ke_, {}, *attrs, "Configuration Request");
  if (!inner) return fail(inner.error());
  auto enonce = cd::require_attr(*inner, attr::kEnrolleeNonce, "E-nonce", hash_len() / 2);
  if (!enonce) return fail(enonce.error());
  e_nonce_ = *enonce;
  auto respond = [&](cd::DppStatus st, std::vector<Attr> objects) {
    Bytes status_tlv = cd::encode_attr(attr::kStatus, {static_cast<uint8_t>(st)});
    std::vector<Attr> plain = {{attr::kEnrolleeNonce, e_nonce_}};
    for (auto& o : objects) plain.push_back(std::move(o));
    Attr wd = wrapped(ke_, {status_tlv}, plain);
    cd::Gas r;
    r.kind = cd::GasKind::kInitialResponse;
    r.token = g.token;
    r.body = status_tlv;
    Bytes w = cd::encode_attr(wd.id, wd.value);
    r.body.insert(r.body.end(), w.begin(), w.end());
    for (auto& p : plain) std::fill(p.value.begin(), p.value.end(), 0);
    return cd::encode_gas(r);
  };
  auto cattr = cd::require_attr(*inner, attr::kConfigAttributes, "configAttrib");
  auto req = cattr ? cd::ConfigRequest::parse(*cattr) : Result<cd::ConfigRequest>(cattr.error());
  if (!req) return fail(req.error(), {respond(cd::DppStatus::kConfigureFailure, {})});
  peer_request_ = *req;
  trail_.push_back("Configuration Request: name '" + req->name + "', netRole " + req->net_role +
                   (req->mud_url.empty() ? "" : ", MUD URL " + req->mud_url) +
                   (req->pkcs10.empty() ? "" : ", with a CSR"));
  if (!req->pkcs10.empty()) {
    // The CSR must prove the enrollee's protocol key and this authentication (challengePassword).
    auto check = [&]() -> Status {
      auto der = base64_decode(req->pkcs10);
      if (!der) return make_error("dpp.csr.format", "pkcs10 is not base64");
      auto csr = crypto::Csr::from_der(*der);
      if (!csr) return make_error("dpp.csr.format", "pkcs10 is not a PKCS#10 request");
      if (!csr->verify_signature()) return make_error("dpp.csr.signature", "CSR signature");
      if (!(csr->public_key() == enrollee_.protocol_key))
        return make_error("dpp.csr.key", "the CSR is not for the enrollee's protocol key");
      auto cp = csr->challenge_password();
      auto want = TRY(challenge_password());
      if (!cp || cp->size() != want.size() ||
          CRYPTO_memcmp_bytes(to_bytes(*cp), to_bytes(want)) != 0)
        return make_error("dpp.csr.challenge",
                          "the CSR's challengePassword is not this authentication's");
      return ok_status();
    };
    Status st = check();
    if (!st) return fail(st.error(), {respond(cd::DppStatus::kCsrBad, {})});
  }
  if (!o_.hooks.configure)
    return fail(make_error("dpp.configure", "this configurator has nothing to offer"),
                {respond(cd::DppStatus::kConfigureFailure, {})});
  auto decision = o_.hooks.configure(enrollee_, *req);
  if (!decision) return fail(decision.error(), {respond(cd::DppStatus::kConfigureFailure, {})});
  if (!decision->object) {
    if (decision->csr_attrs.empty() || !req->pkcs10.empty() || csr_requested_)
      return fail(make_error("dpp.configure", "no configuration object for this enrollee"),
                  {respond(cd::DppStatus::kConfigureFailure, {})});
    csr_requested_ = true;
    trail_.push_back("asked for a CSR (CSR_NEEDED)");
    return Output{{respond(cd::DppStatus::kCsrNeeded,
                           {{attr::kCsrAttributesRequest, to_bytes(decision->csr_attrs)}})},
                  0,
                  false,
                  std::nullopt};
  }
  auto obj = std::move(*decision->object);
  Bytes json = to_bytes(obj.to_json().dump());
  Bytes msg = respond(cd::DppStatus::kOk, {{attr::kConfigObject, json}});
  std::fill(json.begin(), json.end(), 0);
  trail_.push_back("sent configuration (akm " + obj.akm + ")");
  if (peer_version_ >= 2) {
    enter(State::kAwaitConfigResult);
    return Output{{std::move(msg)}, 0, false, std::nullopt};
  }
  enter(State::kDone);
  return Output{{std::move(msg)}, 0, true, std::nullopt};
}

Output Session::on_config_response(const cd::Gas& g) {
  if (g.token != gas_token_)
    return fail(make_error("dpp.gas.token", "GAS response for another dialog token"));
  if (g.status != 0)
    return fail(make_error("dpp.gas.status", "GAS status " + std::to_string(g.status)));
  if (g.body.empty()) {
    // The configurator is still working (e.g. its CA is signing our CSR): come back later.
    if (g.comeback_delay == 0 || ++comebacks_ > 120)
      return fail(make_error("dpp.gas.comeback", "the configurator sent no configuration"));
    cd::Gas back;
    back.kind = cd::GasKind::kComebackRequest;
    back.token = gas_token_;
    int delay_ms = std::max(1, static_cast<int>(g.comeback_delay) * 1024 / 1000);
    return Output{{cd::encode_gas(back)}, delay_ms, false, std::nullopt};
  }
  auto attrs = cd::parse_attrs(g.body.data(), g.body.size());
  if (!attrs) return fail(attrs.error());
  auto status = cd::require_attr(*attrs, attr::kStatus, "Status", 1);
  if (!status) return fail(status.error());
  auto inner =
      unwrap(ke_, {cd::encode_attr(attr::kStatus, *status)}, *attrs, "Configuration Response");
  if (!inner) return fail(inner.error());
  auto enonce = cd::require_attr(*inner, attr::kEnrolleeNonce, "E-nonce");
  if (!enonce) return fail(enonce.error());
  if (*enonce != e_nonce_) return fail(make_error("dpp.nonce", "E-nonce does not match ours"));
  if ((*status)[0] == static_cast<uint8_t>(cd::DppStatus::kCsrNeeded) && !csr_sent_)
    return on_csr_needed(*inner);
  if ((*status)[0] != 0)
    return fail(make_error("dpp.peer-status", std::string("the configurator refused: ") +
                                                  cd::status_name((*status)[0])));
  const uint8_t rtype = static_cast<uint8_t>(cd::FrameType::kConfigurationResult);
  auto result = [&](cd::DppStatus st) {
    std::vector<Attr> a;
    a.push_back(
        wrapped(ke_, {cd::frame_header(rtype), Bytes{}},
                {{attr::kStatus, {static_cast<uint8_t>(st)}}, {attr::kEnrolleeNonce, e_nonce_}}));
    return cd::encode_frame(rtype, a);
  };
  std::vector<Bytes> send;
  Error problem;
  bool rejected = false;
  for (const auto& a : *inner) {
    if (a.id != attr::kConfigObject) continue;
    auto obj = cd::ConfigObject::parse(a.value);
    if (!obj) {
      problem = obj.error();
      rejected = true;
      break;
    }
    if (!obj->signed_connector.empty()) {
      auto claims = cd::verify_connector(obj->signed_connector, obj->csign, o_.now_unix);
      if (!claims) {
        problem = claims.error();
        rejected = true;
        break;
      }
      if (!(claims->net_access_key == proto_key_.public_key())) {
        problem =
            make_error("dpp.connector.key", "the connector's netAccessKey is not our protocol key");
        rejected = true;
        break;
      }
    }
    if (obj->akm == "dot1x") {
      Status st = check_dot1x(*obj);
      if (!st) {
        problem = st.error();
        rejected = true;
        break;
      }
    }
    config_.push_back(std::move(*obj));
  }
  if (!rejected && config_.empty()) {
    problem = make_error("dpp.config-object", "the configuration carries no object");
    rejected = true;
  }
  if (rejected) {
    config_.clear();
    if (peer_version_ >= 2) send.push_back(result(cd::DppStatus::kConfigRejected));
    return fail(problem, std::move(send));
  }
  trail_.push_back("configuration accepted (akm " + config_.front().akm + ", SSID '" +
                   config_.front().ssid + "')");
  if (peer_version_ >= 2) send.push_back(result(cd::DppStatus::kOk));
  enter(State::kDone);
  return Output{std::move(send), 0, true, std::nullopt};
}

Output Session::on_csr_needed(const std::vector<Attr>& inner) {
  csr_sent_ = true;
  // The CSR Attributes Request only names challengePassword in practice; the CSR carries it, our
  // name and the protocol key (which the certificate will then certify).
  if (const Attr* a = cd::find_attr(inner, attr::kCsrAttributesRequest))
    trail_.push_back("CSR_NEEDED with csrAttrs " + to_string(a->value).substr(0, 64));
  auto cp = challenge_password();
  if (!cp) return fail(cp.error());
  crypto::Name subject;
  subject.add("CN", o_.request.name);
  auto csr = crypto::Csr::create(subject, proto_key_, *cp);
  if (!csr) return fail(csr.error());
  auto req = config_request_message(base64_encode(csr->der()));
  if (!req) return fail(req.error());
  return Output{{std::move(*req)}, 0, false, std::nullopt};
}

// An 802.1X configuration: the certBag holds a certificate for our protocol key, which chains to
// the caCert when one is given.
Status Session::check_dot1x(const cd::ConfigObject& o) const {
  auto der = base64_decode(o.cert_bag);
  if (o.cert_bag.empty() || !der) return make_error("dpp.dot1x", "no certBag");
  auto certs = crypto::certs_only_decode(*der);
  if (!certs || certs->empty()) return make_error("dpp.dot1x", "the certBag holds no certificate");
  const crypto::Certificate* mine = nullptr;
  std::vector<crypto::Certificate> others;
  for (const auto& c : *certs) {
    if (c.public_key() == proto_key_.public_key())
      mine = &c;
    else
      others.push_back(c);
  }
  if (!mine) return make_error("dpp.dot1x", "no certificate in the certBag is for our key");
  if (!o.ca_cert.empty()) {
    auto ca_der = base64_decode(o.ca_cert);
    auto ca = ca_der ? crypto::Certificate::from_der(*ca_der)
                     : Result<crypto::Certificate>(ca_der.error());
    if (!ca) return make_error("dpp.dot1x", "caCert is not a certificate");
    Status st = crypto::verify_chain(*mine, others, {*ca});
    if (!st)
      return make_error("dpp.dot1x",
                        "the certificate does not chain to caCert: " + st.error().message);
  }
  return ok_status();
}

Output Session::on_config_result(const cd::Frame& f) {
  const uint8_t rtype = static_cast<uint8_t>(cd::FrameType::kConfigurationResult);
  auto inner = unwrap(ke_, {cd::frame_header(rtype), Bytes{}}, f.attrs, "Configuration Result");
  if (!inner) return fail(inner.error());
  auto status = cd::require_attr(*inner, attr::kStatus, "Status", 1);
  if (!status) return fail(status.error());
  auto enonce = cd::require_attr(*inner, attr::kEnrolleeNonce, "E-nonce");
  if (!enonce) return fail(enonce.error());
  if (*enonce != e_nonce_) return fail(make_error("dpp.nonce", "E-nonce does not match ours"));
  result_status_ = (*status)[0];
  if (*result_status_ != 0)
    return fail(make_error("dpp.config-rejected", std::string("the enrollee rejected the "
                                                              "configuration: ") +
                                                      cd::status_name(*result_status_)));
  trail_.push_back("Configuration Result: OK");
  enter(State::kDone);
  return Output{{}, 0, true, std::nullopt};
}

}  // namespace gh::proto::dpp
