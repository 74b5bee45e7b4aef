// The attacks TUF defends against (the specification's goals, section 1.5.2), each against the
// manufacturer's real repository (TufRepository) and the client workflow (TufUpdater): the client
// reads through a mirror, a copy of the repository the attacker controls.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "common/fs.h"
#include "crypto/digest.h"
#include "crypto/x509.h"
#include "pki/profiles.h"
#include "svc/common/tuf_updater.h"
#include "svc/factory/tuf_repository.h"
#include "test_util.h"

namespace gh::svc {
namespace {

namespace stdfs = std::filesystem;

class TufAttack : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("gh-tuf");
    ks_ = std::move(*crypto::open_file_keystore(dir_ + "/keys"));
    auto r = TufRepository::open(dir_ + "/factory", *ks_);
    ASSERT_TRUE(r.ok()) << r.error().str();
    repo_ = std::move(*r);
    ASSERT_TRUE(fs::make_dirs(dir_ + "/client").ok());
    ASSERT_TRUE(fs::write_file_atomic(dir_ + "/client/root.json", *repo_->root_json()).ok());
    ASSERT_TRUE(release("1.0.0", "app one").ok());
    sync_mirror();
  }
  void TearDown() override { stdfs::remove_all(dir_); }

  Status release(const std::string& version, const std::string& app) {
    return repo_->add_targets(
        {{"modela/" + version + "/app.bin", app, Json{{"model", "modela"}, {"version", version}}}});
  }
  // The mirror: a copy of the repository as it is now.
  void sync_mirror() {
    stdfs::remove_all(mirror());
    stdfs::copy(repo_->repository_dir(), mirror(), stdfs::copy_options::recursive);
  }
  std::string mirror() const { return dir_ + "/mirror"; }
  std::string meta(const std::string& f) const { return mirror() + "/metadata/" + f; }
  Status refresh(time::Seconds now = time::now()) {
    DirFetcher f(mirror());
    TufUpdater u(dir_ + "/client", f);
    return u.refresh(now);
  }
  Result<std::string> fetch_target(const std::string& path) {
    DirFetcher f(mirror());
    TufUpdater u(dir_ + "/client", f);
    TRY(u.refresh(time::now()));
    auto info = TRY(u.target_info(path));
    return u.download(path, info);
  }
  // Metadata signed with the repository's own key of role (a compromised online key), or with a
  // key of the attacker's own when attacker is set.
  std::string sign(const std::string& role, const Json& body, bool attacker = false) {
    auto priv = attacker ? *crypto::PrivateKey::generate(crypto::Curve::kP256)
                         : *ks_->load("tuf-" + role + "-1");
    tuf::Signer s{*tuf::make_key(priv.public_key()), priv};
    return *tuf::sign_metadata(body, {&s});
  }
  Json signed_part(const std::string& file) {
    return Json::parse(*fs::read_file(meta(file)))["signed"];
  }
  int64_t ts_version() { return signed_part("timestamp.json")["version"].get<int64_t>(); }
  std::string snapshot_name() {
    return tuf::versioned_name(
        signed_part("timestamp.json")["meta"]["snapshot.json"]["version"].get<int64_t>(),
        "snapshot");
  }
  // A timestamp announcing the mirror's snapshot file as it is now.
  Json timestamp_for(const std::string& snapshot_file, int64_t snapshot_version, int64_t version) {
    auto bytes = *fs::read_file(meta(snapshot_file));
    return Json{{"_type", "timestamp"},
                {"spec_version", "1.0.31"},
                {"version", version},
                {"expires", time::format_rfc3339(time::now() + 3600)},
                {"meta",
                 {{"snapshot.json",
                   {{"version", snapshot_version},
                    {"length", static_cast<int64_t>(bytes.size())},
                    {"hashes", {{"sha256", hex_encode(crypto::sha256(bytes))}}}}}}}};
  }

  std::string dir_;
  std::unique_ptr<crypto::KeyStore> ks_;
  std::unique_ptr<TufRepository> repo_;
};

TEST_F(TufAttack, AnHonestMirrorGivesTheTarget) {
  auto got = fetch_target("modela/1.0.0/app.bin");
  ASSERT_TRUE(got.ok()) << got.error().str();
  EXPECT_EQ(*got, "app one");
  // Persisted: a second refresh with nothing new still works (stored snapshot is current).
  EXPECT_TRUE(refresh().ok());
  ASSERT_REFUSED(fetch_target("modela/9.9.9/app.bin"), "tuf.target");
}

TEST_F(TufAttack, ArbitraryInstallationOfTamperedTargetBytes) {
  for (const auto& e : stdfs::recursive_directory_iterator(mirror() + "/targets")) {
    if (!e.is_regular_file()) continue;
    ASSERT_TRUE(fs::write_file_atomic(e.path(), "app evi").ok());
  }
  ASSERT_REFUSED(fetch_target("modela/1.0.0/app.bin"), "tuf.hash");
}

TEST_F(TufAttack, ArbitraryInstallationWithMetadataTheAttackerSigned) {
  auto sn = snapshot_name();
  int64_t snv = signed_part("timestamp.json")["meta"]["snapshot.json"]["version"];
  ASSERT_TRUE(fs::write_file_atomic(meta("timestamp.json"),
                                    sign("timestamp", timestamp_for(sn, snv, ts_version() + 1),
                                         /*attacker=*/true))
                  .ok());
  ASSERT_REFUSED(refresh(), "tuf.signature");
}

TEST_F(TufAttack, RollbackOfTheTimestampIsRefused) {
  auto old_ts = *fs::read_file(meta("timestamp.json"));
  ASSERT_TRUE(release("1.1.0", "app two").ok());
  sync_mirror();
  ASSERT_TRUE(refresh().ok());
  ASSERT_TRUE(fs::write_file_atomic(meta("timestamp.json"), old_ts).ok());  // a replay
  ASSERT_REFUSED(refresh(), "tuf.version");
}

// GO-2022-0444: a snapshot (signed with the compromised online snapshot key) that takes the
// targets role back to an older version.
TEST_F(TufAttack, RollbackOfTargetsInTheSnapshotIsRefused) {
  ASSERT_TRUE(release("1.1.0", "app two").ok());
  sync_mirror();
  ASSERT_TRUE(refresh().ok());
  Json sn = signed_part(snapshot_name());
  int64_t v = sn["version"].get<int64_t>() + 1;
  sn["version"] = v;
  auto old_targets = *fs::read_file(meta("2.targets.json"));
  sn["meta"]["targets.json"] = {{"version", 2},
                                {"length", static_cast<int64_t>(old_targets.size())},
                                {"hashes", {{"sha256", hex_encode(crypto::sha256(old_targets))}}}};
  ASSERT_TRUE(
      fs::write_file_atomic(meta(tuf::versioned_name(v, "snapshot")), sign("snapshot", sn)).ok());
  ASSERT_TRUE(
      fs::write_file_atomic(
          meta("timestamp.json"),
          sign("timestamp", timestamp_for(tuf::versioned_name(v, "snapshot"), v, ts_version() + 1)))
          .ok());
  ASSERT_REFUSED(refresh(), "tuf.meta");
}

TEST_F(TufAttack, MixAndMatchOfMetadataFromDifferentVersions) {
  ASSERT_TRUE(release("1.1.0", "app two").ok());
  sync_mirror();
  // The current targets file name, with an older version's bytes.
  int64_t tv = signed_part(snapshot_name())["meta"]["targets.json"]["version"];
  auto current = *fs::read_file(meta(tuf::versioned_name(tv, "targets")));
  auto older = *fs::read_file(meta(tuf::versioned_name(tv - 1, "targets")));
  ASSERT_LT(older.size(), current.size());
  // Padded with JSON whitespace to the announced length: only the hash tells them apart.
  older += std::string(current.size() - older.size(), ' ');
  ASSERT_TRUE(fs::write_file_atomic(meta(tuf::versioned_name(tv, "targets")), older).ok());
  ASSERT_REFUSED(refresh(), "tuf.hash");
}

TEST_F(TufAttack, IndefiniteFreezeEndsWithTheTimestampsExpiry) {
  ASSERT_TRUE(refresh().ok());
  // The mirror keeps serving the same metadata; a day and a bit later it has expired.
  ASSERT_REFUSED(refresh(time::now() + 86400 + 60), "tuf.expired");
}

TEST_F(TufAttack, EndlessDataIsCutAtTheRolesCap) {
  auto ts = *fs::read_file(meta("timestamp.json"));
  ASSERT_TRUE(fs::write_file_atomic(meta("timestamp.json"), ts + std::string(64 * 1024, ' ')).ok());
  ASSERT_REFUSED(refresh(), "tuf.length");
}

TEST_F(TufAttack, EndlessTargetIsCutAtItsAnnouncedLength) {
  for (const auto& e : stdfs::recursive_directory_iterator(mirror() + "/targets")) {
    if (!e.is_regular_file()) continue;
    ASSERT_TRUE(fs::write_file_atomic(e.path(), "app one" + std::string(1 << 20, 'x')).ok());
  }
  ASSERT_REFUSED(fetch_target("modela/1.0.0/app.bin"), "tuf.length");
}

TEST_F(TufAttack, MetadataOfTheWrongRoleIsRefused) {
  ASSERT_TRUE(
      fs::write_file_atomic(meta("timestamp.json"), *fs::read_file(meta(snapshot_name()))).ok());
  // Signed by the snapshot key, not a timestamp key: the type check comes first.
  ASSERT_REFUSED(refresh(), "tuf.type");
}

// The attacker, holding the online timestamp key, serves a timestamp far in the future: the
// client accepts it (it is validly signed) and would then refuse every real one. Rotating the
// timestamp and snapshot keys through a new root recovers (specification 5.3.11).
TEST_F(TufAttack, FastForwardIsRecoveredByRootRotation) {
  auto sn = snapshot_name();
  int64_t snv = signed_part("timestamp.json")["meta"]["snapshot.json"]["version"];
  ASSERT_TRUE(fs::write_file_atomic(meta("timestamp.json"),
                                    sign("timestamp", timestamp_for(sn, snv, 100000)))
                  .ok());
  ASSERT_TRUE(refresh().ok());
  ASSERT_TRUE(release("1.1.0", "app two").ok());
  sync_mirror();
  ASSERT_REFUSED(refresh(), "tuf.version");  // stuck behind the fast-forwarded timestamp
  ASSERT_TRUE(repo_->rotate_keys({"timestamp", "snapshot"}).ok());
  sync_mirror();
  auto got = fetch_target("modela/1.1.0/app.bin");
  ASSERT_TRUE(got.ok()) << got.error().str();
  EXPECT_EQ(*got, "app two");
}

// Key compromise: the root role needs two of its keys; one stolen root key cannot make a root.
TEST_F(TufAttack, OneCompromisedRootKeyCannotRotateTheRoot) {
  Json root = signed_part("1.root.json");
  root["version"] = 2;
  auto thief = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto thief_key = *tuf::make_key(thief.public_key());
  root["keys"][thief_key.id] = thief_key.json;
  root["roles"]["timestamp"]["keyids"] = Json::array({thief_key.id});
  auto stolen = *ks_->load("tuf-root-1");
  tuf::Signer s1{*tuf::make_key(stolen.public_key()), stolen};
  tuf::Signer s2{thief_key, thief};
  ASSERT_TRUE(
      fs::write_file_atomic(meta("2.root.json"), *tuf::sign_metadata(root, {&s1, &s2})).ok());
  ASSERT_REFUSED(refresh(), "tuf.signature");
}

TEST_F(TufAttack, RootRotationIsFollowedAndKeptAcrossRefreshes) {
  ASSERT_TRUE(repo_->rotate_keys({"root", "targets"}).ok());
  ASSERT_TRUE(release("1.1.0", "app two").ok());
  sync_mirror();
  auto got = fetch_target("modela/1.1.0/app.bin");
  ASSERT_TRUE(got.ok()) << got.error().str();
  auto trusted = Json::parse(*fs::read_file(dir_ + "/client/root.json"));
  EXPECT_EQ(trusted["signed"]["version"], 2);
  // A mirror that went back to serving only version 1 of the root changes nothing.
  EXPECT_TRUE(refresh().ok());
}

// A key rotation cut short: the new root (naming a new timestamp key) was published, then the
// process died before re-signing. Opening the repository finishes the rotation.
TEST_F(TufAttack, ARotationCutShortIsFinishedWhenTheRepositoryOpens) {
  Json root = signed_part("1.root.json");
  root["version"] = 2;
  auto fresh = *ks_->generate("tuf-timestamp-2", crypto::Curve::kP256);
  auto key = *tuf::make_key(fresh.public_key());
  root["keys"][key.id] = key.json;
  root["roles"]["timestamp"]["keyids"] = Json::array({key.id});
  auto r1 = *ks_->load("tuf-root-1");
  auto r2 = *ks_->load("tuf-root-2");
  tuf::Signer s1{*tuf::make_key(r1.public_key()), r1}, s2{*tuf::make_key(r2.public_key()), r2};
  auto bytes = *tuf::sign_metadata(root, {&s1, &s2});
  const std::string meta_dir = repo_->repository_dir() + "/metadata/";
  ASSERT_TRUE(fs::write_file_atomic(meta_dir + "2.root.json", bytes).ok());
  ASSERT_TRUE(fs::write_file_atomic(meta_dir + "root.json", bytes).ok());
  sync_mirror();
  ASSERT_REFUSED(refresh(), "tuf.signature");  // the timestamp is still the old key's
  auto reopened = TufRepository::open(dir_ + "/factory", *ks_);
  ASSERT_TRUE(reopened.ok()) << reopened.error().str();
  sync_mirror();
  EXPECT_TRUE(refresh().ok());
}

// Extraneous dependencies: a delegated role signs for paths outside the ones delegated to it.
TEST_F(TufAttack, ADelegatedRoleCannotSignOutsideItsPaths) {
  auto vendor = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto vkey = *tuf::make_key(vendor.public_key());
  tuf::Signer vs{vkey, vendor};
  Json vendor_targets{
      {"_type", "targets"},
      {"spec_version", "1.0.31"},
      {"version", 1},
      {"expires", time::format_rfc3339(time::now() + 3600)},
      {"targets",
       {{"modela/1.0.0/evil.bin",
         {{"length", 4}, {"hashes", {{"sha256", hex_encode(crypto::sha256("evil"))}}}}},
        {"modelb/1.0.0/app.bin",
         {{"length", 4}, {"hashes", {{"sha256", hex_encode(crypto::sha256("good"))}}}}}}}};
  auto vbytes = *tuf::sign_metadata(vendor_targets, {&vs});
  Json top = signed_part(tuf::versioned_name(
      signed_part(snapshot_name())["meta"]["targets.json"]["version"], "targets"));
  top["version"] = top["version"].get<int64_t>() + 1;
  top["delegations"] = {{"keys", {{vkey.id, vkey.json}}},
                        {"roles",
                         {{{"name", "vendorb"},
                           {"keyids", {vkey.id}},
                           {"threshold", 1},
                           {"paths", {"modelb/*/*"}},
                           {"terminating", true}}}}};
  auto tbytes = sign("targets", top);
  int64_t tv = top["version"];
  Json sn = signed_part(snapshot_name());
  int64_t snv = sn["version"].get<int64_t>() + 1;
  sn["version"] = snv;
  sn["meta"]["targets.json"] = {{"version", tv}};
  sn["meta"]["vendorb.json"] = {{"version", 1}};
  ASSERT_TRUE(fs::write_file_atomic(meta(tuf::versioned_name(tv, "targets")), tbytes).ok());
  ASSERT_TRUE(fs::write_file_atomic(meta("1.vendorb.json"), vbytes).ok());
  ASSERT_TRUE(
      fs::write_file_atomic(meta(tuf::versioned_name(snv, "snapshot")), sign("snapshot", sn)).ok());
  ASSERT_TRUE(fs::write_file_atomic(
                  meta("timestamp.json"),
                  sign("timestamp",
                       timestamp_for(tuf::versioned_name(snv, "snapshot"), snv, ts_version() + 1)))
                  .ok());
  DirFetcher f(mirror());
  TufUpdater u(dir_ + "/client", f);
  ASSERT_TRUE(u.refresh(time::now()).ok());
  auto inside = u.target_info("modelb/1.0.0/app.bin");  // delegated: found in vendorb
  ASSERT_TRUE(inside.ok()) << inside.error().str();
  EXPECT_EQ(inside->length, 4);
  ASSERT_REFUSED(u.target_info("modela/1.0.0/evil.bin"), "tuf.target");
  EXPECT_TRUE(u.target_info("modela/1.0.0/app.bin").ok());  // the top-level role's own
}

// Slow retrieval: a server that trickles its answer one byte at a time is cut off by the
// minimum-rate deadline, not waited for until the socket's per-read timeout.
TEST(TufSlowRetrieval, ATricklingServerIsCutOff) {
  auto k = *crypto::PrivateKey::generate(crypto::Curve::kP256);
  auto c = *crypto::issue_certificate(pki::domain_ca("t", k.public_key()), nullptr, k);
  auto tls = *crypto::TlsContext::server({c, {}, k});
  int lfd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  std::atomic<bool> done{false};
  std::thread server([&] {
    int fd = ::accept(lfd, nullptr, nullptr);
    auto conn = crypto::TlsConnection::accept(tls, fd);
    if (!conn) return;
    uint8_t buf[4096];
    (void)conn->read(buf, sizeof buf);
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    (void)conn->write(reinterpret_cast<const uint8_t*>(head.data()), head.size());
    for (int i = 0; i < 1000 && !done; ++i) {
      uint8_t b = 'x';
      if (!conn->write(&b, 1).ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  HttpsFetcherOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  auto client_tls = *crypto::TlsContext::client(nullptr, {}, "");
  o.tls = &client_tls;
  o.grace_s = 0.3;
  o.min_bytes_per_s = 100000;
  HttpsFetcher f(o);
  double t0 = time::monotonic();
  auto r = f.fetch("metadata/timestamp.json", 16 * 1024);
  double took = time::monotonic() - t0;
  done = true;
  server.join();
  ::close(lfd);
  ASSERT_REFUSED(r, "tuf.slow");
  EXPECT_LT(took, 5.0);  // well before 1000 bytes at 20 ms each (20 s)
}

}  // namespace
}  // namespace gh::svc
