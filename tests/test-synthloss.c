/* test-synthloss.c: the losses through the synthesis (nn/synthloss.h).
 *
 *   - gradients with respect to the band gains against central finite
 *     differences in double, along random directions;
 *   - clean input with unit gains rebuilds itself: SI-SDR at its 50 dB cap
 *     and a spectral term of zero;
 *   - a constant gain on a noisy signal leaves its SI-SDR as metrics.c's
 *     ae_si_sdr measures it on the input (an independent implementation);
 *   - the synthesis adjoint satisfies <synth (Y), d> = <Y, synth' (d)>.
 */
#include <math.h>
#include <string.h>

#include "metrics.h"
#include "spectrum.h"
#include "synthloss.h"
#include "tensor.h"

#define RATE 16000
#define HOP 160
#define FRAMES 12

typedef struct
{
  AeSpectrum sp;
  float *noisy, *clean;         /* (FRAMES * HOP) */
  float *noisy_spec;            /* (FRAMES, n_bins complex) */
  float *clean_mag;             /* (FRAMES, n_bins) */
} Fixture;

/* Frames both signals as AeStream does (frame t ends at sample
 * (t + 1) * HOP) and analyses them. */
static void
fixture_init (Fixture * fx, double noise_scale)
{
  float *frame_x, *frame_s, *spec_s;
  int t, k, n = FRAMES * HOP;

  g_assert_true (ae_spectrum_init (&fx->sp, RATE, HOP, 1.0f, NULL));
  fx->noisy = ae_alloc_floats (n);
  fx->clean = ae_alloc_floats (n);
  fx->noisy_spec = ae_alloc_floats (FRAMES * 2 * fx->sp.n_bins);
  fx->clean_mag = ae_alloc_floats (FRAMES * fx->sp.n_bins);
  for (k = 0; k < n; k++) {
    fx->clean[k] = 0.3f * sinf (0.05f * k) * sinf (0.0007f * k) +
        0.1f * sinf (0.31f * k);
    fx->noisy[k] = fx->clean[k] +
        (float) g_test_rand_double_range (-noise_scale, noise_scale);
  }
  frame_x = ae_alloc_floats (2 * HOP);
  frame_s = ae_alloc_floats (2 * HOP);
  spec_s = ae_alloc_floats (2 * fx->sp.n_bins);
  for (t = 0; t < FRAMES; t++) {
    for (k = 0; k < 2 * HOP; k++) {
      int i = (t - 1) * HOP + k;
      frame_x[k] = i >= 0 ? fx->noisy[i] : 0.0f;
      frame_s[k] = i >= 0 ? fx->clean[i] : 0.0f;
    }
    ae_spectrum_analyze (&fx->sp, fx->noisy_spec + t * 2 * fx->sp.n_bins,
        frame_x);
    ae_spectrum_analyze (&fx->sp, spec_s, frame_s);
    for (k = 0; k < fx->sp.n_bins; k++)
      fx->clean_mag[t * fx->sp.n_bins + k] = hypotf (spec_s[2 * k],
          spec_s[2 * k + 1]);
  }
  ae_free (frame_x);
  ae_free (frame_s);
  ae_free (spec_s);
}

static void
fixture_clear (Fixture * fx)
{
  ae_spectrum_clear (&fx->sp);
  ae_free (fx->noisy);
  ae_free (fx->clean);
  ae_free (fx->noisy_spec);
  ae_free (fx->clean_mag);
}

static double
loss_at (AeSynthLoss * l, Fixture * fx, const float *gains, int stride,
    float w_spec, float w_sisdr, float *dgains)
{
  return ae_synth_loss_sequence (l, fx->noisy_spec, fx->clean_mag,
      fx->clean, gains, stride, FRAMES, w_spec, w_sisdr, dgains, NULL);
}

static void
check_gradient (float w_spec, float w_sisdr)
{
  Fixture fx;
  AeSynthLoss l;
  int stride, n, i, trial;
  float *gains, *dgains, *probe, *dir;

  fixture_init (&fx, 0.2);
  ae_synth_loss_init (&l, &fx.sp, FRAMES);
  stride = fx.sp.n_bands + 3;   /* rows wider than the gains, as in acts */
  n = FRAMES * stride;
  gains = ae_alloc_floats (n);
  dgains = ae_alloc_floats (n);
  probe = ae_alloc_floats (n);
  dir = ae_alloc_floats (n);
  for (i = 0; i < n; i++)
    gains[i] = (float) g_test_rand_double_range (0.1, 0.9);
  memset (dgains, 0, sizeof (float) * n);
  loss_at (&l, &fx, gains, stride, w_spec, w_sisdr, dgains);
  for (i = 0; i < n; i++)
    if (i % stride >= fx.sp.n_bands)
      g_assert_cmpfloat (dgains[i], ==, 0.0f);

  for (trial = 0; trial < 4; trial++) {
    double analytic = 0.0, numeric, h = 1e-2, plus, minus;
    for (i = 0; i < n; i++) {
      dir[i] = i % stride < fx.sp.n_bands ?
          (float) g_test_rand_double_range (-1.0, 1.0) : 0.0f;
      analytic += (double) dir[i] * dgains[i];
    }
    for (i = 0; i < n; i++)
      probe[i] = gains[i] + (float) h * dir[i];
    plus = loss_at (&l, &fx, probe, stride, w_spec, w_sisdr, NULL);
    for (i = 0; i < n; i++)
      probe[i] = gains[i] - (float) h * dir[i];
    minus = loss_at (&l, &fx, probe, stride, w_spec, w_sisdr, NULL);
    numeric = (plus - minus) / (2 * h);
    g_assert_cmpfloat (fabs (numeric - analytic), <=,
        2e-2 * fabs (numeric) + 1e-4);
  }
  ae_free (gains);
  ae_free (dgains);
  ae_free (probe);
  ae_free (dir);
  ae_synth_loss_clear (&l);
  fixture_clear (&fx);
}

static void
test_gradient_spectral (void)
{
  check_gradient (1.0f, 0.0f);
}

static void
test_gradient_si_sdr (void)
{
  check_gradient (0.0f, 1.0f);
}

static void
test_gradient_both (void)
{
  check_gradient (0.7f, 0.05f);
}

static void
test_identity_and_known_si_sdr (void)
{
  Fixture fx;
  AeSynthLoss l;
  AeSynthLossTerms terms;
  int n_bands, i;
  float *gains;
  gsize n_out = (FRAMES - 1) * HOP;

  /* Clean through unit gains: perfect reconstruction. */
  fixture_init (&fx, 0.0);
  ae_synth_loss_init (&l, &fx.sp, FRAMES);
  n_bands = fx.sp.n_bands;
  gains = ae_alloc_floats (FRAMES * n_bands);
  for (i = 0; i < FRAMES * n_bands; i++)
    gains[i] = 1.0f;
  ae_synth_loss_sequence (&l, fx.noisy_spec, fx.clean_mag, fx.clean, gains,
      n_bands, FRAMES, 1.0f, 1.0f, NULL, &terms);
  /* the loss caps SI-SDR softly at 50 dB */
  g_assert_cmpfloat (terms.si_sdr_db, >, 49.9);
  g_assert_cmpfloat (terms.si_sdr_db, <=, 50.0);
  g_assert_cmpfloat (terms.spectral, <, 1e-10);
  ae_synth_loss_clear (&l);
  fixture_clear (&fx);

  /* A constant gain does not change SI-SDR: it equals the input's. */
  fixture_init (&fx, 0.3);
  ae_synth_loss_init (&l, &fx.sp, FRAMES);
  for (i = 0; i < FRAMES * n_bands; i++)
    gains[i] = 0.25f;
  ae_synth_loss_sequence (&l, fx.noisy_spec, fx.clean_mag, fx.clean, gains,
      n_bands, FRAMES, 0.0f, 1.0f, NULL, &terms);
  g_assert_cmpfloat (fabs (terms.si_sdr_db - ae_si_sdr (fx.noisy, fx.clean,
              n_out)), <, 1e-3);
  g_assert_cmpfloat (terms.si_sdr_db, <, 20.0);
  ae_free (gains);
  ae_synth_loss_clear (&l);
  fixture_clear (&fx);
}

static void
test_synthesis_adjoint (void)
{
  AeSpectrum sp;
  float *spec, *dspec, *ola, *d;
  double lhs = 0.0, rhs = 0.0, scale = 0.0;
  int k, nb;

  g_assert_true (ae_spectrum_init (&sp, 48000, 480, 2.0f, NULL));
  nb = sp.n_bins;
  spec = ae_alloc_floats (2 * nb);
  dspec = ae_alloc_floats (2 * nb);
  ola = ae_alloc_floats (sp.window);
  d = ae_alloc_floats (sp.window);
  for (k = 0; k < 2 * nb; k++)
    spec[k] = (float) g_test_rand_double_range (-1, 1);
  spec[1] = spec[2 * nb - 1] = 0.0f;    /* the inverse ignores these */
  for (k = 0; k < sp.window; k++) {
    ola[k] = 0.0f;
    d[k] = (float) g_test_rand_double_range (-1, 1);
  }
  ae_spectrum_synthesize (&sp, ola, spec);
  ae_spectrum_synthesize_backward (&sp, dspec, d);
  /* Both sides sum terms of random sign that largely cancel: compare the
   * difference with the terms' size, which float32 rounding scales with. */
  for (k = 0; k < sp.window; k++) {
    lhs += (double) ola[k] * d[k];
    scale += fabs ((double) ola[k] * d[k]);
  }
  for (k = 0; k < 2 * nb; k++)
    rhs += (double) spec[k] * dspec[k];
  g_assert_cmpfloat (fabs (lhs - rhs), <, 1e-5 * scale);
  ae_free (spec);
  ae_free (dspec);
  ae_free (ola);
  ae_free (d);
  ae_spectrum_clear (&sp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/synthloss/gradient-spectral", test_gradient_spectral);
  g_test_add_func ("/synthloss/gradient-si-sdr", test_gradient_si_sdr);
  g_test_add_func ("/synthloss/gradient-both", test_gradient_both);
  g_test_add_func ("/synthloss/identity-and-known-si-sdr",
      test_identity_and_known_si_sdr);
  g_test_add_func ("/synthloss/synthesis-adjoint", test_synthesis_adjoint);
  return g_test_run ();
}
