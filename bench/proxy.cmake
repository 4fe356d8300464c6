# Proxy load benchmarks (included by bench/CMakeLists.txt); bench/proxy_load.sh runs them.
#   proxy_presign: a wrk Lua script carrying SigV4-signed calls.
#   proxy_latency: allowed-search latency through the proxy next to the matcher's own.
#   proxy_fill_gallery: synthetic faces, for a gallery of realistic size.
#   proxy_probe: a scaled-down probe image.
if(TARGET oversight_proxy AND TARGET oversight_matcher)
  find_package(Boost 1.74 REQUIRED)
  add_executable(proxy_presign ${CMAKE_CURRENT_LIST_DIR}/proxy_presign.cc
                               ${CMAKE_CURRENT_LIST_DIR}/proxy_bench_util.cc)
  target_link_libraries(proxy_presign PRIVATE oversight_proxy)
  add_executable(proxy_latency ${CMAKE_CURRENT_LIST_DIR}/proxy_latency.cc
                               ${CMAKE_CURRENT_LIST_DIR}/proxy_bench_util.cc
                               ${CMAKE_CURRENT_LIST_DIR}/bench_util.cc)
  target_include_directories(proxy_latency SYSTEM PRIVATE ${Boost_INCLUDE_DIRS})
  target_compile_definitions(proxy_latency PRIVATE BOOST_BEAST_USE_STD_STRING_VIEW)
  target_link_libraries(proxy_latency PRIVATE oversight_proxy OpenSSL::SSL OpenSSL::Crypto
                                              Threads::Threads)
  add_executable(proxy_fill_gallery ${CMAKE_CURRENT_LIST_DIR}/proxy_fill_gallery.cc)
  target_link_libraries(proxy_fill_gallery PRIVATE oversight_matcher)
endif()
if(TARGET oversight_matcher)
  find_package(OpenCV 4.6 REQUIRED COMPONENTS core imgproc imgcodecs)
  add_executable(proxy_probe ${CMAKE_CURRENT_LIST_DIR}/proxy_probe.cc)
  target_include_directories(proxy_probe SYSTEM PRIVATE ${OpenCV_INCLUDE_DIRS})
  target_link_libraries(proxy_probe PRIVATE ${OpenCV_LIBS})
endif()
