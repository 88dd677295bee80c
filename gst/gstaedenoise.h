/* gstaedenoise.h: the aedenoise element, real-time speech denoising with a
 * streaming convolutional autoencoder from nn/.  See gstaedenoise.c. */
#ifndef __GST_AE_DENOISE_H__
#define __GST_AE_DENOISE_H__

#include <gst/gst.h>
#include <gst/audio/audio.h>
#include <gst/audio/gstaudiofilter.h>

G_BEGIN_DECLS

#define GST_TYPE_AE_DENOISE (gst_ae_denoise_get_type ())
G_DECLARE_FINAL_TYPE (GstAeDenoise, gst_ae_denoise, GST, AE_DENOISE,
    GstAudioFilter);

GST_ELEMENT_REGISTER_DECLARE (aedenoise);

G_END_DECLS
#endif /* __GST_AE_DENOISE_H__ */
