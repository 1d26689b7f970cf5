# Install layout, generated manuals and completions, reproducible-build flags (issue 22).
# Included once at the end of CMakeLists.txt. Packaging (CPack) is in cmake/Package.cmake.
#
#   <prefix>/bin/epintel
#   <prefix>/share/epintel/fixtures/              the bundled dataset (found by the installed
#                                                 binary through EP_DATADIR, compiled in)
#   <prefix>/share/doc/epintel/                   README, CHANGELOG, docs/, data provenance
#   <prefix>/share/man/man1/epintel.1.gz          generated from the --help texts at build time
#   <prefix>/share/bash-completion/completions/epintel
#   <prefix>/share/zsh/vendor-completions/_epintel
#   <prefix>/lib/systemd/system/epintel.service   hardened unit for `serve --http`
#   <prefix>/share/doc/epintel/examples/          epintel.conf (the unit's options), auth.json
include(GNUInstallDirs)

# A package build compiles in no path of the build machine (reproducible: the same bytes from any
# folder), so the binary finds its data only in the install prefix (or $EPINTEL_FIXTURES).
# A development build also looks in the source tree first, as before.
option(EP_PACKAGE_BUILD "Build for installation only: no source-tree paths compiled in" OFF)
set(EP_DATADIR "${CMAKE_INSTALL_FULL_DATADIR}/epintel/fixtures")
target_compile_definitions(ep_engine PRIVATE EP_DATADIR="${EP_DATADIR}")
if(EP_PACKAGE_BUILD)
  target_compile_definitions(ep_engine PRIVATE EP_NO_SOURCE_TREE=1)
endif()

# Reproducible builds: the build folder never reaches the objects (debug info, __FILE__), and
# the build date comes from SOURCE_DATE_EPOCH (the commit date when unset, see below).
# CMAKE_C_FLAGS is read when the build system is generated, so this covers every target.
string(APPEND CMAKE_C_FLAGS " -ffile-prefix-map=${CMAKE_SOURCE_DIR}/=")
string(APPEND CMAKE_C_FLAGS " -ffile-prefix-map=${CMAKE_BINARY_DIR}/=")

# Provenance for `epintel --version`: commit and build date (SOURCE_DATE_EPOCH, else the commit
# time, so two builds of one commit agree; "unknown" outside a git checkout and without it).
find_package(Git QUIET)
set(EP_COMMIT "unknown")
set(EP_EPOCH "$ENV{SOURCE_DATE_EPOCH}")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${CMAKE_SOURCE_DIR} rev-parse --short=12 HEAD
                  OUTPUT_VARIABLE _c OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0)
    set(EP_COMMIT "${_c}")
    # Reconfigure (new commit id) whenever HEAD moves.
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${CMAKE_SOURCE_DIR} rev-parse --absolute-git-dir
                    OUTPUT_VARIABLE _gd OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(EXISTS "${_gd}/logs/HEAD")
      set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_gd}/logs/HEAD")
    endif()
    if(EP_EPOCH STREQUAL "")
      execute_process(COMMAND ${GIT_EXECUTABLE} -C ${CMAKE_SOURCE_DIR} log -1 --format=%ct
                      OUTPUT_VARIABLE EP_EPOCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    endif()
  endif()
elseif(EXISTS "${CMAKE_SOURCE_DIR}/.epintel-commit")
  # A source tarball (cmake/Package.cmake) records its commit and date in this file.
  file(STRINGS "${CMAKE_SOURCE_DIR}/.epintel-commit" _st)
  list(GET _st 0 EP_COMMIT)
  if(EP_EPOCH STREQUAL "")
    list(GET _st 1 EP_EPOCH)
  endif()
endif()
if(EP_EPOCH STREQUAL "")
  set(EP_EPOCH "-1")
endif()
set_source_files_properties(${CMAKE_SOURCE_DIR}/cli/cmd_version.c PROPERTIES COMPILE_DEFINITIONS
  "EP_COMMIT=\"${EP_COMMIT}\";EP_BUILD_EPOCH=${EP_EPOCH}")

# Manual page and shell completions, generated from the built binary's own texts.
set(EP_GEN ${CMAKE_BINARY_DIR}/packaging)
add_custom_command(OUTPUT ${EP_GEN}/epintel.1.gz ${EP_GEN}/epintel.bash ${EP_GEN}/_epintel
  COMMAND ${CMAKE_COMMAND} -E make_directory ${EP_GEN}
  COMMAND ${CMAKE_COMMAND} -E env SOURCE_DATE_EPOCH=${EP_EPOCH}
          ${CMAKE_SOURCE_DIR}/packaging/gen-man $<TARGET_FILE:epintel> ${EP_GEN}/epintel.1
  COMMAND gzip -9nf ${EP_GEN}/epintel.1
  COMMAND ${CMAKE_SOURCE_DIR}/packaging/gen-completions $<TARGET_FILE:epintel> ${EP_GEN}
  DEPENDS epintel ${CMAKE_SOURCE_DIR}/packaging/gen-man ${CMAKE_SOURCE_DIR}/packaging/gen-completions
  COMMENT "Generating epintel(1) and the bash/zsh completions from the --help texts")
add_custom_target(epintel_docs ALL DEPENDS ${EP_GEN}/epintel.1.gz ${EP_GEN}/epintel.bash
                  ${EP_GEN}/_epintel)

install(TARGETS epintel RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES fixtures/MANIFEST fixtures/README.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/epintel/fixtures)
install(DIRECTORY fixtures/htv fixtures/rcv DESTINATION ${CMAKE_INSTALL_DATADIR}/epintel/fixtures)
install(FILES README.md CHANGELOG.md packaging/copyright DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(FILES packaging/epintel.conf packaging/auth.example.json
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${EP_GEN}/epintel.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${EP_GEN}/epintel.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME epintel)
install(FILES ${EP_GEN}/_epintel DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
# systemd looks in /lib/systemd/system (merged /usr on Debian 12: /usr/lib/systemd/system).
install(FILES packaging/epintel.service DESTINATION lib/systemd/system)

include(${CMAKE_SOURCE_DIR}/cmake/Package.cmake)
