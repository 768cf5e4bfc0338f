// `hpcheck sweep`: one job per scenario x variant, each leaving its JSON result.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

TEST_CASE("sweep runs scenario x variant jobs, one JSON result each") {
    const fs::path out = fs::temp_directory_path() / "hpcheck-test-sweep";
    fs::remove_all(out);
    const std::string src = HPCHECK_SOURCE_DIR;
    const std::string cmd = std::string(HPCHECK_BINARY) + " sweep " + src +
                            "/spec/scenarios/10-two-dimms-explore-mom.toml --variant v6.1 --variant v6.8 --run --jobs 2 --out " +
                            out.string() + " > /dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    for (const char* v : {"v6.1", "v6.8"}) {
        std::ifstream f(out / (std::string("two-dimms-explore-mom-") + v + ".json"));
        REQUIRE(f.good());
        const auto j = nlohmann::json::parse(f);
        CHECK(j["variant"] == v);
        CHECK(j["verdict"] == "pass");
    }
    fs::remove_all(out);
}
