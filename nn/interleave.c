/* interleave.c: interleaved PCM <-> planar float, see interleave.h. */
#include "interleave.h"

#include <math.h>
#include <string.h>

void
ae_deinterleave_f32 (float *const *dst, const void *src_, guint n_channels,
    gsize n_frames)
{
  const float *src = src_;
  guint c;
  gsize i;

  for (c = 0; c < n_channels; c++) {
    float *d = dst[c];

    if (src == NULL) {
      memset (d, 0, n_frames * sizeof (float));
      continue;
    }
    for (i = 0; i < n_frames; i++)
      d[i] = src[i * n_channels + c];
  }
}

void
ae_deinterleave_s16 (float *const *dst, const void *src_, guint n_channels,
    gsize n_frames)
{
  const gint16 *src = src_;
  const float scale = 1.0f / AE_S16_SCALE;
  guint c;
  gsize i;

  for (c = 0; c < n_channels; c++) {
    float *d = dst[c];

    if (src == NULL) {
      memset (d, 0, n_frames * sizeof (float));
      continue;
    }
    for (i = 0; i < n_frames; i++)
      d[i] = src[i * n_channels + c] * scale;
  }
}

void
ae_interleave_f32 (void *dst_, const float *const *src, guint n_channels,
    gsize n_frames)
{
  float *dst = dst_;
  guint c;
  gsize i;

  for (c = 0; c < n_channels; c++) {
    const float *s = src[c];

    for (i = 0; i < n_frames; i++)
      dst[i * n_channels + c] = s[i];
  }
}

static inline gint16
float_to_s16 (float x)
{
  float v = x * AE_S16_SCALE;

  /* written so that NaN fails both comparisons and lands on 0 */
  if (v >= 32767.0f)
    return 32767;
  if (v <= -32768.0f)
    return -32768;
  if (!(v == v))
    return 0;
  return (gint16) lrintf (v);
}

void
ae_interleave_s16 (void *dst_, const float *const *src, guint n_channels,
    gsize n_frames)
{
  gint16 *dst = dst_;
  guint c;
  gsize i;

  for (c = 0; c < n_channels; c++) {
    const float *s = src[c];

    for (i = 0; i < n_frames; i++)
      dst[i * n_channels + c] = float_to_s16 (s[i]);
  }
}

gboolean
ae_bytes_are_zero (const void *data, gsize n_bytes)
{
  const guint8 *p = data;
  gsize i;

  for (i = 0; i < n_bytes; i++)
    if (p[i] != 0)
      return FALSE;
  return TRUE;
}

double
ae_power_to_db (double mean_square)
{
  /* power, so 10 * log10; 1e-20 is -200 dB */
  if (!(mean_square > 1e-20))
    return -200.0;
  return 10.0 * log10 (mean_square);
}
