/* spectrum.c: STFT framing, ERB bands, features and gain interpolation. */
#include "spectrum.h"

#include <math.h>
#include <string.h>

#include "ae.h"
#include "tensor.h"

/* ERB-rate scale: number of ERBs below f (Glasberg and Moore 1990). */
static double
erb_rate (double hz)
{
  return 21.4 * log10 (1.0 + 0.00437 * hz);
}

static double
erb_rate_to_hz (double erb)
{
  return (pow (10.0, erb / 21.4) - 1.0) / 0.00437;
}

/* Writes band centre bins into @centres (may be NULL) and returns how many.
 * Centres rise strictly; the first is bin 0 and the last the Nyquist bin. */
static int
band_centres (int rate, int window, float bands_per_erb, int *centres)
{
  int n_bins = window / 2 + 1;
  double bin_hz = (double) rate / window;
  double top = erb_rate (rate / 2.0);
  int n = 0, last = -1;
  double e;

  for (e = 0.0; e < top; e += 1.0 / bands_per_erb) {
    int bin = (int) lround (erb_rate_to_hz (e) / bin_hz);
    if (bin <= last)
      bin = last + 1;
    if (bin >= n_bins - 1)
      break;
    if (centres)
      centres[n] = bin;
    n++;
    last = bin;
  }
  if (centres)
    centres[n] = n_bins - 1;
  return n + 1;
}

int
ae_spectrum_count_bands (int rate, int window, float bands_per_erb)
{
  if (rate <= 0 || window < 8 || bands_per_erb <= 0.0f)
    return 0;
  return band_centres (rate, window, bands_per_erb, NULL);
}

gboolean
ae_spectrum_init (AeSpectrum * sp, int rate, int hop, float bands_per_erb,
    GError ** error)
{
  int *centres;
  int b, k;

  memset (sp, 0, sizeof (*sp));
  sp->rate = rate;
  sp->hop = hop;
  sp->window = 2 * hop;
  sp->n_bins = sp->window / 2 + 1;
  sp->n_bands = ae_spectrum_count_bands (rate, sp->window, bands_per_erb);
  if (sp->n_bands < 2) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "no band layout for rate %d Hz, hop %d, %g bands per ERB",
        rate, hop, bands_per_erb);
    return FALSE;
  }
  sp->fft = ae_fft_new (sp->window);
  if (!sp->fft) {
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
        "window of %d samples: FFT sizes must be products of 2, 3 and 5",
        sp->window);
    return FALSE;
  }

  sp->window_fn = ae_alloc_floats (sp->window);
  sp->scratch = ae_alloc_floats (sp->window);
  for (k = 0; k < sp->window; k++)
    sp->window_fn[k] = (float) sqrt (0.5 - 0.5 * cos (2.0 * G_PI * k /
            sp->window));

  centres = g_new (int, sp->n_bands);
  band_centres (rate, sp->window, bands_per_erb, centres);
  sp->bin_band = g_new (int, sp->n_bins);
  sp->bin_frac = ae_alloc_floats (sp->n_bins);
  for (b = 0; b + 1 < sp->n_bands; b++)
    for (k = centres[b]; k < centres[b + 1]; k++) {
      sp->bin_band[k] = b;
      sp->bin_frac[k] = (float) (k - centres[b]) /
          (centres[b + 1] - centres[b]);
    }
  /* The Nyquist bin is the last band's centre: all of it goes to that
   * band, which bin_band = n_bands - 2 with frac 1 expresses without a
   * band n_bands. */
  sp->bin_band[sp->n_bins - 1] = sp->n_bands - 2;
  sp->bin_frac[sp->n_bins - 1] = 1.0f;
  g_free (centres);
  return TRUE;
}

void
ae_spectrum_clear (AeSpectrum * sp)
{
  if (sp->fft)
    ae_fft_free (sp->fft);
  g_free (sp->bin_band);
  ae_free (sp->bin_frac);
  ae_free (sp->window_fn);
  ae_free (sp->scratch);
  memset (sp, 0, sizeof (*sp));
}

void
ae_spectrum_analyze (AeSpectrum * sp, float *spec, const float *frame)
{
  int k;

  for (k = 0; k < sp->window; k++)
    sp->scratch[k] = frame[k] * sp->window_fn[k];
  ae_fft_forward_real (sp->fft, spec, sp->scratch);
}

void
ae_spectrum_synthesize (AeSpectrum * sp, float *ola, const float *spec)
{
  int k;

  ae_fft_inverse_real (sp->fft, sp->scratch, spec);
  for (k = 0; k < sp->window; k++)
    ola[k] += sp->scratch[k] * sp->window_fn[k];
}

/* Bin k's share of the two triangles it lies in, one way (band values
 * interpolated to the bin) and the other (a bin value added to its
 * bands): band energies, gains and the gains' gradient all use these. */
static inline float
band_to_bin (const AeSpectrum * sp, const float *band, int k)
{
  int b = sp->bin_band[k];
  float f = sp->bin_frac[k];

  return (1.0f - f) * band[b] + f * band[b + 1];
}

static inline void
bin_to_bands (const AeSpectrum * sp, float *band, int k, float v)
{
  int b = sp->bin_band[k];
  float f = sp->bin_frac[k];

  band[b] += (1.0f - f) * v;
  band[b + 1] += f * v;
}

void
ae_spectrum_band_energy (const AeSpectrum * sp, float *energy,
    const float *spec)
{
  float scale = 1.0f / sp->window;
  int k;

  memset (energy, 0, sizeof (float) * sp->n_bands);
  for (k = 0; k < sp->n_bins; k++) {
    float re = spec[2 * k], im = spec[2 * k + 1];
    bin_to_bands (sp, energy, k, (re * re + im * im) * scale);
  }
}

void
ae_spectrum_features (const AeSpectrum * sp, float *features,
    const float *energy)
{
  int b;

  /* log10 energy spans about -12 (silence floor) to +1 (full scale);
   * centre and scale it to roughly [-1.5, 1.5] so the first layer starts
   * in a sane range whatever the input level. */
  for (b = 0; b < sp->n_bands; b++)
    features[b] = (log10f (energy[b] + 1e-12f) + 5.0f) * 0.25f;
}

double
ae_spectrum_feature_energy (float feature)
{
  return MAX (pow (10.0, 4.0 * feature - 5.0) - 1e-12, 0.0);
}

void
ae_spectrum_apply_gains (const AeSpectrum * sp, float *spec,
    const float *band_gain)
{
  int k;

  for (k = 0; k < sp->n_bins; k++) {
    float g = band_to_bin (sp, band_gain, k);
    spec[2 * k] *= g;
    spec[2 * k + 1] *= g;
  }
}

void
ae_spectrum_bin_gains (const AeSpectrum * sp, float *bin_gain,
    const float *band_gain)
{
  int k;

  for (k = 0; k < sp->n_bins; k++)
    bin_gain[k] = band_to_bin (sp, band_gain, k);
}

void
ae_spectrum_bin_gains_backward (const AeSpectrum * sp, float *dband_gain,
    const float *dbin_gain)
{
  int k;

  for (k = 0; k < sp->n_bins; k++)
    bin_to_bands (sp, dband_gain, k, dbin_gain[k]);
}

void
ae_spectrum_synthesize_backward (AeSpectrum * sp, float *dspec,
    const float *dola)
{
  int n = sp->window, k;
  float inner = 2.0f / n;

  /* ola[j] += w[j] (1/n) sum_k c_k (Re Y_k cos - Im Y_k sin) (2 pi k j / n),
   * with c_k = 2 for the bins that stand for a conjugate pair and 1 for
   * DC and Nyquist, whose imaginary parts the inverse ignores.  So
   * d/d Re Y_k = (c_k / n) Re G_k and d/d Im Y_k = (c_k / n) Im G_k,
   * where G = DFT (w * dola). */
  for (k = 0; k < n; k++)
    sp->scratch[k] = dola[k] * sp->window_fn[k];
  ae_fft_forward_real (sp->fft, dspec, sp->scratch);
  for (k = 0; k < 2 * sp->n_bins; k++)
    dspec[k] *= inner;
  dspec[0] *= 0.5f;
  dspec[1] = 0.0f;
  dspec[2 * (sp->n_bins - 1)] *= 0.5f;
  dspec[2 * (sp->n_bins - 1) + 1] = 0.0f;
}
