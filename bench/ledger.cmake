# Ledger benchmarks (see docs/performance.md for how to run them and the figures).
add_executable(ledger_append ${CMAKE_CURRENT_LIST_DIR}/ledger_append.cc
                             ${CMAKE_CURRENT_LIST_DIR}/bench_util.cc)
target_link_libraries(ledger_append PRIVATE oversight_ledger oversight_common Threads::Threads)
add_executable(ledger_verify ${CMAKE_CURRENT_LIST_DIR}/ledger_verify.cc
                             ${CMAKE_CURRENT_LIST_DIR}/bench_util.cc)
target_link_libraries(ledger_verify PRIVATE oversight_ledger oversight_common Threads::Threads)
