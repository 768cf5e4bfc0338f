#include "checker/prover/bitblast.hpp"

namespace hp::prover {

z3::tactic bitblast_tactic(z3::context& c) {
    return z3::tactic(c, "simplify") & z3::tactic(c, "propagate-values") & z3::tactic(c, "solve-eqs") &
           z3::tactic(c, "simplify") & z3::tactic(c, "bit-blast") & z3::tactic(c, "sat");
}

z3::check_result check_by_bitblasting(z3::context& c, const z3::expr& background, const z3::expr& f, unsigned rlimit,
                                      std::optional<z3::model>* model) {
    z3::solver s = bitblast_tactic(c).mk_solver();
    z3::params p(c);
    p.set("rlimit", rlimit);
    s.set(p);
    s.add(background);
    s.add(f);
    const z3::check_result r = s.check();
    if (r == z3::sat && model) model->emplace(s.get_model());
    return r;
}

}  // namespace hp::prover
