// The web dashboard's files (ui/, built by npm into the build tree) served at /ui/ on the REST
// API's listener. Only GET; only files under the directory, resolved and checked again after
// symbolic links are followed; names with a segment starting with '.' (.., hidden files) or a
// backslash refused; files of at most kMaxUiFileBytes. Every answer carries a Content-Security-
// Policy that allows the page's own scripts and styles and no others (no inline script), lets it
// call only its own origin, and forbids framing.
//
// The page keeps the operator's bearer token in sessionStorage and sends it in the Authorization
// header, never in a cookie, so the API stays safe against CSRF (ApiService::handle).
#pragma once

#include <string>

#include "common/result.h"
#include "net/http.h"

namespace gh::svc {

inline constexpr size_t kMaxUiFileBytes = 4 * 1024 * 1024;

class UiFiles {
 public:
  // dir: the built dashboard (index.html at its top). A missing dir is not an error: /ui/ then
  // answers that the dashboard is not installed.
  explicit UiFiles(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  bool installed() const;
  // Answers a request whose path (query removed) is /ui/ or below.
  net::HttpResponse serve(const std::string& method, std::string_view path) const;

  // The directory the binary looks in when site serve is given no --ui-dir: ui/ beside the binary
  // (the build tree), else ../share/gatehouse/ui from it (an installed binary).
  static std::string default_dir();
  // The headers every dashboard answer carries (the CSP and its companions).
  static void add_security_headers(net::HttpResponse& r);
  // The media type for a file name's extension; application/octet-stream when unknown.
  static std::string content_type(std::string_view name);

 private:
  std::string dir_;
};

}  // namespace gh::svc
