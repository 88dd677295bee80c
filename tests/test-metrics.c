/* test-metrics.c: SI-SDR and STOI (nn/metrics.c).
 *
 * SI-SDR is checked against designed mixtures, where the answer is known
 * in closed form.  STOI has no closed form, so it is checked for the
 * properties the measure is built to have: 1 for identical signals, gain
 * invariance, monotonic in SNR, near 0 for unrelated signals, and the same
 * at any input rate.  The speech is synthesised by espeak-ng at test time;
 * when espeak-ng is missing, a modulated harmonic signal stands in.
 *
 * Random inputs are new on every run; GLib prints the seed (replay with
 * --seed).
 */
#include <math.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <sndfile.h>

#include "metrics.h"

/* ---- signals ---- */

static double
rand_gauss (void)
{
  double u1 = g_test_rand_double_range (1e-12, 1.0);
  double u2 = g_test_rand_double ();

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

static float *
gauss_new (gsize n, double sigma)
{
  float *x = g_new (float, n);
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = (float) (sigma * rand_gauss ());
  return x;
}

static double
energy (const float *x, gsize n)
{
  double e = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    e += (double) x[i] * x[i];
  return e;
}

/* out = clean + noise scaled so that energy(clean)/energy(noise) is
 * @snr_db. */
static float *
mix_new (const float *clean, const float *noise, gsize n, double snr_db)
{
  double g = sqrt (energy (clean, n) / energy (noise, n)
      / pow (10.0, snr_db / 10.0));
  float *out = g_new (float, n);
  gsize i;

  for (i = 0; i < n; i++)
    out[i] = clean[i] + (float) (g * noise[i]);
  return out;
}

/* A speech-like stand-in: a harmonic source with a gliding 100-220 Hz
 * pitch, two moving formant-like peaks, and a 4 Hz syllable envelope with
 * pauses. */
static float *
synthetic_speech_new (guint rate, gsize n)
{
  float *x = g_new0 (float, n);
  double phase = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    double t = (double) i / rate;
    double f0 = 160.0 + 60.0 * sin (2.0 * G_PI * 0.7 * t);
    double f1 = 600.0 + 300.0 * sin (2.0 * G_PI * 2.3 * t);
    double f2 = 1700.0 + 600.0 * sin (2.0 * G_PI * 1.1 * t + 1.0);
    double env = sin (G_PI * 4.0 * t);
    double s = 0.0;
    int h;

    env = env * env * (fmod (t, 1.5) < 1.1 ? 1.0 : 0.0);
    phase += 2.0 * G_PI * f0 / rate;
    for (h = 1; f0 * h < 0.45 * rate && h < 60; h++) {
      double f = f0 * h;
      double a = exp (-pow ((f - f1) / 150.0, 2.0))
          + 0.5 * exp (-pow ((f - f2) / 250.0, 2.0)) + 0.02;
      s += a * sin (h * phase);
    }
    x[i] = (float) (0.1 * env * s);
  }
  return x;
}

/* Speech from espeak-ng, or the synthetic stand-in.  Owned by the caller;
 * *rate and *n receive its rate and length. */
static float *
speech_new (guint * rate, gsize * n)
{
  static const char *text = "The quick brown fox jumps over the lazy dog. "
      "Seven slow ships sailed past the harbour wall at dawn.";
  char *espeak = g_find_program_in_path ("espeak-ng");
  char *dir = NULL, *path = NULL;
  float *x = NULL;

  if (espeak != NULL) {
    GError *error = NULL;
    int status = 0;
    const char *argv[] = { espeak, "-w", NULL, "-s", "150", text, NULL };

    dir = g_dir_make_tmp ("test-metrics-XXXXXX", &error);
    g_assert_no_error (error);
    path = g_build_filename (dir, "speech.wav", NULL);
    argv[2] = path;
    if (g_spawn_sync (NULL, (char **) argv, NULL,
            G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
            NULL, NULL, NULL, &status, &error)
        && g_spawn_check_wait_status (status, NULL)) {
      SF_INFO info;
      SNDFILE *sf;

      memset (&info, 0, sizeof (info));
      sf = sf_open (path, SFM_READ, &info);
      if (sf != NULL && info.channels == 1 && info.frames > 0) {
        x = g_new (float, info.frames);
        *n = (gsize) sf_readf_float (sf, x, info.frames);
        *rate = (guint) info.samplerate;
      }
      if (sf != NULL)
        sf_close (sf);
    }
    g_clear_error (&error);
    g_unlink (path);
    g_rmdir (dir);
  }
  g_free (espeak);
  g_free (path);
  g_free (dir);

  if (x == NULL || *n < *rate) {
    g_free (x);
    g_test_message ("espeak-ng unavailable: using synthetic speech");
    *rate = 16000;
    *n = 4 * 16000;
    x = synthetic_speech_new (*rate, *n);
  }
  return x;
}

/* ---- SI-SDR ---- */

static void
test_si_sdr_designed_snr (void)
{
  /* Independent noise leaks into the projection by about
   * (noise/signal) / sqrt (n): with 480000 samples that is 0.04 dB (one
   * sigma) at -10 dB SNR, so the 0.2 dB tolerance sits at 5 sigma. */
  const gsize n = 480000;
  const double snrs[] = { -10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 30.0 };
  float *x = gauss_new (n, 0.1);
  float *noise = gauss_new (n, 0.1);
  float *orth = g_new (float, n);
  double mx = 0.0, mn = 0.0, dot = 0.0, ex = 0.0;
  gsize i, k;

  /* a noise exactly orthogonal to zero-mean x, for an exact answer */
  for (i = 0; i < n; i++) {
    mx += x[i];
    mn += noise[i];
  }
  mx /= n;
  mn /= n;
  for (i = 0; i < n; i++) {
    dot += (x[i] - mx) * (noise[i] - mn);
    ex += (x[i] - mx) * (x[i] - mx);
  }
  for (i = 0; i < n; i++)
    orth[i] = (float) ((noise[i] - mn) - dot / ex * (x[i] - mx));

  for (k = 0; k < G_N_ELEMENTS (snrs); k++) {
    float *y = mix_new (x, noise, n, snrs[k]);
    float *z = mix_new (x, orth, n, snrs[k]);
    double got = ae_si_sdr (y, x, n);
    double got_orth;

    g_test_message ("SNR %.1f dB: SI-SDR %.3f dB", snrs[k], got);
    g_assert_cmpfloat_with_epsilon (got, snrs[k], 0.2);
    g_free (z);

    /* x (zero-mean) plus orthogonal noise: alpha is 1, SI-SDR is the SNR
     * computed over the zero-mean x */
    z = g_new (float, n);
    {
      double g = sqrt (ex / energy (orth, n) / pow (10.0, snrs[k] / 10.0));
      for (i = 0; i < n; i++)
        z[i] = (float) ((x[i] - mx) + g * orth[i]);
    }
    got_orth = ae_si_sdr (z, x, n);
    g_assert_cmpfloat_with_epsilon (got_orth, snrs[k], 1e-3);
    g_free (y);
    g_free (z);
  }
  g_free (x);
  g_free (noise);
  g_free (orth);
}

static void
test_si_sdr_scale_invariance (void)
{
  const gsize n = 32000;
  const double gains[] = { 1e-3, 0.5, 7.0, -2.0 };
  float *x = gauss_new (n, 0.2);
  float *noise = gauss_new (n, 0.2);
  float *y = mix_new (x, noise, n, 3.0);
  float *scaled = g_new (float, n);
  double base = ae_si_sdr (y, x, n);
  gsize i, k;

  for (k = 0; k < G_N_ELEMENTS (gains); k++) {
    for (i = 0; i < n; i++)
      scaled[i] = (float) (gains[k] * y[i]);
    g_assert_cmpfloat_with_epsilon (ae_si_sdr (scaled, x, n), base, 1e-4);
    /* the reference's gain does not matter either */
    for (i = 0; i < n; i++)
      scaled[i] = (float) (gains[k] * x[i]);
    g_assert_cmpfloat_with_epsilon (ae_si_sdr (y, scaled, n), base, 1e-4);
  }
  g_free (x);
  g_free (noise);
  g_free (y);
  g_free (scaled);
}

static void
test_si_sdr_edges (void)
{
  const gsize n = 8000;
  float *x = gauss_new (n, 0.3);
  float *y = g_new (float, n);
  float *zero = g_new0 (float, n);
  double v;
  gsize i;

  /* identical, and identical but for a DC offset (both are made
   * zero-mean): an exact copy has no residual at all */
  v = ae_si_sdr (x, x, n);
  g_assert_true (isinf (v) && v > 0);
  for (i = 0; i < n; i++)
    y[i] = x[i] + 0.25f;
  v = ae_si_sdr (y, x, n);
  g_assert_true (v > 100.0);

  /* a tiny perturbation is finite and very large */
  for (i = 0; i < n; i++)
    y[i] = x[i] + (float) (1e-6 * rand_gauss ());
  v = ae_si_sdr (y, x, n);
  g_assert_true (isfinite (v));
  g_assert_cmpfloat (v, >, 100.0);

  /* silent reference: undefined */
  g_assert_true (isnan (ae_si_sdr (x, zero, n)));
  for (i = 0; i < n; i++)
    y[i] = 0.5f;
  g_assert_true (isnan (ae_si_sdr (x, y, n)));
  /* silent estimate: nothing of the reference is there */
  v = ae_si_sdr (zero, x, n);
  g_assert_true (isinf (v) && v < 0);
  /* no samples */
  g_assert_true (isnan (ae_si_sdr (x, x, 0)));

  g_free (x);
  g_free (y);
  g_free (zero);
}

/* ---- resampler ---- */

static void
test_resample_sine (void)
{
  const guint rates[][2] = {
    {48000, 10000}, {44100, 16000}, {16000, 10000}, {22050, 48000},
    {10000, 10000},
  };
  gsize k;

  for (k = 0; k < G_N_ELEMENTS (rates); k++) {
    guint rin = rates[k][0], rout = rates[k][1];
    gsize n = rin / 2, n_out, i;
    float *x = g_new (float, n);
    float *y;
    double max_err = 0.0;

    for (i = 0; i < n; i++)
      x[i] = (float) (0.5 * sin (2.0 * G_PI * 1000.0 * i / rin) + 0.1);
    y = ae_resample_offline (x, n, rin, rout, &n_out);
    g_assert_nonnull (y);
    g_assert_cmpuint (n_out, ==, (n * (guint64) rout + rin - 1) / rin);
    /* away from the edges, where the filter runs off the signal */
    for (i = rout / 50; i + rout / 50 < n_out; i++) {
      double want = 0.5 * sin (2.0 * G_PI * 1000.0 * i / rout) + 0.1;
      max_err = MAX (max_err, fabs (y[i] - want));
    }
    g_test_message ("%u -> %u Hz: max error %.2g", rin, rout, max_err);
    g_assert_cmpfloat (max_err, <, 2e-3);
    g_free (x);
    g_free (y);
  }
  {
    gsize n_out;
    float x = 0.0f;
    g_assert_null (ae_resample_offline (&x, 1, 500, 10000, &n_out));
  }
}

/* ---- STOI ---- */

typedef struct
{
  float *speech;
  gsize n;
  guint rate;
} Fixture;

static void
fixture_setup (Fixture * fx, gconstpointer data)
{
  fx->speech = speech_new (&fx->rate, &fx->n);
}

static void
fixture_teardown (Fixture * fx, gconstpointer data)
{
  g_free (fx->speech);
}

static void
test_stoi_identical (Fixture * fx, gconstpointer data)
{
  double v = ae_stoi (fx->speech, fx->speech, fx->n, fx->rate);

  g_test_message ("STOI(x, x) = %.6f at %u Hz", v, fx->rate);
  g_assert_cmpfloat_with_epsilon (v, 1.0, 1e-6);
}

static void
test_stoi_monotonic_snr (Fixture * fx, gconstpointer data)
{
  const double snrs[] = { 20.0, 15.0, 10.0, 5.0, 0.0, -5.0, -10.0 };
  float *noise = gauss_new (fx->n, 0.1);
  double prev = 2.0, first = 0.0, last = 0.0;
  gsize k;

  for (k = 0; k < G_N_ELEMENTS (snrs); k++) {
    float *y = mix_new (fx->speech, noise, fx->n, snrs[k]);
    double v = ae_stoi (fx->speech, y, fx->n, fx->rate);

    g_test_message ("SNR %+.0f dB: STOI %.4f", snrs[k], v);
    g_assert_true (isfinite (v));
    g_assert_cmpfloat (v, <, prev);
    prev = v;
    if (k == 0)
      first = v;
    last = v;
    g_free (y);
  }
  g_assert_cmpfloat (first, >, 0.9);
  g_assert_cmpfloat (last, <, 0.75);
  g_free (noise);
}

static void
test_stoi_unrelated (Fixture * fx, gconstpointer data)
{
  float *noise = gauss_new (fx->n, 0.1);
  float *other = g_new (float, fx->n);
  double v;
  gsize i;

  /* The same speech played backwards: speech-like, but unrelated. */
  for (i = 0; i < fx->n; i++)
    other[i] = fx->speech[fx->n - 1 - i];
  v = ae_stoi (fx->speech, other, fx->n, fx->rate);
  g_test_message ("STOI(speech, reversed speech) = %.4f", v);
  g_assert_cmpfloat (fabs (v), <, 0.3);

  /* Noise alone.  Classic STOI does not go to 0 here: the clipping at
   * beta = -15 dB caps the noise envelope at 6.6 times the clean one, so
   * wherever the clean envelope dips (pauses, weak bands) the clipped
   * noise follows it, and the correlation floors near 0.4 (about 0.01
   * with the clipping removed).  Hold it below that floor's neighbourhood
   * and below any real mixture. */
  v = ae_stoi (fx->speech, noise, fx->n, fx->rate);
  g_test_message ("STOI(speech, white noise) = %.4f", v);
  g_assert_cmpfloat (fabs (v), <, 0.55);
  {
    float *y = mix_new (fx->speech, noise, fx->n, -10.0);
    g_assert_cmpfloat (v, <, ae_stoi (fx->speech, y, fx->n, fx->rate));
    g_free (y);
  }
  g_free (noise);
  g_free (other);
}

static void
test_stoi_gain_invariance (Fixture * fx, gconstpointer data)
{
  const double gains[] = { 1e-3, 0.3, 4.0 };
  float *noise = gauss_new (fx->n, 0.1);
  float *y = mix_new (fx->speech, noise, fx->n, 0.0);
  float *scaled = g_new (float, fx->n);
  double base = ae_stoi (fx->speech, y, fx->n, fx->rate);
  gsize i, k;

  for (k = 0; k < G_N_ELEMENTS (gains); k++) {
    for (i = 0; i < fx->n; i++)
      scaled[i] = (float) (gains[k] * y[i]);
    g_assert_cmpfloat_with_epsilon (ae_stoi (fx->speech, scaled, fx->n,
            fx->rate), base, 1e-5);
    for (i = 0; i < fx->n; i++)
      scaled[i] = (float) (gains[k] * fx->speech[i]);
    g_assert_cmpfloat_with_epsilon (ae_stoi (scaled, y, fx->n, fx->rate),
        base, 1e-5);
  }
  g_free (noise);
  g_free (y);
  g_free (scaled);
}

/* The same material at another rate gives nearly the same STOI: the
 * measure is defined at 10 kHz whatever the input rate. */
static void
test_stoi_rate (Fixture * fx, gconstpointer data)
{
  float *noise = gauss_new (fx->n, 0.1);
  float *y = mix_new (fx->speech, noise, fx->n, 0.0);
  gsize n48, n48b;
  float *x48 = ae_resample_offline (fx->speech, fx->n, fx->rate, 48000, &n48);
  float *y48 = ae_resample_offline (y, fx->n, fx->rate, 48000, &n48b);
  double a = ae_stoi (fx->speech, y, fx->n, fx->rate);
  double b = ae_stoi (x48, y48, n48, 48000);

  g_test_message ("STOI at %u Hz %.4f, at 48000 Hz %.4f", fx->rate, a, b);
  g_assert_cmpuint (n48, ==, n48b);
  g_assert_cmpfloat_with_epsilon (a, b, 0.01);
  g_free (noise);
  g_free (y);
  g_free (x48);
  g_free (y48);
}

static void
test_stoi_edges (Fixture * fx, gconstpointer data)
{
  float *zero = g_new0 (float, fx->n);
  gsize short_n = fx->rate / 4;   /* 250 ms: under one 384 ms segment */

  g_assert_true (isnan (ae_stoi (fx->speech, fx->speech, short_n,
              fx->rate)));
  g_assert_true (isnan (ae_stoi (fx->speech, fx->speech, fx->n, 100)));
  g_assert_true (isnan (ae_stoi (fx->speech, fx->speech, 0, fx->rate)));
  /* a silent clean signal leaves nothing to measure; a silent processed
   * one correlates with nothing: finite, near 0 */
  g_assert_true (isnan (ae_stoi (zero, fx->speech, fx->n, fx->rate)));
  g_assert_cmpfloat (fabs (ae_stoi (fx->speech, zero, fx->n, fx->rate)),
      <, 0.3);
  g_free (zero);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/metrics/si-sdr/designed-snr", test_si_sdr_designed_snr);
  g_test_add_func ("/metrics/si-sdr/scale-invariance",
      test_si_sdr_scale_invariance);
  g_test_add_func ("/metrics/si-sdr/edges", test_si_sdr_edges);
  g_test_add_func ("/metrics/resample/sine", test_resample_sine);
  g_test_add ("/metrics/stoi/identical", Fixture, NULL, fixture_setup,
      test_stoi_identical, fixture_teardown);
  g_test_add ("/metrics/stoi/monotonic-snr", Fixture, NULL, fixture_setup,
      test_stoi_monotonic_snr, fixture_teardown);
  g_test_add ("/metrics/stoi/unrelated", Fixture, NULL, fixture_setup,
      test_stoi_unrelated, fixture_teardown);
  g_test_add ("/metrics/stoi/gain-invariance", Fixture, NULL, fixture_setup,
      test_stoi_gain_invariance, fixture_teardown);
  g_test_add ("/metrics/stoi/rate", Fixture, NULL, fixture_setup,
      test_stoi_rate, fixture_teardown);
  g_test_add ("/metrics/stoi/edges", Fixture, NULL, fixture_setup,
      test_stoi_edges, fixture_teardown);

  return g_test_run ();
}
