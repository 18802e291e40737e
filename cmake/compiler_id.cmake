# Writes OUT, compiler_id.c: compiler_id, a hash of the compiler module
# (MODULE) the executable is built beside. The cache's keys take it: an
# object the module compiled is not one another module would, and a module
# is often rebuilt where the executable is not (a change to codegen alone).
file(SHA256 ${MODULE} sum)
string(SUBSTRING ${sum} 0 32 sum)
set(text "/* made by cmake/compiler_id.cmake */\n#include \"codegen/compiler.h\"\n\nconst char compiler_id[] = \"${sum}\";\n")
include(${CMAKE_CURRENT_LIST_DIR}/write_if_changed.cmake)
write_if_changed(${OUT} "${text}")
