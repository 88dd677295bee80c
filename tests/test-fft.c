/* test-fft.c: nn/fft against a naive DFT in double.
 *
 * Inputs are random on every run; GLib prints the seed, and --seed replays
 * it.  Errors are relative RMS over the whole spectrum, so one tiny bin
 * cannot fail a test on rounding alone.
 */
#include "fft.h"
#include "tensor.h"

#include <glib.h>
#include <math.h>

static const int sizes[] = {
  2, 4, 6, 8, 10, 12, 30, 16, 20, 32, 48, 60, 64, 80, 96, 120, 128, 160,
  240, 256, 320, 480, 512, 640, 960, 1024,
};

/* Odd sizes only the complex transform accepts. */
static const int odd_sizes[] = { 3, 5, 9, 15, 25, 27, 45, 75, 135, 225 };

#define TOLERANCE 1e-6

/* out (n complex, double) = DFT of in: n complex, or n reals if real. */
static void
naive_dft (double *out, const float *in, int n, gboolean real)
{
  int k, t;

  for (k = 0; k < n; k++) {
    double sr = 0.0, si = 0.0;

    for (t = 0; t < n; t++) {
      double a = -2.0 * G_PI * (double) ((gint64) k * t % n) / n;
      double c = cos (a), s = sin (a);
      double xr = real ? in[t] : in[2 * t];
      double xi = real ? 0.0 : in[2 * t + 1];

      sr += xr * c - xi * s;
      si += xr * s + xi * c;
    }
    out[2 * k] = sr;
    out[2 * k + 1] = si;
  }
}

/* sqrt (sum |got - want|^2 / sum |want|^2) over n_floats floats. */
static double
rel_rms (const float *got, const double *want, int n_floats)
{
  double num = 0.0, den = 0.0;
  int i;

  for (i = 0; i < n_floats; i++) {
    double d = got[i] - want[i];

    num += d * d;
    den += want[i] * want[i];
  }
  return den > 0.0 ? sqrt (num / den) : sqrt (num);
}

static void
fill_random (float *x, int n)
{
  int i;

  for (i = 0; i < n; i++)
    x[i] = (float) g_test_rand_double_range (-1.0, 1.0);
}

static void
check_forward_real (int n)
{
  AeFft *fft = ae_fft_new (n);
  float *x = ae_alloc_floats (n), *X = ae_alloc_floats (n + 2);
  double *ref = g_new (double, 2 * n);
  double err;

  g_assert_nonnull (fft);
  g_assert_cmpint (ae_fft_get_size (fft), ==, n);
  fill_random (x, n);
  ae_fft_forward_real (fft, X, x);
  naive_dft (ref, x, n, TRUE);
  err = rel_rms (X, ref, n + 2);
  if (err > TOLERANCE)
    g_test_message ("real n=%d: relative RMS error %g", n, err);
  g_assert_cmpfloat (err, <=, TOLERANCE);
  /* DC and Nyquist are real by construction */
  g_assert_cmpfloat (X[1], ==, 0.0f);
  g_assert_cmpfloat (X[n + 1], ==, 0.0f);

  ae_free (x);
  ae_free (X);
  g_free (ref);
  ae_fft_free (fft);
}

static void
check_forward_complex (int n)
{
  AeFft *fft = ae_fft_new (n);
  float *x = ae_alloc_floats (2 * n), *X = ae_alloc_floats (2 * n);
  double *ref = g_new (double, 2 * n);
  double err;

  g_assert_nonnull (fft);
  fill_random (x, 2 * n);
  naive_dft (ref, x, n, FALSE);

  ae_fft_forward_complex (fft, X, x);
  err = rel_rms (X, ref, 2 * n);
  if (err > TOLERANCE)
    g_test_message ("complex n=%d: relative RMS error %g", n, err);
  g_assert_cmpfloat (err, <=, TOLERANCE);

  /* in place gives the same bits */
  ae_fft_forward_complex (fft, x, x);
  g_assert_cmpmem (x, 2 * n * sizeof (float), X, 2 * n * sizeof (float));

  ae_free (x);
  ae_free (X);
  g_free (ref);
  ae_fft_free (fft);
}

static void
check_round_trip (int n)
{
  AeFft *fft = ae_fft_new (n);
  float *x = ae_alloc_floats (n), *y = ae_alloc_floats (n);
  float *X = ae_alloc_floats (n + 2);
  double num = 0.0, den = 0.0;
  int i;

  g_assert_nonnull (fft);
  fill_random (x, n);
  ae_fft_forward_real (fft, X, x);
  /* imaginary parts of DC and Nyquist must be ignored */
  X[1] = 123.0f;
  X[n + 1] = -45.0f;
  ae_fft_inverse_real (fft, y, X);
  for (i = 0; i < n; i++) {
    num += (double) (y[i] - x[i]) * (y[i] - x[i]);
    den += (double) x[i] * x[i];
  }
  if (sqrt (num / den) > TOLERANCE)
    g_test_message ("round trip n=%d: relative RMS error %g", n,
        sqrt (num / den));
  g_assert_cmpfloat (sqrt (num / den), <=, TOLERANCE);

  ae_free (x);
  ae_free (y);
  ae_free (X);
  ae_fft_free (fft);
}

static void
test_forward_real (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_forward_real (sizes[i]);
}

static void
test_forward_complex (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_forward_complex (sizes[i]);
  for (i = 0; i < G_N_ELEMENTS (odd_sizes); i++)
    check_forward_complex (odd_sizes[i]);
}

static void
test_round_trip (void)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    check_round_trip (sizes[i]);
}

/* cos (2 pi k t / n) has n/2 at bins k (and n - k, outside the half
 * spectrum), or n at k = 0 and k = n/2; a delta at t = 0 has all ones. */
static void
test_known_signals (void)
{
  static const int n_list[] = { 320, 960, 12, 30 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (n_list); i++) {
    int n = n_list[i], h = n / 2, k, b, t;
    AeFft *fft = ae_fft_new (n);
    float *x = ae_alloc_floats (n), *X = ae_alloc_floats (n + 2);

    g_assert_nonnull (fft);
    for (k = 0; k <= h; k += (k < 3 || k > h - 3) ? 1 : 7) {
      double peak = (k == 0 || k == h) ? n : n / 2.0;

      for (t = 0; t < n; t++)
        x[t] = (float) cos (2.0 * G_PI * (double) ((gint64) k * t % n) / n);
      ae_fft_forward_real (fft, X, x);
      for (b = 0; b <= h; b++) {
        double want = b == k ? peak : 0.0;

        g_assert_cmpfloat_with_epsilon (X[2 * b], want, 1e-4 * n);
        g_assert_cmpfloat_with_epsilon (X[2 * b + 1], 0.0, 1e-4 * n);
      }
    }

    for (t = 0; t < n; t++)
      x[t] = t == 0 ? 1.0f : 0.0f;
    ae_fft_forward_real (fft, X, x);
    for (b = 0; b <= h; b++) {
      g_assert_cmpfloat_with_epsilon (X[2 * b], 1.0, 1e-6);
      g_assert_cmpfloat_with_epsilon (X[2 * b + 1], 0.0, 1e-6);
    }

    ae_free (x);
    ae_free (X);
    ae_fft_free (fft);
  }
}

static void
test_refused_sizes (void)
{
  static const int bad[] = { 7, 14, 1, 0, -4, 22, 49, 2 * 3 * 5 * 7 };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (bad); i++)
    g_assert_null (ae_fft_new (bad[i]));
  ae_fft_free (NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fft/forward-real", test_forward_real);
  g_test_add_func ("/fft/forward-complex", test_forward_complex);
  g_test_add_func ("/fft/round-trip", test_round_trip);
  g_test_add_func ("/fft/known-signals", test_known_signals);
  g_test_add_func ("/fft/refused-sizes", test_refused_sizes);
  return g_test_run ();
}
