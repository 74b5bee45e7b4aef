// gatehouse site operator add|list|remove: who may use the site's REST API (site serve
// --api-listen), and with which role.
#include <iostream>

#include "cli/cmds.h"
#include "cli/output.h"
#include "svc/site/api_operators.h"
#include "svc/site/site.h"

namespace gh::cli {

int site_operator_add(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1)
    return fail(make_error("usage", "site operator add takes one NAME"));
  auto role_text = required(a, "role");
  if (!role_text) return fail(role_text.error());
  auto role = svc::parse_role(*role_text);
  if (!role) return fail(make_error("usage", role.error().message));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  svc::OperatorStore ops(*state);
  auto made = ops.add(a.positional[0], *role, "cli", (*site)->inventory());
  if (!made) return fail(made.error());
  if (a.has("json")) {
    print_json(Json{
        {"name", made->op.name}, {"role", svc::role_name(made->op.role)}, {"token", made->token}});
    return kExitOk;
  }
  // The token alone on stdout (tok=$(gatehouse site operator add ...)); the note on stderr.
  std::cerr << "operator " << made->op.name << " (" << svc::role_name(made->op.role)
            << ") added; its bearer token is shown this once, the site keeps only its hash\n";
  std::cout << made->token << "\n";
  return kExitOk;
}

int site_operator_list(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (!a.positional.empty()) return fail(make_error("usage", "site operator list takes no NAME"));
  svc::OperatorStore ops(*state);
  auto list = ops.list();
  if (!list) return fail(list.error());
  if (a.has("json")) {
    Json arr = Json::array();
    for (const auto& o : *list)
      arr.push_back(Json{{"name", o.name},
                         {"role", svc::role_name(o.role)},
                         {"created_at", time::format_rfc3339(o.created_at)},
                         {"created_by", o.created_by}});
    print_json(arr);
    return kExitOk;
  }
  if (list->empty()) {
    std::cout << "no operators (site operator add NAME --role viewer|operator|admin)\n";
    return kExitOk;
  }
  Table t({"name", "role", "created", "by"});
  for (const auto& o : *list)
    t.add({o.name, svc::role_name(o.role), readable_time(o.created_at), o.created_by});
  t.print(std::cout);
  return kExitOk;
}

int site_operator_remove(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (a.positional.size() != 1)
    return fail(make_error("usage", "site operator remove takes one NAME"));
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  svc::OperatorStore ops(*state);
  // On the state directory the last admin may go too (the API refuses that).
  auto st = ops.remove(a.positional[0], "cli", /*keep_admin=*/false, (*site)->inventory());
  if (!st) return fail(st.error());
  std::cout << "operator " << a.positional[0] << " removed; its token is refused from now on\n";
  return kExitOk;
}

}  // namespace gh::cli
