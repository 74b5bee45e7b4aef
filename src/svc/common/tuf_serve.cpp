#include "svc/common/tuf_serve.h"

#include "common/fs.h"

namespace gh::svc {

namespace {

bool plain_relative(const std::string& p) {
  if (p.empty() || p.size() > 1024 || p[0] == '/') return false;
  size_t start = 0;
  while (true) {
    size_t slash = p.find('/', start);
    std::string seg =
        p.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (seg.empty() || seg[0] == '.') return false;
    for (char c : seg)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
            c == '+'))
        return false;
    if (slash == std::string::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

net::HttpResponse serve_repository_file(const std::string& repo_dir, const std::string& path) {
  if (!plain_relative(path) || (path.rfind("metadata/", 0) != 0 && path.rfind("targets/", 0) != 0))
    return net::HttpResponse::text(404, "no such repository file");
  // Targets may be large firmware images: up to the device's component limit.
  auto body = fs::read_file_limited(fs::join(repo_dir, path), 256 * 1024 * 1024, "tuf.length");
  if (!body) return net::HttpResponse::text(404, "no such repository file");
  bool json = path.size() > 5 && path.compare(path.size() - 5, 5, ".json") == 0;
  return net::HttpResponse{200,
                           json ? "application/json" : "application/octet-stream",
                           std::move(*body),
                           {{"Cache-Control", "no-store"}}};
}

}  // namespace gh::svc
