# What-if replay benchmark (bench/report_replay.cc; figures in docs/performance.md).
add_executable(report_replay ${CMAKE_CURRENT_LIST_DIR}/report_replay.cc
                             ${CMAKE_CURRENT_LIST_DIR}/bench_util.cc)
target_include_directories(report_replay PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(report_replay PRIVATE oversight_report oversight_ledger oversight_policy
                                            oversight_common nlohmann_json::nlohmann_json)
target_compile_definitions(report_replay PRIVATE OVERSIGHT_RULES_DIR="${PROJECT_SOURCE_DIR}/rules")
