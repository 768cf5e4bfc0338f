// The explorer's worker threads, started once per search and kept for every phase of
// every BFS level: run(job) runs job(t) on threads t = 1..n-1 and on the caller as t = 0,
// and returns when all have finished. A level has up to three such phases (expand, insert,
// number), so a search of 70 levels would otherwise start and join 200 threads, each
// beginning on a cold core.
#pragma once
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hp::detail {

class WorkerPool {
public:
    explicit WorkerPool(unsigned threads);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    unsigned size() const { return static_cast<unsigned>(threads_.size()) + 1; }
    // Runs job(t) for every t < size(); rethrows the first exception a thread threw.
    void run(const std::function<void(unsigned)>& job);

private:
    void loop(unsigned t);
    void call(unsigned t) noexcept;
    std::vector<std::thread> threads_;
    const std::function<void(unsigned)>* job_ = nullptr;
    // A new phase: generation_ is bumped (threads wait on it); pending_ counts the
    // threads (not the caller) still running it, and the caller waits for 0.
    std::atomic<unsigned> generation_{0}, pending_{0};
    bool quit_ = false;
    std::mutex error_mu_;
    std::exception_ptr error_;
};

}  // namespace hp::detail
