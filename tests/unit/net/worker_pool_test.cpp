// WorkerPool: a fixed number of threads, a capped queue, and work that never started dropped at
// stop().
#include "net/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "net/server_limits.h"

namespace gh::net {
namespace {

// The pool is declared after what its work uses, so it is gone (its threads joined) before that
// is: the last work submitted may still be running when the test's body ends.
TEST(WorkerPool, ThreadsAndQueueAreBounded) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> started{0}, finished{0};
  auto work = [&] {
    ++started;
    released.wait();
    ++finished;
  };
  WorkerPool pool(2, 3);
  EXPECT_TRUE(pool.submit(work));
  EXPECT_TRUE(pool.submit(work));
  for (int i = 0; i < 200 && started < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(started, 2);
  EXPECT_TRUE(pool.submit(work));
  EXPECT_TRUE(pool.submit(work));
  EXPECT_TRUE(pool.submit(work));
  EXPECT_FALSE(pool.submit(work));  // two running, three waiting: full
  EXPECT_EQ(pool.threads(), 2);
  EXPECT_EQ(started, 2);
  release.set_value();
  for (int i = 0; i < 200 && finished < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(finished, 5);
  EXPECT_EQ(pool.threads(), 2);
  EXPECT_TRUE(pool.submit(work));  // room again
}

TEST(WorkerPool, StopDropsWaitingWorkAndRefusesMore) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> ran{0};
  std::atomic<bool> running{false};
  WorkerPool pool(1, 4);
  EXPECT_TRUE(pool.submit([&] {
    running = true;
    released.wait();
    ++ran;
  }));
  for (int i = 0; i < 200 && !running; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(pool.submit([&] { ++ran; }));
  std::thread stopper([&] { pool.stop(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  stopper.join();
  EXPECT_EQ(ran, 1);  // the running one finished; the waiting one never started
  EXPECT_FALSE(pool.submit([&] { ++ran; }));
}

TEST(WorkerPool, DefaultIsTwoPerCoreAtLeastSixteen) {
  ServerLimits l;
  EXPECT_GE(worker_threads(l), 16);
  EXPECT_GE(worker_threads(l), 2 * static_cast<int>(std::thread::hardware_concurrency()));
  l.workers = 3;
  EXPECT_EQ(worker_threads(l), 3);
}

}  // namespace
}  // namespace gh::net
