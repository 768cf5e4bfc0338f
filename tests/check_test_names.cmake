# ctest runs each doctest case by name (doctest_discover_tests), and CMake splits a name at
# ';' into two tests that match nothing: such a case never ran, and "passed". Seventeen did
# until session 8 found it. This test fails if any test case name has a ';' again.
execute_process(COMMAND ${EXE} --list-test-cases OUTPUT_VARIABLE names RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} --list-test-cases failed (${rc})")
endif()
string(FIND "${names}" ";" at)
if(NOT at EQUAL -1)
  string(SUBSTRING "${names}" ${at} 120 around)
  message(FATAL_ERROR "a test case name contains ';' (ctest would never run it), near: ${around}")
endif()
