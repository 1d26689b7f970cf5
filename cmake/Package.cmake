# CPack: the Debian package (issue 22). Included by cmake/Install.cmake.
# `make package` (scripts/package) runs cpack and adds the source tarball, the SBOM and SHA-256
# sums. The package's Depends are derived at cpack time by packaging/deb-depends from the
# Debian packages that own the libraries the binary links (ELF NEEDED) or opens with dlopen (the
# sonames in the sources): no hand-written list.
set(CPACK_PACKAGE_NAME epintel)
set(CPACK_PACKAGE_VENDOR "epintel developers")
set(CPACK_PACKAGE_CONTACT "epintel developers <epintel@users.noreply.invalid>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "European Parliament OSINT analytics over MCP (Model Context Protocol) and the command line")
set(CPACK_PACKAGE_DESCRIPTION
    "epintel ingests the European Parliament's roll-call votes and the HowTheyVote.eu tables into\n\
a SQLite store and answers analytical questions (voting patterns, coalitions, influence,\n\
anomalies, risk) as MCP tools over stdio or Streamable HTTP, and from the command line.\n\
It ships a real bundled dataset (EP roll-call votes; HowTheyVote.eu, ODbL).")
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/cpack)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://howtheyvote.eu")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
    GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
# Evaluated by cpack, after the build: derives Depends/Recommends from the built binary.
set(EP_DEB_DEPENDS_SCRIPT ${CMAKE_SOURCE_DIR}/packaging/deb-depends)
set(EP_DEB_BINARY $<TARGET_FILE:epintel>)
file(GENERATE OUTPUT ${CMAKE_BINARY_DIR}/CPackProject.cmake CONTENT
"if(CPACK_GENERATOR STREQUAL \"DEB\")
  execute_process(COMMAND ${EP_DEB_DEPENDS_SCRIPT} depends $<TARGET_FILE:epintel> ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE CPACK_DEBIAN_PACKAGE_DEPENDS OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR CPACK_DEBIAN_PACKAGE_DEPENDS STREQUAL \"\")
    message(FATAL_ERROR \"packaging/deb-depends failed (\${_rc}): no Depends for the .deb\")
  endif()
  execute_process(COMMAND ${EP_DEB_DEPENDS_SCRIPT} recommends $<TARGET_FILE:epintel> ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE CPACK_DEBIAN_PACKAGE_RECOMMENDS OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR \"packaging/deb-depends recommends failed (\${_rc})\")
  endif()
endif()
")
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_BINARY_DIR}/CPackProject.cmake)
include(CPack)
