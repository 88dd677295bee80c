/* ops.c: residual add and channel concat/split.
 *
 * Concat's backward is split's forward, adding; split's backward is
 * concat's forward, adding.  Each direction is one copy loop over
 * contiguous runs of C x inner floats.
 */
#include "ops.h"

#include <string.h>

void
ae_add_forward (float *out, const float *a, const float *b, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    out[i] = a[i] + b[i];
}

void
ae_add_backward (float *da, float *db, const float *dout, gsize n)
{
  gsize i;

  if (da)
    for (i = 0; i < n; i++)
      da[i] += dout[i];
  if (db)
    for (i = 0; i < n; i++)
      db[i] += dout[i];
}

/* dst[i] = src[i] or dst[i] += src[i]. */
static inline void
copy_run (float *dst, const float *src, gsize n, gboolean add)
{
  gsize i;

  if (add)
    for (i = 0; i < n; i++)
      dst[i] += src[i];
  else
    memcpy (dst, src, n * sizeof (float));
}

/* Moves part (outer, C_part, inner) to or from channels [c0, c0 + C_part)
 * of whole (outer, C_whole, inner). */
static void
to_whole (float *whole, const float *part, gsize outer, int c_whole, int c0,
    int c_part, gsize inner, gboolean add)
{
  gsize o, run = (gsize) c_part * inner;

  for (o = 0; o < outer; o++)
    copy_run (whole + (o * c_whole + c0) * inner, part + o * run, run, add);
}

static void
from_whole (float *part, const float *whole, gsize outer, int c_whole,
    int c0, int c_part, gsize inner, gboolean add)
{
  gsize o, run = (gsize) c_part * inner;

  for (o = 0; o < outer; o++)
    copy_run (part + o * run, whole + (o * c_whole + c0) * inner, run, add);
}

void
ae_concat_forward (float *out, const float *a, const float *b, gsize outer,
    int c_a, int c_b, gsize inner)
{
  to_whole (out, a, outer, c_a + c_b, 0, c_a, inner, FALSE);
  to_whole (out, b, outer, c_a + c_b, c_a, c_b, inner, FALSE);
}

void
ae_concat_backward (float *da, float *db, const float *dout, gsize outer,
    int c_a, int c_b, gsize inner)
{
  if (da)
    from_whole (da, dout, outer, c_a + c_b, 0, c_a, inner, TRUE);
  if (db)
    from_whole (db, dout, outer, c_a + c_b, c_a, c_b, inner, TRUE);
}

void
ae_split_forward (float *a, float *b, const float *in, gsize outer, int c_a,
    int c_b, gsize inner)
{
  if (a)
    from_whole (a, in, outer, c_a + c_b, 0, c_a, inner, FALSE);
  if (b)
    from_whole (b, in, outer, c_a + c_b, c_a, c_b, inner, FALSE);
}

void
ae_split_backward (float *din, const float *da, const float *db,
    gsize outer, int c_a, int c_b, gsize inner)
{
  if (da)
    to_whole (din, da, outer, c_a + c_b, 0, c_a, inner, TRUE);
  if (db)
    to_whole (din, db, outer, c_a + c_b, c_a, c_b, inner, TRUE);
}
