// A bounded pool of threads for the work a server's event loop must not do itself (handlers:
// crypto, storage, a blocking protocol exchange). Threads start when work first needs them, up to
// a fixed number, and are kept; waiting work is capped.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace gh::net {

class WorkerPool {
 public:
  WorkerPool(int max_threads, size_t max_queue);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs work on a pool thread. False (and work is dropped) when every thread is busy and
  // max_queue pieces of work already wait, or after stop().
  bool submit(std::function<void()> work);
  // Drops the work that has not started, waits for the rest and joins every thread. Not from a
  // pool thread.
  void stop();
  int threads() const;  // started so far

 private:
  void run();

  const size_t max_threads_;
  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace gh::net
