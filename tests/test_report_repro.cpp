// Reproducers: the guest script is valid sh with one check per changed zone and step; the
// host file is QMP JSON (one object per line) for the DIMM steps; output is deterministic.
#include <doctest/doctest.h>

#include <cstdlib>

#include "report_test_util.hpp"

using namespace report_test;

TEST_CASE("report: repro emits a valid guest script and QMP commands") {
    const std::string d = scratch("repro");
    REQUIRE(hpcheck("check '" + fixture("naive-span-expectation.toml") + "' --trace-dir '" + d + "'").rc == 1);
    const std::string itf = d + "/naive-span-expectation-v6.1.itf.json";
    const Run r = hpcheck("repro '" + itf + "' --out-dir '" + d + "/out'");
    CHECK(r.rc == 0);
    const std::string guest = slurp(d + "/out/naive-span-expectation-v6.1.guest.sh");
    const std::string host = slurp(d + "/out/naive-span-expectation-v6.1.host.qmp");
    CHECK(guest.rfind("#!/bin/sh\n", 0) == 0);
    CHECK(std::system(("sh -n '" + d + "/out/naive-span-expectation-v6.1.guest.sh'").c_str()) == 0);
    CHECK(guest.find("write $MEM/memory32/state online_movable \"ok\"") != std::string::npos);
    CHECK(guest.find("expect_zone 0 Movable 1081344 32768 32768 32256") != std::string::npos);  // after step 5
    CHECK(guest.find("host_step 2") != std::string::npos);
    size_t qmp = 0;
    std::istringstream in(host);
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        CHECK_NOTHROW((void)json::parse(line));
        ++qmp;
    }
    CHECK(qmp == 5);  // capabilities + 2 x (object-add, device_add)
    CHECK(host.find("\"driver\": \"pc-dimm\", \"id\": \"d2\"") != std::string::npos);
    const Run again = hpcheck("repro '" + itf + "'");
    CHECK(again.out.find(guest) != std::string::npos);
}
