/* gstae.c: registers the "ae" plugin (libgstae.so) and its elements.
 *
 * Nothing but registration lives here; each element is one
 * gst/gstae<name>.{c,h} pair (gst-plugins-good gst/audiofx/audiofx.c).
 */
#include "gstaedenoise.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (aedenoise, plugin);

  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR,
    GST_VERSION_MINOR,
    ae,
    "Denoising with streaming convolutional autoencoders",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
