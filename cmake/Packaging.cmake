# The Debian package (`make package`, CPack's DEB generator): the binary in /usr/bin, its manual
# page, the web dashboard in /usr/share/gatehouse/ui, the three services' systemd units and their
# /etc/default files (conffiles), the copyright file, the Debian changelog and the maintainer
# scripts, all from packaging/. Included from CMakeLists.txt only with -DGATEHOUSE_PACKAGE=ON, so
# ordinary builds carry no install rules.
#
# GATEHOUSE_PACKAGE_BINARY: package this already built gatehouse binary instead of building the
# target (tests/integration/package.sh packages the binary under test without a second build).

set(GATEHOUSE_PACKAGE_BINARY "" CACHE FILEPATH "package this gatehouse binary instead of building one")
set(GATEHOUSE_PACKAGE_MAINTAINER "Gatehouse maintainers <maintainers@gatehouse.example.org>"
    CACHE STRING "the package's Maintainer field")
set(GATEHOUSE_PACKAGE_RELEASE 1 CACHE STRING "the Debian revision (the -N of VERSION-N)")

# Debian's own optimisation level and hardening (dpkg-buildflags): -O2, fortified functions, a
# stack protector, full RELRO. CMake's Release is -O3, at which g++ 12 reports false
# -Warray-bounds positives in std::vector inserts (src/crypto/key.cpp) that -Werror turns into
# errors; the suite itself is built and tested at -O2 (RelWithDebInfo).
set(CMAKE_C_FLAGS_RELEASE "-O2 -DNDEBUG -D_FORTIFY_SOURCE=2 -fstack-protector-strong")
set(CMAKE_CXX_FLAGS_RELEASE "-O2 -DNDEBUG -D_FORTIFY_SOURCE=2 -fstack-protector-strong")
set(CMAKE_EXE_LINKER_FLAGS_RELEASE "-Wl,-z,relro,-z,now")

set(gh_pkg ${CMAKE_SOURCE_DIR}/packaging)
set(gh_units gatehouse-masa gatehouse-site gatehouse-router)

if(GATEHOUSE_PACKAGE_BINARY)
  # Nothing to build: cpack's install step must not build (or rebuild) the whole tree first.
  set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
  install(PROGRAMS ${GATEHOUSE_PACKAGE_BINARY} DESTINATION usr/bin RENAME gatehouse)
else()
  install(TARGETS gatehouse RUNTIME DESTINATION usr/bin)
endif()
# Stripped as dh_strip does (lintian: unstripped-binary-or-object, binary-has-unneeded-section),
# whichever binary it is.
install(CODE "execute_process(COMMAND ${CMAKE_STRIP} --strip-all --remove-section=.comment
  --remove-section=.note \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/usr/bin/gatehouse\"
  COMMAND_ERROR_IS_FATAL ANY)")
# The web dashboard, where site serve looks for it from /usr/bin (../share/gatehouse/ui):
# GATEHOUSE_PACKAGE_UI names one already built (the test's), else this build's (Dashboard.cmake).
set(GATEHOUSE_PACKAGE_UI "" CACHE PATH "package this built dashboard directory instead of this build's")
if(GATEHOUSE_PACKAGE_UI)
  set(gh_ui_dir ${GATEHOUSE_PACKAGE_UI})
elseif(TARGET dashboard)
  set(gh_ui_dir ${CMAKE_BINARY_DIR}/ui)
else()
  message(FATAL_ERROR "the package needs the dashboard: build it (GATEHOUSE_UI=ON, npm) or name one with GATEHOUSE_PACKAGE_UI")
endif()
install(DIRECTORY ${gh_ui_dir}/ DESTINATION usr/share/gatehouse/ui FILE_PERMISSIONS OWNER_READ
        OWNER_WRITE GROUP_READ WORLD_READ DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
        GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
foreach(u ${gh_units})
  install(FILES ${gh_pkg}/systemd/${u}.service DESTINATION lib/systemd/system)
  install(FILES ${gh_pkg}/default/${u} DESTINATION etc/default)
  list(APPEND gh_conffiles /etc/default/${u})
endforeach()

# The changelog carries the package's version; gzip -n: no name or time stamp (reproducible).
set(gh_deb_version ${PROJECT_VERSION}-${GATEHOUSE_PACKAGE_RELEASE})
set(gh_deb ${CMAKE_BINARY_DIR}/debian)
configure_file(${gh_pkg}/debian/changelog.in ${gh_deb}/changelog.Debian @ONLY)
execute_process(COMMAND gzip -9nf ${gh_deb}/changelog.Debian COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${gh_deb}/changelog.Debian.gz ${gh_pkg}/debian/copyright
        DESTINATION usr/share/doc/gatehouse)
configure_file(${gh_pkg}/gatehouse.1 ${gh_deb}/gatehouse.1 COPYONLY)
execute_process(COMMAND gzip -9nf ${gh_deb}/gatehouse.1 COMMAND_ERROR_IS_FATAL ANY)
install(FILES ${gh_deb}/gatehouse.1.gz DESTINATION usr/share/man/man1)
string(REPLACE ";" "\n" gh_conffiles "${gh_conffiles}")
file(WRITE ${gh_deb}/conffiles "${gh_conffiles}\n")
foreach(s postinst prerm postrm)
  configure_file(${gh_pkg}/debian/${s} ${gh_deb}/${s} COPYONLY)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gatehouse)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${GATEHOUSE_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "trusted IoT device onboarding and lifecycle management")
# Extended description: lines of at most 80 characters (lintian).
set(CPACK_PACKAGE_DESCRIPTION
    "Gatehouse gives every IoT device unique network credentials, has device and\n\
network authenticate each other and delivers credentials only over an\n\
encrypted channel, as NIST IR 8350 and SP 1800-36 describe. One binary,\n\
gatehouse, holds every role: the manufacturer's production line and MASA,\n\
the site's BRSKI registrar, EST server and Wi-Fi Easy Connect (DPP)\n\
configurator, MUD and policy enforcement on the router (nftables, 802.1X\n\
with hostapd), and the device agent. The package installs systemd units for\n\
the three long-running services (gatehouse-masa, gatehouse-site,\n\
gatehouse-router); none is enabled until its state is initialised.")
set(CPACK_PACKAGING_INSTALL_PREFIX /)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${GATEHOUSE_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binary (dpkg-shlibdeps); the tools the services run, by hand:
# router serve runs hostapd (802.1X) and conntrack and ip; postinst needs adduser. Devices and
# sites use nft, wpa_supplicant (device connect), zbarimg (site dpp scan), swtpm (TPM-backed
# device keys), SoftHSM2 and the pkcs11 engine (factory keys on a token), dnsmasq (DHCP with
# router dhcp-event) only for some roles or options.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, iproute2")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "hostapd, nftables, conntrack")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "wpasupplicant, dnsmasq-base, zbar-tools, swtpm, swtpm-tools, tpm2-openssl, softhsm2, libengine-pkcs11-openssl")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${gh_deb}/conffiles ${gh_deb}/postinst ${gh_deb}/prerm
    ${gh_deb}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
