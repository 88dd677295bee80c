/* bench/conv1d.c: conv1d's sgemm path against its direct loop.
 *
 * Times ae_conv1d_forward with the sgemm threshold forced each way, for the
 * row counts a streaming step produces (T_out = 1 .. 64) at C_in = C_out =
 * 64 .. 256, K = 3, and prints a table, so ae_conv1d_set_sgemm_min_rows can
 * be set from a measurement.  OpenBLAS runs on one thread, as it does in
 * the element.  Not a test: it never fails.
 *
 * Usage: bench-conv1d [min-seconds-per-cell, default 0.05]
 */
#include <cblas.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

#include "conv1d.h"
#include "tensor.h"

static const int t_outs[] = { 1, 2, 4, 8, 16, 64 };
static const int channels[] = { 64, 128, 256 };

#define KERNEL 3

/* Best of three runs of at least @min_s seconds each, in ns per call. */
static double
time_forward (float *out, const float *in, const float *w, const float *b,
    const AeConv1dShape * s, double min_s)
{
  double best = G_MAXDOUBLE;
  int rep;

  for (rep = 0; rep < 3; rep++) {
    gint64 t0 = g_get_monotonic_time (), t1;
    long calls = 0;

    do {
      ae_conv1d_forward (out, in, w, b, s);
      calls++;
      t1 = g_get_monotonic_time ();
    } while (t1 - t0 < min_s * 1e6);
    best = MIN (best, (t1 - t0) * 1e3 / calls);
  }
  return best;
}

int
main (int argc, char **argv)
{
  double min_s = argc > 1 ? g_ascii_strtod (argv[1], NULL) : 0.05;
  guint ci, ti;

  openblas_set_num_threads (1);
  printf ("conv1d forward, K=%d, C_in=C_out=C, one sequence, 1 BLAS thread\n"
      "%5s %6s %12s %12s %8s\n", KERNEL, "C", "T_out", "direct ns",
      "sgemm ns", "dir/sg");
  for (ci = 0; ci < G_N_ELEMENTS (channels); ci++) {
    int c = channels[ci];
    int max_t_in = t_outs[G_N_ELEMENTS (t_outs) - 1] + KERNEL - 1;
    float *in = ae_alloc_floats ((gsize) max_t_in * c);
    float *out = ae_alloc_floats ((gsize) max_t_in * c);
    float *w = ae_alloc_floats ((gsize) KERNEL * c * c);
    float *b = ae_alloc_floats (c);
    gsize i;

    for (i = 0; i < (gsize) max_t_in * c; i++)
      in[i] = g_random_double_range (-1, 1);
    for (i = 0; i < (gsize) KERNEL * c * c; i++)
      w[i] = g_random_double_range (-0.1, 0.1);
    for (ti = 0; ti < G_N_ELEMENTS (t_outs); ti++) {
      AeConv1dShape s = {
        .n = 1,.t_in = t_outs[ti] + KERNEL - 1,.c_in = c,.c_out = c,
        .kernel = KERNEL,.dilation = 1,.stride = 1,
      };
      double direct, sgemm;

      ae_conv1d_set_sgemm_min_rows (G_MAXINT);
      direct = time_forward (out, in, w, b, &s, min_s);
      ae_conv1d_set_sgemm_min_rows (0);
      sgemm = time_forward (out, in, w, b, &s, min_s);
      printf ("%5d %6d %12.0f %12.0f %8.2f\n", c, t_outs[ti], direct, sgemm,
          direct / sgemm);
    }
    ae_free (in);
    ae_free (out);
    ae_free (w);
    ae_free (b);
  }
  return 0;
}
