# Matcher benchmarks (included by bench/CMakeLists.txt).
#   matcher_calibrate <models dir> <labelled faces dir>: the similarity calibration table.
#   matcher_timing <models dir> <image>...: per-stage time per face.
#   matcher_search [--sizes ...]: 1:N search time against the memory-bandwidth floor.
#   matcher_reference.js (Node, not built): face-api's own pipeline timing, for comparison.
if(TARGET oversight_matcher)
  add_executable(matcher_calibrate ${CMAKE_CURRENT_LIST_DIR}/matcher_calibrate.cc)
  target_link_libraries(matcher_calibrate PRIVATE oversight_matcher)
endif()
if(TARGET oversight_matcher)
  find_package(OpenCV 4.6 REQUIRED COMPONENTS core dnn)
  add_executable(matcher_timing ${CMAKE_CURRENT_LIST_DIR}/matcher_timing.cc
                                ${CMAKE_CURRENT_LIST_DIR}/matcher_peak.cc)
  # White-box: times the nets directly through the private builders.
  target_include_directories(matcher_timing PRIVATE ${PROJECT_SOURCE_DIR}/matcher/src)
  target_include_directories(matcher_timing SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
  target_link_libraries(matcher_timing PRIVATE oversight_matcher ${OpenCV_LIBS} Threads::Threads)
endif()
if(TARGET oversight_matcher)
  add_executable(matcher_search ${CMAKE_CURRENT_LIST_DIR}/matcher_search.cc)
  target_link_libraries(matcher_search PRIVATE oversight_matcher)
  # Same optimisation as the kernel it is compared with (matcher/src/face_index.cc).
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/matcher_search.cc PROPERTIES COMPILE_OPTIONS "-O3")
endif()
