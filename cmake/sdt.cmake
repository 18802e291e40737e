# Run at every build (cmake -P): whether the compiler finds <sys/sdt.h>, as
# #define TP_HAVE_SDT 0 or 1 in OUT, rewritten only when that changes. The
# test packages (systemtap-sdt-dev) may be installed after a first build: the
# helper is then rebuilt with its USDT probe, which a check made once at
# configure time would never see.
execute_process(COMMAND ${CC} -E -x c -o /dev/null -
                INPUT_FILE ${CMAKE_CURRENT_LIST_DIR}/sdt_probe.c
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  set(have 1)
else()
  set(have 0)
endif()
file(WRITE ${OUT}.new "#define TP_HAVE_SDT ${have}\n")
execute_process(COMMAND ${CMAKE_COMMAND} -E copy_if_different ${OUT}.new ${OUT})
file(REMOVE ${OUT}.new)
