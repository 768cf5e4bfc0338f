// `hpcheck new-variant NAME --parent P [--source-dir DIR]`: scaffold a variant for a patch
// under review (checker/new_variant.hpp). The source tree defaults to the one the binary was
// built in (<binary>/..). Exit 0 written, 2 bad name / existing variant / not a source tree.
#include <filesystem>
#include <iostream>

#include "checker/cli/command.hpp"
#include "checker/new_variant.hpp"

namespace fs = std::filesystem;

namespace hp::cli {

namespace {
struct NewVariantArgs {
    std::string name, parent = "v6.1", source_dir;
};

int run_new_variant(const NewVariantArgs& a) {
    std::string dir = a.source_dir;
    if (dir.empty()) {
        std::error_code ec;
        dir = (fs::read_symlink("/proc/self/exe", ec).parent_path() / "..").lexically_normal().string();
    }
    const NewVariantFiles f = scaffold_variant(dir, a.name, a.parent);
    for (const std::string& p : f.written) std::cout << "wrote    " << p << "\n";
    for (const std::string& p : f.modified) std::cout << "updated  " << p << "\n";
    std::cout << "next: replace the kernel functions the patch changes in " << f.written.front()
              << ", rebuild (ninja -C build), then `hpcheck suite --variant " << a.name << "`\n";
    return EXIT_HOLDS;
}
}  // namespace

static void add_new_variant_command(CLI::App& app, Registry& r, Context&) {
    auto* sub = app.add_subcommand("new-variant", "scaffold a variant for a patch under review: spec/variants/NAME.cpp "
                                                  "(the parent's table), its registration, a scenario skeleton");
    static NewVariantArgs a;
    sub->add_option("name", a.name, "variant name (e.g. my-fix)")->required();
    sub->add_option("--parent", a.parent, "the variant the patch applies to")->capture_default_str();
    sub->add_option("--source-dir", a.source_dir, "hpcheck source tree (default: the binary's)");
    r.push_back({sub, [] { return run_new_variant(a); }});
}

static const bool registered = register_command(60, add_new_variant_command);

}  // namespace hp::cli
