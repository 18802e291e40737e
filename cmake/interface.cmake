# Writes OUT, compiler_interface.h: COMPILER_INTERFACE, a hash of the headers
# the executable and the compiler module share (HEADERS, ;-separated). A
# module is run only by an executable whose headers hashed the same: the
# structs it reads and the functions it calls are the same.
set(all "")
foreach(h ${HEADERS})
  file(SHA256 ${h} sum)
  get_filename_component(name ${h} NAME)
  string(APPEND all "${name} ${sum}\n")
endforeach()
string(SHA256 sum "${all}")
string(SUBSTRING ${sum} 0 16 sum)
set(text "#define COMPILER_INTERFACE \"${sum}\"\n")
# the same text is not written again: what includes it is not rebuilt
if(EXISTS ${OUT})
  file(READ ${OUT} old)
endif()
if(NOT old STREQUAL text)
  file(WRITE ${OUT} "${text}")
endif()
