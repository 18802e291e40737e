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
include(${CMAKE_CURRENT_LIST_DIR}/write_if_changed.cmake)
write_if_changed(${OUT} "${text}")
