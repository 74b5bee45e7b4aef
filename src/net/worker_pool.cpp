#include "net/worker_pool.h"

#include <algorithm>

#include "net/server_limits.h"

namespace gh::net {

int worker_threads(const ServerLimits& limits) {
  if (limits.workers > 0) return limits.workers;
  return std::max(16, 2 * static_cast<int>(std::thread::hardware_concurrency()));
}

WorkerPool::WorkerPool(int max_threads, size_t max_queue)
    : max_threads_(static_cast<size_t>(std::max(1, max_threads))), max_queue_(max_queue) {}

WorkerPool::~WorkerPool() {
  stop();
}

bool WorkerPool::submit(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  // Work waiting beyond what idle and not-yet-started threads will take at once is the queue.
  size_t takers = idle_ + (max_threads_ - threads_.size());
  if (queue_.size() >= takers + max_queue_) return false;
  queue_.push_back(std::move(work));
  if (queue_.size() > idle_ && threads_.size() < max_threads_) {
    threads_.emplace_back([this] { run(); });
  } else {
    cv_.notify_one();
  }
  return true;
}

void WorkerPool::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    queue_.clear();
    threads.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : threads) t.join();
}

int WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(threads_.size());
}

void WorkerPool::run() {
  for (;;) {
    std::function<void()> work;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_;
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      if (stopping_) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    work();
  }
}

}  // namespace gh::net
