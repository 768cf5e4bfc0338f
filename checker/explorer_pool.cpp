#include "checker/explorer_pool.hpp"

namespace hp::detail {

WorkerPool::WorkerPool(unsigned threads) {
    for (unsigned t = 1; t < threads; ++t) threads_.emplace_back([this, t] { loop(t); });
}

WorkerPool::~WorkerPool() {
    quit_ = true;  // published by the generation's release below
    pending_.store(static_cast<unsigned>(threads_.size()), std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& th : threads_) th.join();
}

void WorkerPool::call(unsigned t) noexcept {
    try {
        (*job_)(t);
    } catch (...) {
        std::lock_guard g(error_mu_);
        if (!error_) error_ = std::current_exception();
    }
}

void WorkerPool::loop(unsigned t) {
    unsigned seen = 0;
    for (;;) {
        generation_.wait(seen, std::memory_order_acquire);
        seen = generation_.load(std::memory_order_acquire);
        if (quit_) return;
        call(t);
        if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
}

void WorkerPool::run(const std::function<void(unsigned)>& job) {
    job_ = &job;
    error_ = nullptr;
    if (!threads_.empty()) {
        pending_.store(static_cast<unsigned>(threads_.size()), std::memory_order_relaxed);
        generation_.fetch_add(1, std::memory_order_release);
        generation_.notify_all();
    }
    call(0);
    for (unsigned p; (p = pending_.load(std::memory_order_acquire)) != 0;) pending_.wait(p, std::memory_order_acquire);
    if (error_) std::rethrow_exception(error_);
}

}  // namespace hp::detail
