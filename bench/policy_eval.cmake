# Policy evaluation benchmark (bench/policy_eval.cc); the Cedar comparison is bench/policy_cedar.js.
add_executable(policy_eval ${CMAKE_CURRENT_LIST_DIR}/policy_eval.cc
                           ${CMAKE_CURRENT_LIST_DIR}/bench_util.cc)
target_include_directories(policy_eval PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(policy_eval PRIVATE oversight_policy oversight_common)
target_compile_definitions(policy_eval PRIVATE OVERSIGHT_RULES_DIR="${PROJECT_SOURCE_DIR}/rules")
