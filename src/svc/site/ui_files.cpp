#include "svc/site/ui_files.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>

#include "common/fs.h"
#include "common/json.h"

namespace gh::svc {
namespace {

// The page's own files only: no inline script or style, no plug-ins, calls to its own origin
// only (the API), never framed (clickjacking: X-Frame-Options for browsers without CSP 2).
constexpr const char* kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

net::HttpResponse refuse(int status, const std::string& check, const std::string& message) {
  net::HttpResponse r{status,
                      "application/json",
                      Json{{"error", {{"check", check}, {"message", message}}}}.dump() + "\n",
                      {}};
  r.headers.emplace_back("Cache-Control", "no-store");
  UiFiles::add_security_headers(r);
  return r;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded (no '+': a path, not a query); nullopt for a broken escape or a NUL.
std::optional<std::string> decode_path(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
    int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  if (out.find('\0') != std::string::npos) return std::nullopt;
  return out;
}

// Every segment a plain name: not empty, not starting with '.', no backslash.
bool plain_segments(const std::string& rel) {
  size_t at = 0;
  while (at <= rel.size()) {
    size_t slash = std::min(rel.find('/', at), rel.size());
    std::string_view seg(rel.data() + at, slash - at);
    if (seg.empty() || seg.front() == '.' || seg.find('\\') != std::string_view::npos) return false;
    at = slash + 1;
  }
  return true;
}

std::optional<std::string> real_path(const std::string& p) {
  std::unique_ptr<char, decltype(&::free)> r(::realpath(p.c_str(), nullptr), &::free);
  if (!r) return std::nullopt;
  return std::string(r.get());
}

std::string exe_dir() {
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<size_t>(n));
  return p.substr(0, p.rfind('/'));
}

}  // namespace

bool UiFiles::installed() const {
  return !dir_.empty() && fs::exists(fs::join(dir_, "index.html"));
}

std::string UiFiles::default_dir() {
  const std::string here = exe_dir();
  const std::string beside = fs::join(here, "ui");
  if (fs::exists(fs::join(beside, "index.html"))) return beside;
  return fs::join(here, "../share/gatehouse/ui");
}

void UiFiles::add_security_headers(net::HttpResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", kCsp);
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

std::string UiFiles::content_type(std::string_view name) {
  static const std::map<std::string, std::string, std::less<>> types = {
      {"html", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"txt", "text/plain; charset=utf-8"}};
  size_t dot = name.rfind('.');
  size_t slash = name.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash))
    return "application/octet-stream";
  auto it = types.find(name.substr(dot + 1));
  return it == types.end() ? "application/octet-stream" : it->second;
}

net::HttpResponse UiFiles::serve(const std::string& method, std::string_view path) const {
  if (method != "GET") {
    auto r = refuse(405, "ui.method", "the dashboard's files take GET");
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  if (!installed())
    return refuse(404, "ui.not-installed",
                  "the dashboard is not installed in '" + dir_ + "' (site serve --ui-dir DIR)");
  auto rel = decode_path(path.substr(std::string_view("/ui/").size()));
  if (!rel) return refuse(400, "ui.path", "a broken %-escape in the path");
  if (rel->empty() || rel->back() == '/') *rel += "index.html";
  if (!plain_segments(*rel))
    return refuse(400, "ui.path", "a path under /ui/ names files by plain names only");
  auto root = real_path(dir_);
  auto file = real_path(fs::join(dir_, *rel));
  if (!root || !file) return refuse(404, "ui.not-found", "no such file: /ui/" + *rel);
  // A symbolic link inside the directory must not lead out of it.
  if (file->compare(0, root->size() + 1, *root + "/") != 0)
    return refuse(404, "ui.not-found", "no such file: /ui/" + *rel);
  struct stat st {};
  if (::stat(file->c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return refuse(404, "ui.not-found", "no such file: /ui/" + *rel);
  auto body = fs::read_file_limited(*file, kMaxUiFileBytes, "ui.size");
  if (!body)
    return refuse(body.error().code == "ui.size" ? 413 : 500, body.error().code,
                  "/ui/" + *rel + ": " + body.error().message);
  net::HttpResponse r{200, content_type(*rel), std::move(*body), {}};
  // Vite names the files under assets/ by their content's hash: they never change.
  const bool hashed = rel->rfind("assets/", 0) == 0;
  r.headers.emplace_back("Cache-Control",
                         hashed ? "public, max-age=31536000, immutable" : "no-cache");
  add_security_headers(r);
  return r;
}

}  // namespace gh::svc
