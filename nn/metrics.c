/* metrics.c: SI-SDR and classic STOI (see metrics.h for the definitions
 * and references).
 *
 * STOI follows the MATLAB reference of Taal et al. step by step, including
 * its quirks (the frame loops stop one hop short of the end; the silent-
 * frame mask comes from the clean signal alone), so that numbers match
 * pystoi to within the resampler's difference.  Everything numeric runs in
 * double; the signals are short and this is offline code.
 *
 * Deliberately not here: a fast FFT (a 512-point radix-2 transform is all
 * STOI needs, so it is a static helper rather than a dependency on
 * nn/fft.c), and any streaming or allocation-free path.
 */
#include "metrics.h"

#include <math.h>
#include <string.h>

/* numpy's float64 epsilon, which pystoi adds to every norm. */
#define STOI_EPS 2.220446049250313e-16

#define STOI_RATE 10000
#define STOI_FRAME 256
#define STOI_HOP 128
#define STOI_NFFT 512
#define STOI_N_BANDS 15
#define STOI_MIN_FREQ 150.0
#define STOI_SEGMENT 30         /* frames: 384 ms at 10 kHz */
#define STOI_BETA_DB (-15.0)
#define STOI_DYN_RANGE_DB 40.0

/* ---- SI-SDR ---- */

double
ae_si_sdr (const float *estimate, const float *reference, gsize n)
{
  double mean_e = 0.0, mean_r = 0.0;
  double dot = 0.0, energy_r = 0.0, energy_e = 0.0;
  double alpha, target, residual;
  gsize i;

  g_return_val_if_fail (n == 0 || (estimate != NULL && reference != NULL),
      NAN);

  if (n == 0)
    return NAN;

  for (i = 0; i < n; i++) {
    mean_e += estimate[i];
    mean_r += reference[i];
  }
  mean_e /= n;
  mean_r /= n;

  for (i = 0; i < n; i++) {
    double e = estimate[i] - mean_e;
    double r = reference[i] - mean_r;
    dot += e * r;
    energy_r += r * r;
    energy_e += e * e;
  }

  if (energy_r <= 0.0)
    return NAN;

  /* ||alpha r||^2 and ||e - alpha r||^2 with alpha = <e,r>/<r,r>.  The
   * residual is summed explicitly rather than taken as ||e||^2 - target,
   * which cancels catastrophically when the SI-SDR is high. */
  alpha = dot / energy_r;
  target = alpha * alpha * energy_r;
  residual = 0.0;
  for (i = 0; i < n; i++) {
    double d = (estimate[i] - mean_e) - alpha * (reference[i] - mean_r);
    residual += d * d;
  }

  if (energy_e <= 0.0)
    return -INFINITY;
  if (residual <= 0.0)
    return INFINITY;
  if (target <= 0.0)
    return -INFINITY;
  return 10.0 * log10 (target / residual);
}

/* ---- resampling ---- */

static guint
gcd_uint (guint a, guint b)
{
  while (b != 0) {
    guint t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* Windowed sinc, @fc in cycles per input sample, Blackman window over
 * |x| < @half_width input samples. */
static double
sinc_tap (double x, double fc, double half_width)
{
  double s, w;

  if (fabs (x) >= half_width)
    return 0.0;
  s = (x == 0.0) ? 2.0 * fc : sin (2.0 * G_PI * fc * x) / (G_PI * x);
  w = 0.42 + 0.5 * cos (G_PI * x / half_width)
      + 0.08 * cos (2.0 * G_PI * x / half_width);
  return s * w;
}

/* Largest phase table built; rarer ratios compute taps on the fly. */
#define RESAMPLE_MAX_TABLE_PHASES 1024
/* Zero crossings of the sinc on each side of the centre. */
#define RESAMPLE_ZERO_CROSSINGS 16

float *
ae_resample_offline (const float *in, gsize n_in, guint rate_in,
    guint rate_out, gsize * n_out)
{
  guint g, up, down;
  double fc, half_width;
  int n_taps, first_tap;
  double *table = NULL;
  float *out;
  gsize k, len;

  g_return_val_if_fail (n_in == 0 || in != NULL, NULL);
  g_return_val_if_fail (n_out != NULL, NULL);

  if (rate_in < 1000 || rate_in > 384000 || rate_out < 1000
      || rate_out > 384000)
    return NULL;

  g = gcd_uint (rate_in, rate_out);
  up = rate_out / g;
  down = rate_in / g;
  len = (gsize) (((guint64) n_in * up + down - 1) / down);
  *n_out = len;
  out = g_new0 (float, MAX (len, 1));

  if (up == down) {
    if (n_in > 0)
      memcpy (out, in, n_in * sizeof (float));
    return out;
  }

  /* Cutoff at 0.95 of the lower Nyquist, in cycles per input sample. */
  fc = 0.5 * 0.95 * MIN (1.0, (double) up / down);
  half_width = RESAMPLE_ZERO_CROSSINGS / (2.0 * fc);
  n_taps = 2 * (int) ceil (half_width);
  first_tap = -n_taps / 2 + 1;  /* taps at base + first_tap .. */

  if (up <= RESAMPLE_MAX_TABLE_PHASES) {
    guint p;

    table = g_new (double, (gsize) up * n_taps);
    for (p = 0; p < up; p++) {
      double frac = (double) p / up, sum = 0.0;
      double *h = table + (gsize) p * n_taps;
      int j;

      for (j = 0; j < n_taps; j++) {
        h[j] = sinc_tap (first_tap + j - frac, fc, half_width);
        sum += h[j];
      }
      /* unit DC gain for every phase */
      for (j = 0; j < n_taps; j++)
        h[j] /= sum;
    }
  }

  for (k = 0; k < len; k++) {
    guint64 pos = (guint64) k * down;
    gint64 base = (gint64) (pos / up);
    guint phase = (guint) (pos % up);
    double acc = 0.0, sum = 0.0;
    int j;

    if (table != NULL) {
      const double *h = table + (gsize) phase * n_taps;

      for (j = 0; j < n_taps; j++) {
        gint64 t = base + first_tap + j;
        if (t >= 0 && t < (gint64) n_in)
          acc += h[j] * in[t];
      }
    } else {
      double frac = (double) phase / up;

      for (j = 0; j < n_taps; j++) {
        gint64 t = base + first_tap + j;
        double h = sinc_tap (first_tap + j - frac, fc, half_width);
        sum += h;
        if (t >= 0 && t < (gint64) n_in)
          acc += h * in[t];
      }
      acc /= sum;
    }
    out[k] = (float) acc;
  }

  g_free (table);
  return out;
}

/* ---- a 512-point FFT for STOI ---- */

typedef struct
{
  double cos_table[STOI_NFFT / 2];
  double sin_table[STOI_NFFT / 2];
  guint bitrev[STOI_NFFT];
} StoiFft;

static void
stoi_fft_init (StoiFft * fft)
{
  guint i, bits = 0;

  while ((1u << bits) < STOI_NFFT)
    bits++;
  for (i = 0; i < STOI_NFFT / 2; i++) {
    fft->cos_table[i] = cos (2.0 * G_PI * i / STOI_NFFT);
    fft->sin_table[i] = sin (2.0 * G_PI * i / STOI_NFFT);
  }
  for (i = 0; i < STOI_NFFT; i++) {
    guint r = 0, b;
    for (b = 0; b < bits; b++)
      r |= ((i >> b) & 1u) << (bits - 1 - b);
    fft->bitrev[i] = r;
  }
}

/* In-place forward DFT, X[k] = sum x[t] e^{-2 pi i k t / N}, of re/im
 * (STOI_NFFT each); iterative radix-2. */
static void
stoi_fft_forward (const StoiFft * fft, double *re, double *im)
{
  guint i, size;

  for (i = 0; i < STOI_NFFT; i++) {
    guint r = fft->bitrev[i];
    if (r > i) {
      double t = re[i];
      re[i] = re[r];
      re[r] = t;
      t = im[i];
      im[i] = im[r];
      im[r] = t;
    }
  }
  for (size = 2; size <= STOI_NFFT; size *= 2) {
    guint half = size / 2, step = STOI_NFFT / size, start, j;

    for (start = 0; start < STOI_NFFT; start += size) {
      for (j = 0; j < half; j++) {
        double wr = fft->cos_table[j * step];
        double wi = -fft->sin_table[j * step];
        guint a = start + j, b = a + half;
        double tr = re[b] * wr - im[b] * wi;
        double ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/* ---- STOI ---- */

/* MATLAB hanning (N): the periodic ends dropped, no zeros. */
static void
stoi_hann (double *w)
{
  int i;

  for (i = 0; i < STOI_FRAME; i++)
    w[i] = 0.5 - 0.5 * cos (2.0 * G_PI * (i + 1) / (STOI_FRAME + 1));
}

/* Frame starts run 0, hop, ... while start < len - frame (MATLAB's
 * 1:K:length(x)-N), so the last full frame is never used. */
static gsize
stoi_n_frames (gsize len)
{
  if (len <= STOI_FRAME)
    return 0;
  return (len - STOI_FRAME - 1) / STOI_HOP + 1;
}

/* Drops the frames of @x more than 40 dB below its loudest frame, and the
 * same frames of @y, and overlap-adds what is left (windowed) into new
 * buffers.  Returns the new length (0, buffers NULL, when @x is too short
 * or all zero). */
static gsize
stoi_remove_silent_frames (const double *w, const float *x, const float *y,
    gsize len, double **x_out, double **y_out)
{
  gsize n_frames = stoi_n_frames (len), f, kept = 0, out_len;
  double *energy_db, max_db = -INFINITY;
  double *xs, *ys;

  *x_out = *y_out = NULL;
  if (n_frames == 0)
    return 0;

  energy_db = g_new (double, n_frames);
  for (f = 0; f < n_frames; f++) {
    const float *xf = x + f * STOI_HOP;
    double e = 0.0;
    int i;

    for (i = 0; i < STOI_FRAME; i++)
      e += (w[i] * xf[i]) * (w[i] * xf[i]);
    energy_db[f] = 20.0 * log10 (sqrt (e) + STOI_EPS);
    max_db = MAX (max_db, energy_db[f]);
  }
  /* an all-zero clean signal has no speech to measure against */
  if (max_db <= 20.0 * log10 (STOI_EPS)) {
    g_free (energy_db);
    return 0;
  }
  for (f = 0; f < n_frames; f++)
    if (energy_db[f] > max_db - STOI_DYN_RANGE_DB)
      kept++;

  out_len = (kept - 1) * STOI_HOP + STOI_FRAME;
  xs = g_new0 (double, out_len);
  ys = g_new0 (double, out_len);
  kept = 0;
  for (f = 0; f < n_frames; f++) {
    const float *xf = x + f * STOI_HOP, *yf = y + f * STOI_HOP;
    double *xo, *yo;
    int i;

    if (!(energy_db[f] > max_db - STOI_DYN_RANGE_DB))
      continue;
    xo = xs + kept * STOI_HOP;
    yo = ys + kept * STOI_HOP;
    for (i = 0; i < STOI_FRAME; i++) {
      xo[i] += w[i] * xf[i];
      yo[i] += w[i] * yf[i];
    }
    kept++;
  }
  g_free (energy_db);

  *x_out = xs;
  *y_out = ys;
  return out_len;
}

/* First and one-past-last DFT bin of each one-third-octave band: the bins
 * nearest to the band edges 150 * 2^((2k -+ 1) / 6) Hz (pystoi thirdoct;
 * the upper edge bin itself is excluded). */
static void
stoi_band_bins (int *lo, int *hi)
{
  int k;

  for (k = 0; k < STOI_N_BANDS; k++) {
    double f_lo = STOI_MIN_FREQ * pow (2.0, (2.0 * k - 1.0) / 6.0);
    double f_hi = STOI_MIN_FREQ * pow (2.0, (2.0 * k + 1.0) / 6.0);
    double bin_hz = (double) STOI_RATE / STOI_NFFT;

    /* argmin |f - edge| over bins, ties to the lower bin as numpy does */
    lo[k] = (int) ceil (f_lo / bin_hz - 0.5);
    hi[k] = (int) ceil (f_hi / bin_hz - 0.5);
    lo[k] = CLAMP (lo[k], 0, STOI_NFFT / 2);
    hi[k] = CLAMP (hi[k], 0, STOI_NFFT / 2);
  }
}

/* One-third-octave magnitudes (n_bands, n_frames), row-major, of @x, which
 * holds at least stoi_n_frames() worth of samples. */
static double *
stoi_band_envelopes (const StoiFft * fft, const double *w, const double *x,
    gsize n_frames, const int *lo, const int *hi)
{
  double *env = g_new (double, (gsize) STOI_N_BANDS * n_frames);
  double re[STOI_NFFT], im[STOI_NFFT];
  gsize f;

  for (f = 0; f < n_frames; f++) {
    const double *xf = x + f * STOI_HOP;
    int i, b;

    for (i = 0; i < STOI_FRAME; i++) {
      re[i] = w[i] * xf[i];
      im[i] = 0.0;
    }
    for (; i < STOI_NFFT; i++)
      re[i] = im[i] = 0.0;
    stoi_fft_forward (fft, re, im);

    for (b = 0; b < STOI_N_BANDS; b++) {
      double e = 0.0;
      int k;
      for (k = lo[b]; k < hi[b]; k++)
        e += re[k] * re[k] + im[k] * im[k];
      env[(gsize) b * n_frames + f] = sqrt (e);
    }
  }
  return env;
}

static double
stoi_norm (const double *v, int n)
{
  double s = 0.0;
  int i;

  for (i = 0; i < n; i++)
    s += v[i] * v[i];
  return sqrt (s);
}

double
ae_stoi (const float *clean, const float *processed, gsize n, guint rate)
{
  const double clip = pow (10.0, -STOI_BETA_DB / 20.0);
  double w[STOI_FRAME];
  int lo[STOI_N_BANDS], hi[STOI_N_BANDS];
  StoiFft *fft = NULL;
  float *x10 = NULL, *y10 = NULL;
  double *xs = NULL, *ys = NULL, *x_env = NULL, *y_env = NULL;
  gsize n10, n_sil, n_frames, m;
  double total = 0.0, result = NAN;
  gsize n_terms = 0;

  g_return_val_if_fail (n == 0 || (clean != NULL && processed != NULL), NAN);

  if (rate < 4000 || rate > 384000 || n == 0)
    return NAN;

  x10 = ae_resample_offline (clean, n, rate, STOI_RATE, &n10);
  y10 = ae_resample_offline (processed, n, rate, STOI_RATE, &n10);
  if (x10 == NULL || y10 == NULL)
    goto out;

  stoi_hann (w);
  n_sil = stoi_remove_silent_frames (w, x10, y10, n10, &xs, &ys);
  n_frames = stoi_n_frames (n_sil);
  if (n_frames < STOI_SEGMENT)
    goto out;

  fft = g_new (StoiFft, 1);
  stoi_fft_init (fft);
  stoi_band_bins (lo, hi);
  x_env = stoi_band_envelopes (fft, w, xs, n_frames, lo, hi);
  y_env = stoi_band_envelopes (fft, w, ys, n_frames, lo, hi);

  /* Segments of 30 frames ending at every frame from the 30th on. */
  for (m = STOI_SEGMENT; m <= n_frames; m++) {
    int b;

    for (b = 0; b < STOI_N_BANDS; b++) {
      const double *xe = x_env + (gsize) b * n_frames + (m - STOI_SEGMENT);
      const double *ye = y_env + (gsize) b * n_frames + (m - STOI_SEGMENT);
      double xv[STOI_SEGMENT], yv[STOI_SEGMENT];
      double alpha, mean_x = 0.0, mean_y = 0.0, nx, ny, dot = 0.0;
      int i;

      /* normalise the processed envelope to the clean energy, then clip
       * it at 15 dB above the clean one (signal-to-distortion floor) */
      alpha = stoi_norm (xe, STOI_SEGMENT)
          / (stoi_norm (ye, STOI_SEGMENT) + STOI_EPS);
      for (i = 0; i < STOI_SEGMENT; i++) {
        xv[i] = xe[i];
        yv[i] = MIN (alpha * ye[i], xe[i] * (1.0 + clip));
        mean_x += xv[i];
        mean_y += yv[i];
      }
      mean_x /= STOI_SEGMENT;
      mean_y /= STOI_SEGMENT;
      for (i = 0; i < STOI_SEGMENT; i++) {
        xv[i] -= mean_x;
        yv[i] -= mean_y;
      }
      nx = stoi_norm (xv, STOI_SEGMENT) + STOI_EPS;
      ny = stoi_norm (yv, STOI_SEGMENT) + STOI_EPS;
      for (i = 0; i < STOI_SEGMENT; i++)
        dot += (xv[i] / nx) * (yv[i] / ny);
      total += dot;
      n_terms++;
    }
  }
  result = total / n_terms;

out:
  g_free (fft);
  g_free (x_env);
  g_free (y_env);
  g_free (xs);
  g_free (ys);
  g_free (x10);
  g_free (y10);
  return result;
}
