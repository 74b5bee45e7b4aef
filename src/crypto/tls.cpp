#include "crypto/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include "crypto/ossl.h"

namespace gh::crypto {
namespace {

// Where the application validates the peer's chain itself, OpenSSL is not asked to build and
// check one first (with an "accept anything" verify callback it still would: chain building and a
// signature check per certificate, all thrown away). The handshake still proves that the peer
// holds the key of the certificate it sent (CertificateVerify), which OpenSSL checks apart.
int chain_checked_by_application(X509_STORE_CTX*, void*) {
  return 1;
}

void accept_any_chain(SSL_CTX* ctx) {
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(ctx, chain_checked_by_application, nullptr);
}

// The same calls exist for a context (every connection) and for one connection.
struct CtxCalls {
  static int use_certificate(SSL_CTX* c, X509* x) { return SSL_CTX_use_certificate(c, x); }
  static long add_chain(SSL_CTX* c, X509* x) { return SSL_CTX_add1_chain_cert(c, x); }
  static int use_key(SSL_CTX* c, EVP_PKEY* k) { return SSL_CTX_use_PrivateKey(c, k); }
  static int check_key(SSL_CTX* c) { return SSL_CTX_check_private_key(c); }
};
struct SslCalls {
  static int use_certificate(SSL* s, X509* x) { return SSL_use_certificate(s, x); }
  static long add_chain(SSL* s, X509* x) { return SSL_add1_chain_cert(s, x); }
  static int use_key(SSL* s, EVP_PKEY* k) { return SSL_use_PrivateKey(s, k); }
  static int check_key(SSL* s) { return SSL_check_private_key(s); }
};

template <class Calls, class T>
Status use_identity_with(T* target, const TlsIdentity& id, bool omit_anchors) {
  if (Calls::use_certificate(target, id.cert.raw()) != 1)
    return ossl::error("tls.identity", "certificate");
  for (const auto& c : id.chain) {
    if (omit_anchors && c.self_signed()) continue;
    if (Calls::add_chain(target, c.raw()) != 1) return ossl::error("tls.identity", "chain");
  }
  if (id.key.libctx()) {
    // A key held in a provider of its own (TPM): TLS signs through a proxy (see signing_proxy).
    ossl::PkeyPtr proxy = ossl::signing_proxy(id.key);
    if (!proxy || Calls::use_key(target, proxy.get()) != 1)
      return ossl::error("tls.identity", "private key (held in its provider)");
  } else if (Calls::use_key(target, id.key.raw()) != 1) {
    return ossl::error("tls.identity", "private key");
  }
  if (Calls::check_key(target) != 1)
    return ossl::error("tls.identity", "key does not match certificate");
  return ok_status();
}

// A server leaves self-signed certificates out of the chain it sends: they are trust anchors,
// which a client must hold already to trust them (RFC 8446 4.4.2, RFC 5246 7.4.2), and every
// certificate sent is one more the client parses (and in OpenSSL 3.0 a parse costs more than a
// signature check). A client sends its chain whole: a MASA reads the registrar's from it.
Status use_identity(SSL_CTX* ctx, const TlsIdentity& id, bool omit_anchors) {
  return use_identity_with<CtxCalls>(ctx, id, omit_anchors);
}
Status use_identity(SSL* ssl, const TlsIdentity& id) {
  return use_identity_with<SslCalls>(ssl, id, false);
}

// Every TLS 1.3 suite is an AEAD (the key exchange is negotiated apart: ECDHE here, with no
// session tickets to resume from); named so that the list is ours, not a library default.
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";

Result<ossl::Ptr<SSL_CTX>> new_ctx(const SSL_METHOD* method, const char* what) {
  ossl::Ptr<SSL_CTX> ctx(SSL_CTX_new(method));
  if (!ctx) return ossl::error("tls.context", what);
  // TLS 1.3 is preferred by being the highest version both sides speak; nothing older than 1.2.
  if (SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx.get(), kTls12Suites) != 1 ||
      SSL_CTX_set_ciphersuites(ctx.get(), kTls13Suites) != 1)
    return ossl::error("tls.context", std::string(what) + ": protocol versions and suites");
  // Read what the socket has, not one record header and then its body: a handshake flight is
  // several records, and each read is a system call. (Blocking reads wait in SSL_read with the
  // socket's timeout; the servers' event loop reads until OpenSSL says it wants more.)
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  return ctx;
}

// A connection on ctx over fd, which it owns from here on (closed with it, or now if there is
// none).
Result<ossl::Ptr<SSL>> new_ssl(const TlsContext& ctx, int fd, const char* what) {
  ossl::Ptr<SSL> ssl(SSL_new(ctx.raw()));
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
    ::close(fd);
    return ossl::error(what, "TLS setup");
  }
  BIO_set_close(SSL_get_rbio(ssl.get()), BIO_CLOSE);  // the SSL's socket BIO closes fd
  return ssl;
}

}  // namespace

Result<TlsContext> TlsContext::server(const TlsIdentity& identity) {
  auto owned = TRY(new_ctx(TLS_server_method(), "server context"));
  SSL_CTX* ctx = owned.get();
  TlsContext out(std::move(owned));
  // The server's order of suites decides; a TLS 1.2 client cannot make it renegotiate (a
  // handshake's worth of server work for a few bytes, on the event loop's thread).
  SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  TRY(use_identity(ctx, identity, true));
  accept_any_chain(ctx);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(ctx, 0);
  return out;
}

Result<TlsContext> TlsContext::client(const TlsIdentity* identity,
                                      const std::vector<Certificate>& anchors,
                                      const std::string& verify_host) {
  auto owned = TRY(new_ctx(TLS_client_method(), "client context"));
  SSL_CTX* ctx = owned.get();
  TlsContext out(std::move(owned));
  if (identity) TRY(use_identity(ctx, *identity, false));
  if (anchors.empty()) {
    // Provisional: keep whatever chain the server sends; the voucher decides later.
    accept_any_chain(ctx);
  } else {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    for (const auto& a : anchors) X509_STORE_add_cert(store, a.raw());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
    if (!verify_host.empty()) {
      X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
      if (X509_VERIFY_PARAM_set1_ip_asc(param, verify_host.c_str()) != 1) {
        ERR_clear_error();
        X509_VERIFY_PARAM_set1_host(param, verify_host.c_str(), 0);
      }
    }
  }
  return out;
}

void TlsConnection::close() {
  if (ssl_) {
    SSL_shutdown(ssl_.get());
    ssl_.reset();  // closes the socket
  }
  ERR_clear_error();
}

Result<TlsConnection> TlsConnection::accept(const TlsContext& ctx, int fd) {
  TlsConnection c(TRY(new_ssl(ctx, fd, "tls.accept")));
  if (SSL_accept(c.ssl_.get()) != 1) return ossl::error("tls.handshake", "TLS handshake");
  return c;
}

Result<TlsConnection> TlsConnection::accept_nonblocking(const TlsContext& ctx, int fd) {
  // The event loop owns fd: the socket BIO is left not to close it.
  ossl::Ptr<SSL> owned(SSL_new(ctx.raw()));
  if (!owned || SSL_set_fd(owned.get(), fd) != 1) return ossl::error("tls.accept", "TLS setup");
  SSL* ssl = owned.get();
  TlsConnection c(std::move(owned));
  SSL_set_accept_state(ssl);
  // Partial writes let the loop send what the socket takes and come back for the rest; idle
  // connections give their record buffers back (a server holds hundreds of them).
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                        SSL_MODE_RELEASE_BUFFERS);
  return c;
}

namespace {

// SSL_get_error for a failed non-blocking call: what it waits for, or the error.
Result<TlsWait> wait_or_error(SSL* ssl, int rc, const char* code, const char* what) {
  int err = SSL_get_error(ssl, rc);
  if (err == SSL_ERROR_WANT_READ) return TlsWait::kReadable;
  if (err == SSL_ERROR_WANT_WRITE) return TlsWait::kWritable;
  return ossl::error(code, what);
}

}  // namespace

Result<TlsWait> TlsConnection::handshake_step() {
  int rc = SSL_do_handshake(ssl_.get());
  if (rc == 1) return TlsWait::kNothing;
  auto w = wait_or_error(ssl_.get(), rc, "tls.handshake", "TLS handshake");
  ERR_clear_error();
  return w;
}

Result<TlsIo> TlsConnection::read_some(uint8_t* buf, size_t n) {
  TlsIo io;
  if (SSL_read_ex(ssl_.get(), buf, n, &io.bytes) == 1) return io;
  int err = SSL_get_error(ssl_.get(), 0);
  ERR_clear_error();
  if (err == SSL_ERROR_WANT_READ)
    io.wait = TlsWait::kReadable;
  else if (err == SSL_ERROR_WANT_WRITE)
    io.wait = TlsWait::kWritable;
  // A close_notify, or the peer closed without one (it has nothing more to say either way).
  else if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL)
    io.end = true;
  else
    return make_error("tls.read", "TLS read failed");
  return io;
}

Result<TlsIo> TlsConnection::write_some(const uint8_t* buf, size_t n) {
  TlsIo io;
  if (SSL_write_ex(ssl_.get(), buf, n, &io.bytes) == 1) return io;
  auto w = wait_or_error(ssl_.get(), 0, "tls.write", "TLS write");
  ERR_clear_error();
  if (!w) return make_error("tls.write", "TLS write failed");
  io.wait = *w;
  return io;
}

Result<TlsConnection> TlsConnection::connect(const TlsContext& ctx, int fd, const std::string& sni,
                                             const TlsIdentity* identity) {
  TlsConnection c(TRY(new_ssl(ctx, fd, "tls.connect")));
  SSL* ssl = c.ssl_.get();
  if (identity) TRY(use_identity(ssl, *identity));
  if (!sni.empty() && sni.find_first_not_of("0123456789.:") != std::string::npos)
    SSL_set_tlsext_host_name(ssl, sni.c_str());
  if (int rc = SSL_connect(ssl); rc != 1) {
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK)
      return make_error("tls.server-certificate", std::string("server certificate not trusted: ") +
                                                      X509_verify_cert_error_string(v));
    // A blocking socket past its receive timeout: the retry OpenSSL asks for is the timeout.
    int err = SSL_get_error(ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      ERR_clear_error();
      return make_error("tls.handshake", "TLS handshake timed out (the server did not answer)");
    }
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
      ERR_clear_error();
      return make_error("tls.handshake", "TLS handshake: the server closed the connection");
    }
    return ossl::error("tls.handshake", "TLS handshake");
  }
  return c;
}

Result<size_t> TlsConnection::read(uint8_t* buf, size_t n) {
  size_t got = 0;
  int rc = SSL_read_ex(ssl_.get(), buf, n, &got);
  if (rc == 1) return got;
  int err = SSL_get_error(ssl_.get(), rc);
  ERR_clear_error();
  if (err == SSL_ERROR_ZERO_RETURN) return size_t{0};
  if (err == SSL_ERROR_SYSCALL && got == 0) return size_t{0};  // peer closed without close_notify
  // A blocking socket past its receive timeout (SO_RCVTIMEO): OpenSSL asks for a retry.
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
    return make_error("tls.read", "timed out waiting for the peer's answer");
  return make_error("tls.read", "TLS read failed");
}

Status TlsConnection::write(const uint8_t* buf, size_t n) {
  size_t done = 0;
  while (done < n) {
    size_t wrote = 0;
    if (SSL_write_ex(ssl_.get(), buf + done, n - done, &wrote) != 1) {
      ERR_clear_error();
      return make_error("tls.write", "TLS write failed");
    }
    done += wrote;
  }
  return ok_status();
}

std::vector<Certificate> TlsConnection::peer_chain() const {
  std::vector<Certificate> out;
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_.get());  // the connection's
  if (!chain) return out;
  // On the server side OpenSSL leaves the client's leaf out of this stack.
  if (SSL_is_server(ssl_.get())) {
    if (X509* leaf = SSL_get0_peer_certificate(ssl_.get())) out.push_back(Certificate::share(leaf));
  }
  for (int i = 0; i < sk_X509_num(chain); ++i)
    out.push_back(Certificate::share(sk_X509_value(chain, i)));
  // Each one is kept parsed: the same certificates come back inside the CMS messages of the
  // session (a pledge's IDevID chain in its voucher-request, a registrar's in its own).
  for (const auto& c : out) c.keep_parsed();
  return out;
}

std::string TlsConnection::protocol() const {
  return ssl_ ? SSL_get_version(ssl_.get()) : "";
}

std::string openssl_version() {
  return OpenSSL_version(OPENSSL_VERSION);
}

}  // namespace gh::crypto
