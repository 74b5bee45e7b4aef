// Serving a TUF repository's files over HTTPS (the manufacturer's repository from `masa serve`,
// a site's mirror from `site serve`): static files under a directory, paths checked.
#pragma once

#include <string>

#include "net/http.h"

namespace gh::svc {

// The file at relative path (e.g. "metadata/timestamp.json") under repo_dir: 404 for anything
// else, including a path that would leave the directory.
net::HttpResponse serve_repository_file(const std::string& repo_dir, const std::string& path);

}  // namespace gh::svc
