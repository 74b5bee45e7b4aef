// Inside the REST API (api_*.cpp only): the request being answered, JSON answers and errors, and
// the bounded readers of a request's query and body.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "common/json.h"
#include "net/http.h"
#include "svc/site/api_operators.h"
#include "svc/site/api_service.h"

namespace gh::svc {

struct ApiCall {
  net::HttpRequest& req;
  const ApiService::Route& route;
  std::map<std::string, std::string> params;  // from the path, decoded
  std::map<std::string, std::string> query;   // decoded
  std::optional<ApiOperator> op;              // nullopt on public routes
  std::string who() const { return op ? op->name : ""; }
};

namespace api {

// What a JSON request body may cost: a few fields and a filter.
inline constexpr JsonLimits kBodyLimits{64 * 1024, 8, 2'000};

// The HTTP status that fits a refusal's check.
int status_for(const std::string& check);
net::HttpResponse json(int status, const Json& body);
// {"error": {"check": ..., "message": ...}} with status (0: status_for(check)).
net::HttpResponse error(const Error& e, int status = 0);
net::HttpResponse error(const std::string& check, const std::string& message, int status = 0);

// "%41" and "+" decoded; "api.query" for a broken escape.
Result<std::string> url_decode(std::string_view s);
// The query string's parameters; "api.query" for one given twice.
Result<std::map<std::string, std::string>> parse_query(std::string_view query);
// "api.query" for a parameter this route does not take (a typo must not widen a filter).
Status only_params(const ApiCall& c, const std::set<std::string>& known);
// An integer parameter within [lo, hi] ("api.query" otherwise), fallback when absent.
Result<int64_t> int_param(const ApiCall& c, const std::string& name, int64_t fallback, int64_t lo,
                          int64_t hi);

// The request's JSON object body ({} when empty): "api.media-type" unless application/json,
// "api.json" / "api.size" from the parser, "api.body" for another value than an object or a
// member not in known.
Result<Json> body_object(const ApiCall& c, const std::set<std::string>& known);
// Optional members of a body, type-checked ("api.body" naming the member).
Result<std::string> body_string(const Json& body, const std::string& key);
Result<bool> body_bool(const Json& body, const std::string& key);

}  // namespace api
}  // namespace gh::svc
