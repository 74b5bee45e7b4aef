// The dashboard's static files (svc/site/ui_files.h): plain names only, nothing outside the
// directory (.., encoded .., a backslash, NUL, a symbolic link out), hidden files refused, the
// size limit, GET only, content types, and the security headers on every answer.
#include "svc/site/ui_files.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/fs.h"
#include "common/json.h"

namespace gh::svc {
namespace {

class UiFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_ = std::make_unique<fs::TempDir>(*fs::TempDir::create("/tmp", "gh-ui-test"));
    root_ = tmp_->path() + "/ui";
    ASSERT_TRUE(fs::make_dirs(root_ + "/assets").ok());
    ASSERT_TRUE(fs::write_file_atomic(root_ + "/index.html", "<!doctype html><p>hi</p>").ok());
    ASSERT_TRUE(fs::write_file_atomic(root_ + "/assets/app-1.js", "console.log(1)").ok());
    ASSERT_TRUE(fs::write_file_atomic(root_ + "/.env", "secret").ok());
    ASSERT_TRUE(fs::write_file_atomic(tmp_->path() + "/outside.txt", "outside").ok());
    ASSERT_EQ(::symlink((tmp_->path() + "/outside.txt").c_str(), (root_ + "/link.txt").c_str()), 0);
  }
  static std::string header(const net::HttpResponse& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return "";
  }
  static std::string check(const net::HttpResponse& r) {
    auto j = parse_json(r.body, "test");
    return j && j->contains("error") ? (*j)["error"].value("check", "") : "";
  }

  std::unique_ptr<fs::TempDir> tmp_;
  std::string root_;
};

TEST_F(UiFilesTest, ServesIndexAndAssetsWithTheirTypesAndHeaders) {
  UiFiles ui(root_);
  ASSERT_TRUE(ui.installed());
  for (const char* path : {"/ui/", "/ui/index.html"}) {
    auto r = ui.serve("GET", path);
    ASSERT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.body, "<!doctype html><p>hi</p>");
    EXPECT_EQ(header(r, "Cache-Control"), "no-cache");
    const std::string csp = header(r, "Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(r, "X-Content-Type-Options"), "nosniff");
  }
  auto js = ui.serve("GET", "/ui/assets/app-1.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js.body, "console.log(1)");
  EXPECT_EQ(header(js, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(UiFiles::content_type("a/b.css"), "text/css; charset=utf-8");
  EXPECT_EQ(UiFiles::content_type("a.b/c"), "application/octet-stream");
  EXPECT_EQ(UiFiles::content_type("x.exe"), "application/octet-stream");
}

TEST_F(UiFilesTest, NothingOutsideTheDirectoryAndNoHiddenFile) {
  UiFiles ui(root_);
  for (const char* path : {"/ui/../outside.txt", "/ui/assets/../../outside.txt",
                           "/ui/%2e%2e/outside.txt", "/ui/assets/%2E%2E%2F%2E%2E%2Foutside.txt",
                           "/ui/assets%5c..%5c..%5coutside.txt", "/ui/.env", "/ui/assets//app-1.js",
                           "/ui/index.html%00.js", "/ui/%zz", "/ui/./index.html"}) {
    auto r = ui.serve("GET", path);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_EQ(check(r), "ui.path") << path;
    EXPECT_EQ(r.body.find("outside"), std::string::npos) << path;
    EXPECT_EQ(header(r, "X-Frame-Options"), "DENY") << path;
  }
  auto link = ui.serve("GET", "/ui/link.txt");
  EXPECT_EQ(link.status, 404) << link.body;
  EXPECT_EQ(check(link), "ui.not-found");
  EXPECT_EQ(check(ui.serve("GET", "/ui/missing.js")), "ui.not-found");
  EXPECT_EQ(check(ui.serve("GET", "/ui/assets")), "ui.not-found");  // a directory
}

TEST_F(UiFilesTest, SizeLimitMethodsAndAMissingDashboard) {
  ASSERT_TRUE(
      fs::write_file_atomic(root_ + "/assets/big.js", std::string(kMaxUiFileBytes + 1, 'x')).ok());
  ASSERT_TRUE(
      fs::write_file_atomic(root_ + "/assets/max.js", std::string(kMaxUiFileBytes, 'x')).ok());
  UiFiles ui(root_);
  auto big = ui.serve("GET", "/ui/assets/big.js");
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(check(big), "ui.size");
  EXPECT_EQ(ui.serve("GET", "/ui/assets/max.js").status, 200);
  auto post = ui.serve("POST", "/ui/index.html");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(check(post), "ui.method");
  EXPECT_EQ(header(post, "Allow"), "GET");
  UiFiles none(tmp_->path() + "/nowhere");
  EXPECT_FALSE(none.installed());
  auto r = none.serve("GET", "/ui/");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(check(r), "ui.not-installed");
}

}  // namespace
}  // namespace gh::svc
