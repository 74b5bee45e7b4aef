// The journal dnsmasq's --dhcp-script hook appends to and the router agent reads: announcements
// per MAC, kept across events that leave fields out, removed by "del", read across rotation and
// truncation.
#include "svc/router/dhcp_journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "common/fs.h"
#include "test_util.h"

namespace gh::svc {
namespace {

DhcpAnnouncement ann(const std::string& mac, const std::string& url,
                     const std::string& port = "r-dev1", const std::string& problem = "") {
  return DhcpAnnouncement{mac, "10.78.1.10", port, url, problem, 100};
}

TEST(DhcpJournal, LatestAnnouncementPerMac) {
  std::string dir = gh::testing::make_temp_dir("gh-dhcp");
  std::string path = dir + "/j.jsonl";
  DhcpJournal j(path);
  EXPECT_FALSE(j.poll());  // no file yet
  ASSERT_TRUE(dhcp_journal_append(path, "add", ann("02:AA:00:00:00:01", "https://m/a.json")).ok());
  ASSERT_TRUE(dhcp_journal_append(path, "add", ann("02:aa:00:00:00:02", "")).ok());
  EXPECT_TRUE(j.poll());
  ASSERT_EQ(j.by_mac().size(), 2u);
  EXPECT_EQ(j.by_mac().at("02:aa:00:00:00:01").mud_url, "https://m/a.json");
  EXPECT_FALSE(j.poll());  // nothing new
  // A replayed lease (no options, no interface) keeps what the device said; a bad URL is noted
  // and the last good one stays; a new good one replaces it.
  ASSERT_TRUE(dhcp_journal_append(path, "old", ann("02:aa:00:00:00:01", "", "")).ok());
  EXPECT_FALSE(j.poll());
  EXPECT_EQ(j.by_mac().at("02:aa:00:00:00:01").port, "r-dev1");
  ASSERT_TRUE(
      dhcp_journal_append(path, "old", ann("02:aa:00:00:00:01", "", "r-dev1", "not https")).ok());
  EXPECT_TRUE(j.poll());
  EXPECT_EQ(j.by_mac().at("02:aa:00:00:00:01").mud_url, "https://m/a.json");
  EXPECT_EQ(j.by_mac().at("02:aa:00:00:00:01").mud_url_problem, "not https");
  ASSERT_TRUE(dhcp_journal_append(path, "old", ann("02:aa:00:00:00:01", "https://m/b.json")).ok());
  EXPECT_TRUE(j.poll());
  EXPECT_EQ(j.by_mac().at("02:aa:00:00:00:01").mud_url, "https://m/b.json");
  EXPECT_EQ(j.by_mac().at("02:aa:00:00:00:01").mud_url_problem, "");
  ASSERT_TRUE(dhcp_journal_append(path, "del", ann("02:aa:00:00:00:02", "")).ok());
  EXPECT_TRUE(j.poll());
  EXPECT_EQ(j.by_mac().count("02:aa:00:00:00:02"), 0u);
  // A half-written line waits for its end.
  std::ofstream(path, std::ios::app) << R"({"action":"add","mac":"02:aa:00:00:00:03",)";
  EXPECT_FALSE(j.poll());
  std::ofstream(path, std::ios::app) << R"("ip":"10.78.1.11","mud_url":"https://m/c.json"})"
                                     << "\n";
  EXPECT_TRUE(j.poll());
  EXPECT_EQ(j.by_mac().at("02:aa:00:00:00:03").mud_url, "https://m/c.json");
  (void)fs::remove_all(dir);
}

TEST(DhcpJournal, RotationLosesNothing) {
  std::string dir = gh::testing::make_temp_dir("gh-dhcp");
  std::string path = dir + "/j.jsonl";
  DhcpJournal j(path, 200);  // rotate after 200 bytes
  int rotations = 0;
  for (int i = 0; i < 10; ++i) {
    std::string mac = "02:bb:00:00:00:0" + std::to_string(i);
    ASSERT_TRUE(dhcp_journal_append(path, "add", ann(mac, "https://m/" + std::to_string(i))).ok());
    j.poll();
    if (!fs::exists(path) && fs::exists(path + ".1")) {
      // Rotated just now: a writer that opened the file before the rename appends to it there.
      ++rotations;
      std::ofstream(path + ".1", std::ios::app)
          << R"({"action":"add","mac":"02:bb:00:00:01:0)" << i << R"(","mud_url":"https://m/late"})"
          << "\n";
    }
  }
  j.poll();
  EXPECT_GE(rotations, 2);
  EXPECT_EQ(j.by_mac().size(), 10u + rotations);
  // Replaced by a new file behind the reader's back: the new file is read from its start.
  DhcpJournal k(path);  // (one that does not rotate)
  ASSERT_TRUE(dhcp_journal_append(path, "add", ann("02:bb:00:00:00:ab", "https://m/y")).ok());
  EXPECT_TRUE(k.poll());
  ASSERT_TRUE(
      fs::write_file_atomic(path,
                            R"({"action":"add","mac":"02:bb:00:00:00:ad","mud_url":"https://m/r"})"
                            "\n",
                            0600)
          .ok());
  EXPECT_TRUE(k.poll());
  EXPECT_EQ(k.by_mac().at("02:bb:00:00:00:ad").mud_url, "https://m/r");
  (void)fs::remove_all(dir);
}

TEST(DhcpJournal, MembersOfAnotherTypeAreReadAsAbsent) {
  // Found by fuzzing: Json::value() threw on a member of another type and ended the router agent.
  std::string dir = gh::testing::make_temp_dir("gh-dhcp");
  std::string path = dir + "/j.jsonl";
  std::ofstream(path) << R"({"action":"add","mac":1})"
                      << "\n"
                      << R"({"action":["del"],"mac":"02:AA:00:00:00:07","at":"soon","ip":5,)"
                      << R"("port":"r-dev1","mud_url":{"a":1}})"
                      << "\n";
  DhcpJournal j(path);
  EXPECT_TRUE(j.poll());
  ASSERT_EQ(j.by_mac().size(), 1u);
  const auto& a = j.by_mac().at("02:aa:00:00:00:07");
  EXPECT_EQ(a.at, 0);
  EXPECT_EQ(a.ip, "");
  EXPECT_EQ(a.port, "r-dev1");
  EXPECT_EQ(a.mud_url, "");
  (void)fs::remove_all(dir);
}

}  // namespace
}  // namespace gh::svc
