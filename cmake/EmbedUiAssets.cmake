# Embed ui/assets/ep_ui.js and ep_ui.css as NUL-terminated C arrays (ep_ui_asset_js,
# ep_ui_asset_css) into OUT: the pages carry them inline, nothing is read at run time.
# cmake -DSRC=<ui/assets> -DOUT=<file.c> -P EmbedUiAssets.cmake
set(body "/* Generated from ui/assets by cmake/EmbedUiAssets.cmake: do not edit. */\n")
foreach(pair "js;ep_ui.js" "css;ep_ui.css")
  list(GET pair 0 sym)
  list(GET pair 1 file)
  file(READ ${SRC}/${file} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," hex "${hex}")
  string(REPLACE "'\\x0a'," "'\\x0a',\n" hex "${hex}")
  string(APPEND body "extern const char ep_ui_asset_${sym}[];\nconst char ep_ui_asset_${sym}[] = {\n${hex}0x00};\n")
endforeach()
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)

