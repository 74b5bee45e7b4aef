// Signed updates and application-layer onboarding: the manufacturer's releases and repository
// keys, the site's mirror and campaigns, the device's application onboarding.
#include <iostream>

#include "cli/cmds.h"
#include "cli/output.h"
#include "common/fs.h"
#include "svc/device/device_agent.h"
#include "svc/device/update_agent.h"
#include "svc/factory/factory.h"
#include "svc/site/campaigns.h"
#include "svc/site/site.h"
#include "svc/site/update_mirror.h"

namespace gh::cli {

namespace {

Result<int64_t> campaign_id(const Args& a) {
  if (a.positional.size() != 1) return make_error("usage", "name one campaign ID");
  const std::string& s = a.positional[0];
  if (s.empty() || s.size() > 15 || s.find_first_not_of("0123456789") != std::string::npos)
    return make_error("usage", "a campaign ID is a number: " + s);
  return std::stoll(s);
}

Result<int> pct(const Args& a, const std::string& name, int fallback) {
  auto v = TRY(a.get_int(name, fallback));
  if (v < 0 || v > 100) return make_error("usage", "--" + name + " is a percentage (0-100)");
  return v;
}

std::string operator_name() {
  const char* u = std::getenv("USER");
  return u && *u ? u : "operator";
}

}  // namespace

int factory_release(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto model = required(a, "model");
  if (!model) return fail(model.error());
  auto version = required(a, "version");
  if (!version) return fail(version.error());
  auto file = required(a, "file");
  if (!file) return fail(file.error());
  if (!fs::exists(*file)) return fail(make_error("usage", "no such file: " + *file));
  // The new release is the newest one with its application replaced (and any other component
  // given with --component).
  auto base = svc::latest_release(*state, *model);
  if (!base) return fail(base.error());
  if (!*base)
    return fail(make_error("release.base", "no earlier release of " + *model +
                                               ": record one with factory firmware first"));
  std::map<std::string, std::string> replace{{"app", *file}};
  auto others = name_value_pairs(a, "component");
  if (!others) return fail(others.error());
  for (const auto& [name, path] : *others) replace[name] = path;
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& c : (*base)->manifest.components) {
    auto it = replace.find(c.name);
    files.emplace_back(
        c.name, it != replace.end() ? it->second : fs::join((*base)->dir, "firmware/" + c.file));
  }
  auto f = svc::Factory::open(*state);
  if (!f) return fail(f.error());
  auto r = (*f)->add_release(*model, *version, a.get("swname", (*base)->manifest.swname), files);
  if (!r) return fail(r.error());
  if (a.has("json")) {
    print_json(Json{{"model", *model}, {"version", *version}, {"published", true}});
  } else {
    std::cout << "released " << *model << " " << *version << ": signed in the update repository ("
              << *state << "/tuf/repository), reference values signed\n";
  }
  return kExitOk;
}

int factory_rotate_keys(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto roles = a.all("role");
  if (roles.empty()) roles = {"timestamp", "snapshot", "targets"};
  auto f = svc::Factory::open(*state);
  if (!f) return fail(f.error());
  if (auto st = (*f)->rotate_update_keys(roles); !st) return fail(st.error());
  std::string list;
  for (const auto& r : roles) list += (list.empty() ? "" : ", ") + r;
  std::cout << "new keys for " << list << "; a new root version signed by the old and new root "
            << "keys is published\n";
  return kExitOk;
}

int site_mirror_sync(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  auto r = svc::sync_mirrors(**site);
  if (!r) return fail(r.error());
  Json out = Json::array();
  for (const auto& m : *r) {
    out.push_back(Json{{"manufacturer", m.manufacturer},
                       {"mirror", m.id},
                       {"timestamp-version", m.timestamp_version},
                       {"targets", m.targets},
                       {"downloaded", m.downloaded},
                       {"reference-values", m.releases}});
    if (!a.has("json"))
      std::cout << m.manufacturer << ": " << m.targets << " target(s) verified, " << m.downloaded
                << " downloaded, timestamp version " << m.timestamp_version
                << (m.releases.empty() ? "" : ", reference values imported") << "\n";
  }
  if (a.has("json")) print_json(out);
  if (r->empty() && !a.has("json"))
    std::cout << "no update repositories: import a bundle that names one\n";
  return kExitOk;
}

int site_campaign_create(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  svc::CampaignSpec spec;
  auto model = required(a, "model");
  if (!model) return fail(model.error());
  auto version = required(a, "version");
  if (!version) return fail(version.error());
  spec.model = *model;
  spec.version = *version;
  auto groups = a.get_int_in("groups", spec.groups, 1, 1000);
  if (!groups) return fail(groups.error());
  auto fail_pct = pct(a, "max-failures", spec.max_failures_pct);
  if (!fail_pct) return fail(fail_pct.error());
  auto ok_pct = pct(a, "success", spec.success_pct);
  if (!ok_pct) return fail(ok_pct.error());
  spec.groups = *groups;
  spec.max_failures_pct = *fail_pct;
  spec.success_pct = *ok_pct;
  spec.approved = a.has("approve");
  spec.created_by = operator_name();
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  svc::Campaigns campaigns((*site)->inventory(), svc::Campaigns::csprng());
  auto id = campaigns.create(spec);
  if (!id) return fail(id.error());
  auto st = campaigns.status(*id);
  if (!st) return fail(st.error());
  if (a.has("json")) {
    print_json(st->to_json());
  } else {
    std::cout << "campaign " << *id << ": " << spec.model << " " << spec.version << " to "
              << st->members.size() << " device(s) in " << st->groups.size() << " group(s), "
              << st->campaign.state << "\n";
  }
  return kExitOk;
}

int site_campaign_status(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  svc::Campaigns campaigns((*site)->inventory(), svc::Campaigns::csprng());
  if (a.positional.empty()) {
    auto list = campaigns.list();
    if (!list) return fail(list.error());
    Json out = Json::array();
    Table t({"id", "model", "version", "state", "group", "devices", "created", "by"});
    for (const auto& c : *list) {
      auto s = campaigns.status(c.id);
      if (!s) return fail(s.error());
      out.push_back(s->to_json());
      t.add({std::to_string(c.id), c.model, c.version, c.state,
             std::to_string(c.current_group + 1) + " of " + std::to_string(s->groups.size()),
             std::to_string(s->members.size()), readable_time(c.created_at), c.created_by});
    }
    if (a.has("json"))
      print_json(out);
    else if (out.empty())
      std::cout << "no campaigns (site campaign create starts one)\n";
    else
      t.print(std::cout);
    return kExitOk;
  }
  auto id = campaign_id(a);
  if (!id) return fail(id.error());
  auto s = campaigns.status(*id);
  if (!s) return fail(s.error());
  print_json(s->to_json());
  return kExitOk;
}

int site_campaign_action(const Args& a, const std::string& action) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  auto id = campaign_id(a);
  if (!id) return fail(id.error());
  auto site = svc::Site::open(*state);
  if (!site) return fail(site.error());
  svc::Campaigns campaigns((*site)->inventory(), svc::Campaigns::csprng());
  Status st = action == "pause"    ? campaigns.pause(*id, operator_name())
              : action == "resume" ? campaigns.resume(*id, operator_name())
              : action == "stop"   ? campaigns.stop(*id, operator_name())
                                   : campaigns.approve(*id, operator_name());
  if (!st) return fail(st.error());
  auto s = campaigns.status(*id);
  if (!s) return fail(s.error());
  std::cout << "campaign " << *id << ": " << s->campaign.state << "\n";
  return kExitOk;
}

int site_campaign_pause(const Args& a) {
  return site_campaign_action(a, "pause");
}
int site_campaign_resume(const Args& a) {
  return site_campaign_action(a, "resume");
}
int site_campaign_stop(const Args& a) {
  return site_campaign_action(a, "stop");
}
int site_campaign_approve(const Args& a) {
  return site_campaign_action(a, "approve");
}

int device_app_onboard(const Args& a) {
  auto state = required(a, "state");
  if (!state) return fail(state.error());
  if (auto site_url = https_url(a, "site"); !site_url) return fail(site_url.error());
  auto dev = svc::open_device(*state, /*allow_onboarded=*/true);
  if (!dev) return fail(dev.error());
  std::unique_ptr<svc::AppSession> session;
  if (a.has("independent")) {
    auto chain = crypto::Certificate::chain_from_pem(
        fs::read_file(fs::join(*state, "bootstrap/idevid.pem")).value_or(""));
    if (!chain) return fail(chain.error().context("bootstrap/idevid.pem"));
    auto key = dev->keystore->load(device::kIdevidKey);
    if (!key) return fail(key.error().context("the IDevID key"));
    std::vector<crypto::Certificate> rest(chain->begin() + 1, chain->end());
    auto s = svc::open_independent(*state, crypto::TlsIdentity{(*chain)[0], rest, *key});
    if (!s) return fail(s.error());
    session = std::move(*s);
  } else {
    auto site = svc::site_session(*dev, a.get("site"));
    if (!site) return fail(site.error());
    auto s = svc::open_streamlined(*state, site->site_url, site->identity, site->domain_ca);
    if (!s) return fail(s.error());
    session = std::move(*s);
  }
  if (auto st = svc::app_onboard(*state, *session); !st) return fail(st.error());
  const auto& svc = session->service();
  // Onboarded to a site too: the site records that (and how) the device runs its application.
  bool told_site = false;
  if (a.has("independent")) {
    if (auto site = svc::site_session(*dev, a.get("site")); site) {
      auto st = svc::report_app_to_site(site->site_url, site->identity, site->domain_ca,
                                        "independent", svc.version);
      if (!st) return fail(st.error());
      told_site = true;
    }
  }
  if (a.has("json")) {
    print_json(Json{{"path", svc.path},
                    {"version", svc.version},
                    {"service", svc.host + ":" + std::to_string(svc.port)},
                    {"site_told", told_site}});
  } else {
    std::cout << "app-onboarded (" << svc.path << ", " << svc.host << ":" << svc.port
              << "): running " << svc.version << ", verified against the manufacturer's "
              << "signed update metadata\n";
  }
  return kExitOk;
}

}  // namespace gh::cli
