/* libharu, the PDF writer. Loaded on first use (see engine/ep_lazy.h); include this instead of the
 * library's own header. */
#ifndef EP_HPDF_H
#define EP_HPDF_H

#include <hpdf.h>

#define EP_HPDF_FUNCS(X)                                                                           \
    X(HPDF_AddPage)                                                                                \
    X(HPDF_Dict_GetItem)                                                                           \
    X(HPDF_Dict_RemoveElement)                                                                     \
    X(HPDF_Font_TextWidth)                                                                         \
    X(HPDF_Free)                                                                                   \
    X(HPDF_GetFont)                                                                                \
    X(HPDF_LoadPngImageFromMem)                                                                    \
    X(HPDF_LoadRawImageFromMem)                                                                    \
    X(HPDF_LoadTTFontFromFile)                                                                     \
    X(HPDF_MemStream_FreeData)                                                                     \
    X(HPDF_New)                                                                                    \
    X(HPDF_Page_BeginText)                                                                         \
    X(HPDF_Page_DrawImage)                                                                         \
    X(HPDF_Page_EndText)                                                                           \
    X(HPDF_Page_Fill)                                                                              \
    X(HPDF_Page_LineTo)                                                                            \
    X(HPDF_Page_MoveTo)                                                                            \
    X(HPDF_Page_Rectangle)                                                                         \
    X(HPDF_Page_SetDash)                                                                           \
    X(HPDF_Page_SetFontAndSize)                                                                    \
    X(HPDF_Page_SetLineWidth)                                                                      \
    X(HPDF_Page_SetRGBFill)                                                                        \
    X(HPDF_Page_SetRGBStroke)                                                                      \
    X(HPDF_Page_SetSize)                                                                           \
    X(HPDF_Page_Stroke)                                                                            \
    X(HPDF_Page_TextOut)                                                                           \
    X(HPDF_ReadFromStream)                                                                         \
    X(HPDF_ResetStream)                                                                            \
    X(HPDF_SaveToStream)                                                                           \
    X(HPDF_SetCompressionMode)                                                                     \
    X(HPDF_SetCurrentEncoder)                                                                      \
    X(HPDF_SetInfoAttr)                                                                            \
    X(HPDF_SetInfoDateAttr)                                                                        \
    X(HPDF_Stream_WriteStr)                                                                        \
    X(HPDF_UseUTFEncodings)

struct ep_hpdf_api {
#define EP_HPDF_SLOT(f) __typeof__(f) *f; /* NOLINT(bugprone-macro-parentheses) */
    EP_HPDF_FUNCS(EP_HPDF_SLOT)
#undef EP_HPDF_SLOT
};

/* The table, loading the library on the first call (thread-safe). */
const struct ep_hpdf_api *ep_hpdf_api(void);

#ifndef EP_HPDF_IMPL
#define HPDF_AddPage (ep_hpdf_api()->HPDF_AddPage)
#define HPDF_Dict_GetItem (ep_hpdf_api()->HPDF_Dict_GetItem)
#define HPDF_Dict_RemoveElement (ep_hpdf_api()->HPDF_Dict_RemoveElement)
#define HPDF_Font_TextWidth (ep_hpdf_api()->HPDF_Font_TextWidth)
#define HPDF_Free (ep_hpdf_api()->HPDF_Free)
#define HPDF_GetFont (ep_hpdf_api()->HPDF_GetFont)
#define HPDF_LoadPngImageFromMem (ep_hpdf_api()->HPDF_LoadPngImageFromMem)
#define HPDF_LoadRawImageFromMem (ep_hpdf_api()->HPDF_LoadRawImageFromMem)
#define HPDF_LoadTTFontFromFile (ep_hpdf_api()->HPDF_LoadTTFontFromFile)
#define HPDF_MemStream_FreeData (ep_hpdf_api()->HPDF_MemStream_FreeData)
#define HPDF_New (ep_hpdf_api()->HPDF_New)
#define HPDF_Page_BeginText (ep_hpdf_api()->HPDF_Page_BeginText)
#define HPDF_Page_DrawImage (ep_hpdf_api()->HPDF_Page_DrawImage)
#define HPDF_Page_EndText (ep_hpdf_api()->HPDF_Page_EndText)
#define HPDF_Page_Fill (ep_hpdf_api()->HPDF_Page_Fill)
#define HPDF_Page_LineTo (ep_hpdf_api()->HPDF_Page_LineTo)
#define HPDF_Page_MoveTo (ep_hpdf_api()->HPDF_Page_MoveTo)
#define HPDF_Page_Rectangle (ep_hpdf_api()->HPDF_Page_Rectangle)
#define HPDF_Page_SetDash (ep_hpdf_api()->HPDF_Page_SetDash)
#define HPDF_Page_SetFontAndSize (ep_hpdf_api()->HPDF_Page_SetFontAndSize)
#define HPDF_Page_SetLineWidth (ep_hpdf_api()->HPDF_Page_SetLineWidth)
#define HPDF_Page_SetRGBFill (ep_hpdf_api()->HPDF_Page_SetRGBFill)
#define HPDF_Page_SetRGBStroke (ep_hpdf_api()->HPDF_Page_SetRGBStroke)
#define HPDF_Page_SetSize (ep_hpdf_api()->HPDF_Page_SetSize)
#define HPDF_Page_Stroke (ep_hpdf_api()->HPDF_Page_Stroke)
#define HPDF_Page_TextOut (ep_hpdf_api()->HPDF_Page_TextOut)
#define HPDF_ReadFromStream (ep_hpdf_api()->HPDF_ReadFromStream)
#define HPDF_ResetStream (ep_hpdf_api()->HPDF_ResetStream)
#define HPDF_SaveToStream (ep_hpdf_api()->HPDF_SaveToStream)
#define HPDF_SetCompressionMode (ep_hpdf_api()->HPDF_SetCompressionMode)
#define HPDF_SetCurrentEncoder (ep_hpdf_api()->HPDF_SetCurrentEncoder)
#define HPDF_SetInfoAttr (ep_hpdf_api()->HPDF_SetInfoAttr)
#define HPDF_SetInfoDateAttr (ep_hpdf_api()->HPDF_SetInfoDateAttr)
#define HPDF_Stream_WriteStr (ep_hpdf_api()->HPDF_Stream_WriteStr)
#define HPDF_UseUTFEncodings (ep_hpdf_api()->HPDF_UseUTFEncodings)
#endif

#endif
