/* bench/fft.c: nanoseconds per real forward + inverse FFT pair.
 *
 * Sizes are the STFT windows that matter: 320 (16 kHz, 20 ms) and 960
 * (48 kHz, 20 ms).  Best of several runs, so a scheduler hiccup doesn't
 * count.  Not a test: it checks nothing.
 */
#include "fft.h"
#include "tensor.h"

#include <glib.h>
#include <stdio.h>
#include <time.h>

static double
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
bench_size (int n)
{
  const int iters = 20000, runs = 5;
  AeFft *fft = ae_fft_new (n);
  float *x = ae_alloc_floats (n), *X = ae_alloc_floats (n + 2);
  double best = G_MAXDOUBLE, sink = 0.0;
  int i, r;

  if (!fft || !x || !X) {
    fprintf (stderr, "fft %d: plan or allocation failed\n", n);
    return;
  }
  for (i = 0; i < n; i++)
    x[i] = (float) ((i * 7919) % 101) / 101.0f - 0.5f;

  for (r = 0; r < runs; r++) {
    double t0 = now_ns (), dt;

    for (i = 0; i < iters; i++) {
      ae_fft_forward_real (fft, X, x);
      ae_fft_inverse_real (fft, x, X);
    }
    dt = (now_ns () - t0) / iters;
    if (dt < best)
      best = dt;
  }
  for (i = 0; i < n; i++)
    sink += x[i];
  printf ("fft n=%-5d forward+inverse real: %8.1f ns  (checksum %.3g)\n",
      n, best, sink);

  ae_free (x);
  ae_free (X);
  ae_fft_free (fft);
}

int
main (void)
{
  bench_size (320);
  bench_size (960);
  return 0;
}
