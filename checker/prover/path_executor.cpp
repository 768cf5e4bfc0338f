#include "checker/prover/path_executor.hpp"

#include <algorithm>
#include <stdexcept>

namespace hp::prover {

z3::expr PathCondition::conjunction(z3::context& c) const {
    if (!conj_.empty()) return conj_.front();
    z3::expr_vector v(c);
    for (const z3::expr& l : literals) v.push_back(l);
    conj_.push_back(literals.empty() ? c.bool_val(true) : z3::mk_and(v));
    return conj_.front();
}

bool PathCondition::implies_syntactically(const PathCondition& weaker) const {
    for (const z3::expr& w : weaker.literals)
        if (!std::binary_search(literals.begin(), literals.end(), w,
                                [](const z3::expr& a, const z3::expr& b) { return a.id() < b.id(); }))
            return false;
    return true;
}

void PathCondition::add(const z3::expr& literal) {
    auto less = [](const z3::expr& a, const z3::expr& b) { return a.id() < b.id(); };
    auto it = std::lower_bound(literals.begin(), literals.end(), literal, less);
    if (it != literals.end() && it->id() == literal.id()) return;
    literals.insert(it, literal);
    conj_.clear();
}

PathExecutor::PathExecutor(z3::context& c, const z3::expr& background, unsigned rlimit_per_query)
    : c_(c), background_(background), solver_(c), rlimit_(rlimit_per_query) {
    solver_.add(background);
}

z3::check_result PathExecutor::check(const z3::expr& f) {
    const z3::expr key = f.simplify();
    if (key.is_true()) return z3::sat;
    if (key.is_false()) return z3::unsat;
    if (auto it = cache_.find(key.id()); it != cache_.end()) {
        ++stats_.cache_hits;
        return it->second;
    }
    ++stats_.solver_queries;
    // One incremental solver for the whole search: each query is asserted behind a fresh
    // guard literal and checked under it as an assumption, so what Z3 learns about the
    // geometry carries over from query to query.
    const z3::expr guard = c_.bool_const(("q" + std::to_string(stats_.solver_queries)).c_str());
    solver_.add(z3::implies(guard, key));
    z3::expr_vector assume(c_);
    assume.push_back(guard);
    // Z3's rlimit counts over the solver's life: allow this query rlimit_ more than so far.
    z3::params p(c_);
    p.set("rlimit", static_cast<unsigned>(std::min<std::uint64_t>(rlimit_used_ + rlimit_, 0xffffffffu)));
    solver_.set(p);
    z3::check_result r = solver_.check(assume);
    const z3::stats st = solver_.statistics();
    for (unsigned i = 0; i < st.size(); ++i)
        if (st.key(i) == "rlimit count") rlimit_used_ = st.is_uint(i) ? st.uint_value(i) : static_cast<std::uint64_t>(st.double_value(i));
    if (r == z3::unknown) ++stats_.unknown;
    cache_.emplace(key.id(), r);
    cache_keep_.emplace_back(key, r);  // keeps the term (and so its id) alive
    return r;
}

z3::model PathExecutor::model_of(const z3::expr& f) {
    z3::solver s(c_);
    s.add(background_);
    s.add(f);
    if (s.check() != z3::sat) throw std::logic_error("model_of: formula is not satisfiable");
    return s.get_model();
}

PathExecutor::Branch PathExecutor::classify(const z3::expr& pc, const z3::expr& condition) {
    const std::uint64_t key = (static_cast<std::uint64_t>(pc.id()) << 32) | condition.id();
    if (auto it = branches_.find(key); it != branches_.end()) return it->second;
    branch_keep_.push_back(pc);  // keep both terms, hence their ids, alive
    branch_keep_.push_back(condition);
    const z3::expr cond = condition.simplify();
    Branch b{Ways::BOTH, cond};
    if (cond.is_true()) b.ways = Ways::ONLY_TRUE;
    else if (cond.is_false()) b.ways = Ways::ONLY_FALSE;
    else {
        const z3::check_result t = check(pc && cond);
        const z3::check_result f = t == z3::unsat ? z3::sat : check(pc && !cond);
        if (t == z3::unknown || f == z3::unknown) throw Undecided{};
        if (t == z3::unsat) b.ways = Ways::ONLY_FALSE;
        else if (f == z3::unsat) b.ways = Ways::ONLY_TRUE;
    }
    branches_.emplace(key, b);
    return b;
}

bool PathExecutor::decide(const z3::expr& condition) {
    ++stats_.decisions;
    const Branch b = classify(current_.conjunction(c_), condition);
    bool take;
    if (pos_ < trail_.size()) {
        take = trail_[pos_];  // replaying a recorded prefix
    } else {
        take = b.ways != Ways::ONLY_FALSE;
        if (b.ways == Ways::BOTH) {
            std::vector<bool> other(trail_.begin(), trail_.begin() + static_cast<long>(pos_));
            other.push_back(false);
            pending_.push_back(std::move(other));
        }
        trail_.push_back(take);
    }
    ++pos_;
    // a fork is part of the path condition; a forced way is implied by it already
    if (b.ways == Ways::BOTH) current_.add(take ? b.literal : (!b.literal).simplify());
    return take;
}

void PathExecutor::explore(const PathCondition& pc, const std::function<void()>& body,
                           const std::function<void(const PathCondition&)>& on_path) {
    DeciderScope scope(*this);
    auto saved_pending = std::move(pending_);
    pending_.clear();
    pending_.push_back({});
    while (!pending_.empty()) {
        trail_ = std::move(pending_.back());
        pending_.pop_back();
        pos_ = 0;
        current_ = pc;
        body();
        ++stats_.paths;
        on_path(current_);
    }
    pending_ = std::move(saved_pending);
}

}  // namespace hp::prover
