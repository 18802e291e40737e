# Writes OUT, a dynamic list (ld --dynamic-list): the symbols the compiler
# module (CODEGEN, the archive it is made of) takes from the executable, those
# that the front end's archive (FRONT) defines. The executable exports these
# alone, not its every symbol: one of its names could otherwise take the
# place of a library's in the libraries the module loads.
execute_process(COMMAND ${NM} --undefined-only --format=posix ${CODEGEN}
                OUTPUT_VARIABLE undef COMMAND_ERROR_IS_FATAL ANY)
execute_process(COMMAND ${NM} --defined-only --extern-only --format=posix ${FRONT}
                OUTPUT_VARIABLE def COMMAND_ERROR_IS_FATAL ANY)
string(REGEX MATCHALL "[^\n]+ U" undef "${undef}")
string(REGEX MATCHALL "[^\n]+ [A-TV-Z] [^\n]*" def "${def}")
set(defined "")
foreach(line ${def})
  string(REGEX REPLACE " .*" "" sym "${line}")
  list(APPEND defined ${sym})
endforeach()
set(text "{\n")
set(used "")
foreach(line ${undef})
  string(REGEX REPLACE " U$" "" sym "${line}")
  list(FIND defined ${sym} i)
  list(FIND used ${sym} j)
  if(i GREATER -1 AND j EQUAL -1)
    list(APPEND used ${sym})
  endif()
endforeach()
list(SORT used)
foreach(sym ${used})
  string(APPEND text "  ${sym};\n")
endforeach()
string(APPEND text "};\n")
include(${CMAKE_CURRENT_LIST_DIR}/write_if_changed.cmake)
write_if_changed(${OUT} "${text}")
