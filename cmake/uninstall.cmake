# make uninstall: remove exactly the files `cmake --install` listed in its
# manifest, then our own header directory once it is empty.
#   cmake -DMANIFEST=build/install_manifest.txt -P cmake/uninstall.cmake
# The manifest lists paths without DESTDIR: give uninstall the DESTDIR the
# install had (make uninstall DESTDIR=...), as with Automake.
if(NOT MANIFEST OR NOT EXISTS "${MANIFEST}")
  message(FATAL_ERROR "uninstall: no ${MANIFEST}: nothing was installed from this build "
                      "tree (make install writes it)")
endif()
file(STRINGS "${MANIFEST}" listed)
set(dirs "")
foreach(l IN LISTS listed)
  set(f "$ENV{DESTDIR}${l}")
  if(IS_SYMLINK "${f}" OR EXISTS "${f}")
    file(REMOVE "${f}")
    if(IS_SYMLINK "${f}" OR EXISTS "${f}")
      message(FATAL_ERROR "uninstall: could not remove ${f}")
    endif()
    message(STATUS "Removed: ${f}")
  else()
    message(STATUS "Already gone: ${f}")
  endif()
  get_filename_component(d "${f}" DIRECTORY)
  get_filename_component(n "${d}" NAME)
  if(n STREQUAL "netmem")		# include/netmem: ours alone
    list(APPEND dirs "${d}")
  endif()
endforeach()
list(REMOVE_DUPLICATES dirs)
foreach(d IN LISTS dirs)
  file(GLOB left "${d}/*")
  if(NOT left)
    file(REMOVE_RECURSE "${d}")
  endif()
endforeach()
file(REMOVE "${MANIFEST}")
