/* cairo, the PNG chart renderer. Loaded on first use (see engine/ep_lazy.h); include this instead
 * of the library's own header. */
#ifndef EP_CAIRO_H
#define EP_CAIRO_H

#include <cairo.h>

#define EP_CAIRO_FUNCS(X)                                                                          \
    X(cairo_arc)                                                                                   \
    X(cairo_create)                                                                                \
    X(cairo_debug_reset_static_data)                                                               \
    X(cairo_destroy)                                                                               \
    X(cairo_fill)                                                                                  \
    X(cairo_fill_preserve)                                                                         \
    X(cairo_font_options_create)                                                                   \
    X(cairo_font_options_destroy)                                                                  \
    X(cairo_font_options_set_antialias)                                                            \
    X(cairo_font_options_set_hint_metrics)                                                         \
    X(cairo_font_options_set_hint_style)                                                           \
    X(cairo_image_surface_create)                                                                  \
    X(cairo_image_surface_get_data)                                                                \
    X(cairo_image_surface_get_stride)                                                              \
    X(cairo_line_to)                                                                               \
    X(cairo_move_to)                                                                               \
    X(cairo_paint)                                                                                 \
    X(cairo_rectangle)                                                                             \
    X(cairo_restore)                                                                               \
    X(cairo_rotate)                                                                                \
    X(cairo_save)                                                                                  \
    X(cairo_select_font_face)                                                                      \
    X(cairo_set_dash)                                                                              \
    X(cairo_set_font_options)                                                                      \
    X(cairo_set_font_size)                                                                         \
    X(cairo_set_line_width)                                                                        \
    X(cairo_set_source_rgb)                                                                        \
    X(cairo_set_source_rgba)                                                                       \
    X(cairo_show_text)                                                                             \
    X(cairo_status)                                                                                \
    X(cairo_status_to_string)                                                                      \
    X(cairo_stroke)                                                                                \
    X(cairo_surface_destroy)                                                                       \
    X(cairo_surface_flush)                                                                         \
    X(cairo_surface_write_to_png_stream)                                                           \
    X(cairo_text_extents)                                                                          \
    X(cairo_translate)

struct ep_cairo_api {
#define EP_CAIRO_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_CAIRO_FUNCS(EP_CAIRO_SLOT)
#undef EP_CAIRO_SLOT
};

/* The table, loading the library on the first call (thread-safe). */
const struct ep_cairo_api *ep_cairo_api(void);

#ifndef EP_CAIRO_IMPL
#define cairo_arc (ep_cairo_api()->cairo_arc)
#define cairo_create (ep_cairo_api()->cairo_create)
#define cairo_debug_reset_static_data (ep_cairo_api()->cairo_debug_reset_static_data)
#define cairo_destroy (ep_cairo_api()->cairo_destroy)
#define cairo_fill (ep_cairo_api()->cairo_fill)
#define cairo_fill_preserve (ep_cairo_api()->cairo_fill_preserve)
#define cairo_font_options_create (ep_cairo_api()->cairo_font_options_create)
#define cairo_font_options_destroy (ep_cairo_api()->cairo_font_options_destroy)
#define cairo_font_options_set_antialias (ep_cairo_api()->cairo_font_options_set_antialias)
#define cairo_font_options_set_hint_metrics (ep_cairo_api()->cairo_font_options_set_hint_metrics)
#define cairo_font_options_set_hint_style (ep_cairo_api()->cairo_font_options_set_hint_style)
#define cairo_image_surface_create (ep_cairo_api()->cairo_image_surface_create)
#define cairo_image_surface_get_data (ep_cairo_api()->cairo_image_surface_get_data)
#define cairo_image_surface_get_stride (ep_cairo_api()->cairo_image_surface_get_stride)
#define cairo_line_to (ep_cairo_api()->cairo_line_to)
#define cairo_move_to (ep_cairo_api()->cairo_move_to)
#define cairo_paint (ep_cairo_api()->cairo_paint)
#define cairo_rectangle (ep_cairo_api()->cairo_rectangle)
#define cairo_restore (ep_cairo_api()->cairo_restore)
#define cairo_rotate (ep_cairo_api()->cairo_rotate)
#define cairo_save (ep_cairo_api()->cairo_save)
#define cairo_select_font_face (ep_cairo_api()->cairo_select_font_face)
#define cairo_set_dash (ep_cairo_api()->cairo_set_dash)
#define cairo_set_font_options (ep_cairo_api()->cairo_set_font_options)
#define cairo_set_font_size (ep_cairo_api()->cairo_set_font_size)
#define cairo_set_line_width (ep_cairo_api()->cairo_set_line_width)
#define cairo_set_source_rgb (ep_cairo_api()->cairo_set_source_rgb)
#define cairo_set_source_rgba (ep_cairo_api()->cairo_set_source_rgba)
#define cairo_show_text (ep_cairo_api()->cairo_show_text)
#define cairo_status (ep_cairo_api()->cairo_status)
#define cairo_status_to_string (ep_cairo_api()->cairo_status_to_string)
#define cairo_stroke (ep_cairo_api()->cairo_stroke)
#define cairo_surface_destroy (ep_cairo_api()->cairo_surface_destroy)
#define cairo_surface_flush (ep_cairo_api()->cairo_surface_flush)
#define cairo_surface_write_to_png_stream (ep_cairo_api()->cairo_surface_write_to_png_stream)
#define cairo_text_extents (ep_cairo_api()->cairo_text_extents)
#define cairo_translate (ep_cairo_api()->cairo_translate)
#endif

#endif
