# The web dashboard (ui/, TypeScript and Vite): `npm ci` from ui/package-lock.json, then `npm run
# build` (tsc, then vite) into ${CMAKE_BINARY_DIR}/ui, beside the binary, where `site serve`
# looks for it (UiFiles::default_dir). Part of the default build, so `make test` on a fresh
# clone has it; -DGATEHOUSE_UI=OFF builds without it (/ui/ then says it is not installed).
option(GATEHOUSE_UI "Build the web dashboard (ui/) with npm" ON)
if(NOT GATEHOUSE_UI)
  return()
endif()
find_program(GH_NPM npm)
if(NOT GH_NPM)
  message(WARNING "npm not found (scripts/deps.sh installs it): the dashboard is not built")
  return()
endif()

set(gh_ui_src ${CMAKE_SOURCE_DIR}/ui)
set(gh_ui_out ${CMAKE_BINARY_DIR}/ui)
# npm ci writes node_modules/.package-lock.json last: its absence or age says to run it again.
add_custom_command(
  OUTPUT ${gh_ui_src}/node_modules/.package-lock.json
  COMMAND ${GH_NPM} ci --no-audit --no-fund --loglevel=error
  WORKING_DIRECTORY ${gh_ui_src}
  DEPENDS ${gh_ui_src}/package.json ${gh_ui_src}/package-lock.json
  COMMENT "dashboard: npm ci (ui/package-lock.json)"
  VERBATIM)
file(GLOB_RECURSE gh_ui_sources CONFIGURE_DEPENDS ${gh_ui_src}/src/*)
add_custom_command(
  OUTPUT ${gh_ui_out}/index.html
  COMMAND ${CMAKE_COMMAND} -E env GH_UI_OUT=${gh_ui_out} ${GH_NPM} run --silent build
  WORKING_DIRECTORY ${gh_ui_src}
  DEPENDS ${gh_ui_src}/node_modules/.package-lock.json ${gh_ui_sources} ${gh_ui_src}/index.html
          ${gh_ui_src}/vite.config.ts ${gh_ui_src}/tsconfig.json
  COMMENT "dashboard: tsc and vite build into ${gh_ui_out}"
  VERBATIM)
add_custom_target(dashboard ALL DEPENDS ${gh_ui_out}/index.html)
