// DPP authentication (Wi-Fi Easy Connect 6.3): the Authentication Request, Response and Confirm,
// from either side, responder-only or mutual.
#include <algorithm>

#include "crypto/ct.h"
#include "crypto/digest.h"
#include "proto/dpp.h"
#include "proto/dpp_derive.h"
#include "proto/dpp_internal.h"

namespace gh::proto::dpp {

using namespace detail;

Result<Bytes> Session::auth_request() {
  initiator_ = true;
  curve_ = TRY(o_.peer->key.curve());
  if (o_.own.key.curve().value_or(curve_) != curve_)
    for (const auto& alt : o_.own_other_curves)
      if (alt.key.curve().value_or(crypto::Curve::kP256) == curve_) o_.own = alt;
  proto_key_ = TRY(o_.role == Role::kEnrollee ? o_.make_protocol_key(curve_)
                                              : crypto::PrivateKey::generate(curve_));
  i_nonce_ = crypto::random_bytes(hash_len(curve_) / 2);
  mx_ = TRY_CTX(proto_key_.derive(o_.peer->key), "M = pI*BR");
  k1_ = TRY(derive_k1(curve_, mx_));
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

Output Session::on_auth_request(const cd::Frame& f) {
  // Checks that fail before the responder can answer are silent drops (the spec's "discard").
  auto rbkh = cd::require_attr(f.attrs, attr::kResponderBkh, "R-BKH", 32);
  if (!rbkh) return fail(rbkh.error());
  if (!crypto::ct_equal(*rbkh, bootstrap_key_hash(o_.own.spki))) {
    bool found = false;
    for (const auto& alt : o_.own_other_curves)
      if (crypto::ct_equal(*rbkh, bootstrap_key_hash(alt.spki))) {
        o_.own = alt;
        found = true;
      }
    if (!found)
      return fail(make_error("dpp.bkh", "Authentication Request for another bootstrapping key"));
  }
  curve_ = o_.own.key.curve().value_or(crypto::Curve::kP256);
  const size_t nonce_len = hash_len(curve_) / 2;
  const cd::Attr* ibkh = cd::find_attr(f.attrs, attr::kInitiatorBkh);
  if (ibkh && ibkh->value.size() != 32)
    return fail(make_error("dpp.attr.length", "I-BKH is not 32 octets"));
  if (o_.peer) {
    if (!ibkh || !crypto::ct_equal(ibkh->value, bootstrap_key_hash(o_.peer->spki)))
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
  k1_ = derive_k1(curve_, mx_).value_or({});
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
  if (mutual_) {
    // L = ((bR + pR) mod q) * BI needs our bootstrapping scalar: one held in a TPM cannot be
    // added to.
    auto l = derive_l_responder(o_.own.key, proto_key_, o_.peer->key);
    if (l) {
      lx_ = std::move(*l);
    } else {
      trail_.push_back(
          "own bootstrapping key cannot take part in mutual authentication: "
          "responder-only");
      mutual_ = false;
    }
  }
  auto n = proto_key_.derive(peer_proto_);
  if (!n) return fail(n.error());
  nx_ = std::move(*n);
  k2_ = derive_k2(curve_, nx_).value_or({});
  const Bytes bix = mutual_ ? point_x(o_.peer->key) : Bytes{};
  r_nonce_ = crypto::random_bytes(nonce_len);
  derive_bk_ke();
  const Bytes pix = point_x(peer_proto_), prx = point_x(proto_key_.public_key()),
              brx = point_x(o_.own.key.public_key());
  Bytes r_auth = derive_r_auth(curve_, i_nonce_, r_nonce_, pix, prx, bix, brx);
  i_auth_expected_ = derive_i_auth(curve_, r_nonce_, i_nonce_, prx, pix, brx, bix);
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
  const size_t nonce_len = hash_len(curve_) / 2;
  const uint8_t rtype = static_cast<uint8_t>(cd::FrameType::kAuthResponse);
  const uint8_t ctype = static_cast<uint8_t>(cd::FrameType::kAuthConfirm);
  auto status = cd::require_attr(f.attrs, attr::kStatus, "Status", 1);
  if (!status) return fail(status.error());
  auto rbkh = cd::require_attr(f.attrs, attr::kResponderBkh, "R-BKH", 32);
  if (!rbkh) return fail(rbkh.error());
  if (!crypto::ct_equal(*rbkh, bootstrap_key_hash(o_.peer->spki)))
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
    if (!crypto::ct_equal(ibkh->value, bootstrap_key_hash(o_.own.spki)))
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
  k2_ = derive_k2(curve_, nx_).value_or({});
  auto outer =
      unwrap(k2_, {cd::frame_header(rtype), f.before_wd()}, f.attrs, "Authentication Response");
  if (!outer) return fail(outer.error());
  auto rnonce = cd::require_attr(*outer, attr::kResponderNonce, "R-nonce", nonce_len);
  if (!rnonce) return fail(rnonce.error());
  auto inonce = cd::require_attr(*outer, attr::kInitiatorNonce, "I-nonce", nonce_len);
  if (!inonce) return fail(inonce.error());
  if (!crypto::ct_equal(*inonce, i_nonce_))
    return fail(make_error("dpp.nonce", "I-nonce does not match ours"));
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
    auto l = derive_l_initiator(o_.own.key, o_.peer->key, peer_proto_);  // bI * (BR + PR)
    if (!l) return fail(l.error());
    lx_ = std::move(*l);
    bix = point_x(o_.own.key.public_key());
  }
  derive_bk_ke();
  auto inner =
      unwrap(ke_, {},
             {cd::find_attr(*outer, attr::kWrappedData) ? *cd::find_attr(*outer, attr::kWrappedData)
                                                        : Attr{}},
             "R-auth");
  const Bytes pix = point_x(proto_key_.public_key()), prx = point_x(peer_proto_),
              brx = point_x(o_.peer->key);
  Bytes expected = derive_r_auth(curve_, i_nonce_, r_nonce_, pix, prx, bix, brx);
  auto rauth = inner ? cd::require_attr(*inner, attr::kResponderAuthTag, "R-auth", hash_len(curve_))
                     : Result<Bytes>(inner.error());
  if (!rauth || !crypto::ct_equal(*rauth, expected))
    return confirm_failure(cd::DppStatus::kAuthFailure,
                           make_error("dpp.r-auth",
                                      "the responder's authenticating tag (R-auth) "
                                      "does not verify"));
  Bytes i_auth = derive_i_auth(curve_, r_nonce_, i_nonce_, prx, pix, brx, bix);
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
  if (!crypto::ct_equal(*rbkh, bootstrap_key_hash(o_.own.spki)))
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
  auto iauth = cd::require_attr(*inner, attr::kInitiatorAuthTag, "I-auth", hash_len(curve_));
  if (!iauth) return fail(iauth.error());
  if (!crypto::ct_equal(*iauth, i_auth_expected_))
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

}  // namespace gh::proto::dpp
