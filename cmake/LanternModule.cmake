# lantern_module(<layer> [DEPS <targets>...])
#
# Declares the library lantern_<layer> from every .cpp file in the calling
# folder (src/<layer>/). A layer without sources yet becomes an INTERFACE
# library so that the tree always configures.
function(lantern_module layer)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  list(FILTER sources EXCLUDE REGEX "/main\\.cpp$")
  set(target lantern_${layer})
  if(sources)
    add_library(${target} STATIC ${sources})
    target_link_libraries(${target} PUBLIC lantern_util ${ARG_DEPS})
  else()
    add_library(${target} INTERFACE)
    target_link_libraries(${target} INTERFACE lantern_util ${ARG_DEPS})
  endif()
endfunction()

# lantern_test_suite(<name> LIBS <targets>...)
#
# Declares the GoogleTest binary <name>_tests from every .cpp file in the calling
# folder (tests/<name>/) and registers its tests with CTest.
function(lantern_test_suite name)
  cmake_parse_arguments(ARG "" "" "LIBS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(NOT sources)
    return()
  endif()
  add_executable(${name}_tests ${sources})
  target_link_libraries(${name}_tests PRIVATE ${ARG_LIBS} lantern_testing GTest::gtest_main GTest::gmock)
  gtest_discover_tests(${name}_tests
    DISCOVERY_MODE PRE_TEST
    PROPERTIES TIMEOUT 300 LABELS ${name})
endfunction()
