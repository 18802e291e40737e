# write_if_changed(FILE TEXT): FILE holds TEXT, and is not written when it
# already does, so that what depends on it is not rebuilt.
function(write_if_changed file text)
  set(old "")
  if(EXISTS ${file})
    file(READ ${file} old)
  endif()
  if(NOT old STREQUAL text)
    file(WRITE ${file} "${text}")
  endif()
endfunction()
