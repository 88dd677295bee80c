/* interleave.h: moving samples between interleaved PCM and planar float.
 *
 * The element (gst/) keeps no arithmetic of its own; these are the few
 * sample-format loops it needs around ae_stream_process: interleaved F32 or
 * S16 to one float plane per channel and back, plus the silence test and
 * the power-to-decibel conversion used for GAP flags and element messages.
 * Nothing here allocates.  This is not a general audio converter: formats
 * other than native-endian F32 and S16 belong to audioconvert.
 */
#ifndef AE_INTERLEAVE_H
#define AE_INTERLEAVE_H

#include <glib.h>

G_BEGIN_DECLS

/* S16 full scale: float samples are int16 / 32768, so -1.0 maps to -32768
 * and the largest positive value is 32767 / 32768. */
#define AE_S16_SCALE 32768.0f

/* dst[c] (n_frames) = src (n_frames, n_channels)[., c], @src being float
 * (f32) or gint16 (s16, converted: dst = src / 32768).  If @src is NULL
 * every plane is filled with zeros.  One signature for both, so that a
 * caller can pick the function once, when the format is known. */
typedef void (*AeDeinterleaveFunc) (float *const *dst, const void *src,
    guint n_channels, gsize n_frames);
void ae_deinterleave_f32 (float *const *dst, const void *src,
    guint n_channels, gsize n_frames);
void ae_deinterleave_s16 (float *const *dst, const void *src,
    guint n_channels, gsize n_frames);

/* dst (n_frames, n_channels)[., c] = src[c] (n_frames), @dst being float
 * (f32) or gint16 (s16, converted: dst = clamp (round (src * 32768),
 * -32768, 32767), round half to even, NaN to 0; a value that came from
 * ae_deinterleave_s16 comes back unchanged). */
typedef void (*AeInterleaveFunc) (void *dst, const float *const *src,
    guint n_channels, gsize n_frames);
void ae_interleave_f32 (void *dst, const float *const *src,
    guint n_channels, gsize n_frames);
void ae_interleave_s16 (void *dst, const float *const *src,
    guint n_channels, gsize n_frames);

/* TRUE if all @n_bytes of @data are zero bytes (so -0.0f is not silent). */
gboolean ae_bytes_are_zero (const void *data, gsize n_bytes);

/* 10 * log10 (mean_square), floored at -200 dB for silence. */
double ae_power_to_db (double mean_square);

G_END_DECLS
#endif /* AE_INTERLEAVE_H */
