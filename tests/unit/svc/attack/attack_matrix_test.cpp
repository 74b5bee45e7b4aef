// The attack matrix (issue 13, item 8): every row is one attack on a running site, with the
// refusal it must get and a comparison of the site before and after. A row's name says what it
// attacks (rows_*.cpp); `gh_unit_tests --gtest_filter='*AttackMatrix*<part of a name>*'` runs some.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "attack_env.h"

namespace gh::svc::attack {
namespace {

std::vector<Row> all_rows() {
  std::vector<Row> rows;
  for (auto part : {brski_rows, est_rows, status_rows, lifecycle_rows, dpp_rows, mud_policy_rows,
                    admission_server_rows, attest_rows}) {
    auto more = part();
    rows.insert(rows.end(), more.begin(), more.end());
  }
  return rows;
}

std::string describe(const store::Event& e) {
  return e.kind + " " + e.outcome + " [" + e.reason + "] " + e.serial;
}

class AttackMatrix : public AttackEnv, public ::testing::WithParamInterface<Row> {};

TEST_P(AttackMatrix, IsRefusedAndChangesNothing) {
  const Row& row = GetParam();
  if (row.arrange) row.arrange(*this);
  ASSERT_FALSE(HasFailure()) << "arranging " << row.name << " failed";
  const Snapshot before = snapshot();

  const Outcome got = row.attack(*this);
  EXPECT_EQ(got.http, row.expect.http) << got.note;
  EXPECT_EQ(got.check, row.expect.check) << got.note;

  const Snapshot after = snapshot();
  // The inventory: no device changed state; credentials only where the row allows it.
  EXPECT_EQ(after.states, before.states);
  if (!(row.may_change & kCredentials)) {
    EXPECT_EQ(after.ldevid, before.ldevid);
    EXPECT_EQ(after.credentials, before.credentials);
  }
  if (!(row.may_change & kDppConfigs)) {
    EXPECT_EQ(after.dpp_configurations, before.dpp_configurations);
  }
  if (!(row.may_change & kMudCache)) {
    EXPECT_EQ(after.mud_cache, before.mud_cache);
  }
  if (!(row.may_change & kPolicyFile)) {
    EXPECT_EQ(after.policy_file, before.policy_file);
  }

  // The evidence log: appended to only, by at most the row's events, each a refusal unless the
  // row names its kind; one of them is the refusal naming the check.
  ASSERT_GE(after.events.size(), before.events.size());
  for (size_t i = 0; i < before.events.size(); ++i)
    EXPECT_EQ(after.events[i].id, before.events[i].id) << "an event was rewritten or removed";
  std::vector<store::Event> added(after.events.begin() + static_cast<long>(before.events.size()),
                                  after.events.end());
  std::string listing;
  for (const auto& e : added) listing += "\n  " + describe(e);
  EXPECT_LE(added.size(), row.events) << "new events:" << listing;
  EXPECT_LE(after.summaries, before.summaries + 1) << "more than one rate summary";
  for (const auto& e : added) {
    bool may_be_ok =
        std::find(row.ok_kinds.begin(), row.ok_kinds.end(), e.kind) != row.ok_kinds.end();
    EXPECT_TRUE(e.outcome == "refused" || may_be_ok) << "not a refusal: " << describe(e);
  }
  if (row.events > 0 && row.recorded && !row.expect.check.empty()) {
    bool named = std::any_of(added.begin(), added.end(), [&](const store::Event& e) {
      return e.outcome == "refused" && e.reason == row.expect.check;
    });
    EXPECT_TRUE(named) << "no refusal naming " << row.expect.check << " in:" << listing;
  }
  if (row.verify) row.verify(*this, before, after);
}

std::string test_name(const ::testing::TestParamInfo<Row>& info) {
  std::string out = info.param.name;
  for (auto& c : out)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return out;
}

INSTANTIATE_TEST_SUITE_P(Rows, AttackMatrix, ::testing::ValuesIn(all_rows()), test_name);

// The table itself: 60 rows or more, names unique, every area the issue names covered.
TEST(AttackMatrixTable, CoversEveryAreaWithUniqueNames) {
  auto rows = all_rows();
  EXPECT_GE(rows.size(), 60u);
  std::set<std::string> names, areas;
  for (const auto& r : rows) {
    EXPECT_TRUE(names.insert(test_name({r, 0})).second) << "duplicate " << r.name;
    EXPECT_TRUE(r.attack) << r.name;
    areas.insert(area_of(r));
  }
  for (const char* a : {"brski", "est", "status", "lifecycle", "dpp", "mud", "policy", "admission",
                        "server", "attest"})
    EXPECT_TRUE(areas.count(a)) << a;
  EXPECT_EQ(areas.size(), 10u);
}

}  // namespace
}  // namespace gh::svc::attack
