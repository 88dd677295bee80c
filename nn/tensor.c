/* tensor.c: aligned float buffers and overflow-checked sizes. */
#include "tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

float *
ae_alloc_floats (gsize n_floats)
{
  gsize n_bytes;
  void *p = NULL;

  if (!ae_size_mul (n_floats ? n_floats : 1, sizeof (float), &n_bytes))
    return NULL;
  /* posix_memalign wants the size rounded to the alignment for no reason
   * but some allocators' speed; round anyway. */
  n_bytes = (n_bytes + AE_ALIGNMENT - 1) & ~(gsize) (AE_ALIGNMENT - 1);
  if (posix_memalign (&p, AE_ALIGNMENT, n_bytes) != 0)
    return NULL;
  memset (p, 0, n_bytes);
  return p;
}

void
ae_free (gpointer p)
{
  free (p);
}

gboolean
ae_size_mul (gsize a, gsize b, gsize * out)
{
  return g_size_checked_mul (out, a, b);
}

gboolean
ae_size_mul3 (gsize a, gsize b, gsize c, gsize * out)
{
  gsize ab;

  return g_size_checked_mul (&ab, a, b) && g_size_checked_mul (out, ab, c);
}

gboolean
ae_all_finite (const float *x, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return FALSE;
  return TRUE;
}
