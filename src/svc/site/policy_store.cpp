#include "svc/site/policy_store.h"

#include <sys/stat.h>

#include "codec/declaration.h"
#include "common/fs.h"

namespace gh::svc {

std::string PolicyStore::path(const std::string& state_dir) {
  return fs::join(state_dir, "policy.yaml");
}

proto::policy::Policy PolicyStore::current(store::Inventory* log) {
  std::lock_guard<std::mutex> lock(mu_);
  struct stat st {};
  std::string p = path(dir_);
  if (::stat(p.c_str(), &st) != 0) {
    if (loaded_ || size_ != -1) {
      policy_ = proto::policy::Policy::builtin();
      size_ = -1;
      from_file_ = false;
    }
    loaded_ = true;
    return policy_;
  }
  if (loaded_ && st.st_mtim.tv_sec == mtime_.tv_sec && st.st_mtim.tv_nsec == mtime_.tv_nsec &&
      st.st_size == size_)
    return policy_;
  loaded_ = true;
  mtime_ = st.st_mtim;
  size_ = st.st_size;
  auto text = fs::read_file_limited(p, proto::policy::kMaxPolicyBytes, "policy.size");
  auto parsed = text ? proto::policy::Policy::parse_yaml(*text, p)
                     : Result<proto::policy::Policy>(text.error());
  if (!parsed) {
    // A broken edit keeps the policy that was running; with none from the file yet (a service
    // started while it was broken) the site fails closed instead of allowing everything.
    if (!from_file_)
      policy_ = proto::policy::Policy::deny_all("deny all: " + p + " does not parse");
    if (log)
      (void)log->append(store::Event{
          0, 0, "", "policy.reload", "refused", parsed.error().code,
          Json{{"message", parsed.error().message}, {"running", policy_.origin}}.dump()});
    return policy_;
  }
  policy_ = std::move(*parsed);
  from_file_ = true;
  return policy_;
}

proto::policy::Decision PolicyStore::decide(const proto::policy::Subject& s,
                                            store::Inventory* log) {
  return proto::policy::evaluate(current(log), s);
}

Status PolicyStore::install(const std::string& state_dir, const std::string& file,
                            store::Inventory& log) {
  auto text = TRY(fs::read_file_limited(file, proto::policy::kMaxPolicyBytes, "policy.size"));
  auto pol = TRY(proto::policy::Policy::parse_yaml(text, path(state_dir)));
  TRY(fs::write_file_atomic(path(state_dir), text, 0644));
  return log.append(store::Event{
      0, 0, "", "policy.set", "ok", "policy installed",
      Json{{"rules", pol.rules.size()}, {"default", pol.default_allow ? "allow" : "deny"}}.dump()});
}

proto::policy::Subject subject_for(const store::DeviceRecord& d, const std::string& protocol) {
  proto::policy::Subject s;
  s.serial = d.serial;
  s.manufacturer = d.manufacturer;
  s.model = d.model;
  s.bundle = d.bundle_id;
  s.mud_url = d.enforced_mud_url();
  s.protocol = protocol;
  s.attestation = d.attestation_status.empty() ? "none" : d.attestation_status;
  s.source = "bundle";
  s.state = d.state;
  // The declaration was verified when its bundle was imported; here only its owner is read.
  if (auto decl = codec::decode_verified_declaration(d.declaration)) s.owner = decl->owner.name;
  return s;
}

}  // namespace gh::svc
