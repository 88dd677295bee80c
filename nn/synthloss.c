/* synthloss.c: spectral and SI-SDR losses through the synthesis (see
 * synthloss.h). */
#include "synthloss.h"

#include <math.h>
#include <string.h>

#include "tensor.h"

#define COMPRESS 0.3f
#define GAIN_FLOOR 1e-3f
/* Below this clean energy per sample (-100 dBFS) SI-SDR is undefined. */
#define SILENT_ENERGY 1e-10
/* SI-SDR is soft-capped at 50 dB: 10 log10 (p / (q + tau p)).  A nearly
 * perfect output (clean speech passed through) otherwise gets a gradient
 * that grows as 1 / q without bound and swamps every other example in the
 * batch; past 50 dB there is nothing left to hear anyway. */
#define SI_SDR_TAU 1e-5

void
ae_synth_loss_init (AeSynthLoss * l, AeSpectrum * sp, int max_frames)
{
  gsize samples = (gsize) (max_frames + 1) * sp->hop;

  memset (l, 0, sizeof (*l));
  l->sp = sp;
  l->max_frames = max_frames;
  l->bin_gain = ae_alloc_floats (sp->n_bins);
  l->dbin_gain = ae_alloc_floats (sp->n_bins);
  l->spec = ae_alloc_floats (2 * sp->n_bins);
  l->dspec = ae_alloc_floats (2 * sp->n_bins);
  l->ola = ae_alloc_floats (samples);
  l->dola = ae_alloc_floats (samples);
}

void
ae_synth_loss_clear (AeSynthLoss * l)
{
  ae_free (l->bin_gain);
  ae_free (l->dbin_gain);
  ae_free (l->spec);
  ae_free (l->dspec);
  ae_free (l->ola);
  ae_free (l->dola);
  memset (l, 0, sizeof (*l));
}

/* Spectral term of one frame; with @dbin, its gradient (times @scale)
 * with respect to the bin gains. */
static double
frame_spectral (const AeSynthLoss * l, const float *x, const float *mag_s,
    float scale, float *dbin)
{
  double sum = 0.0;
  int k;

  for (k = 0; k < l->sp->n_bins; k++) {
    float mx = hypotf (x[2 * k], x[2 * k + 1]);
    float g = MAX (l->bin_gain[k], GAIN_FLOOR);
    float a = powf (g * mx, COMPRESS), d = a - powf (mag_s[k], COMPRESS);
    sum += (double) d *d;
    if (dbin)
      dbin[k] = l->bin_gain[k] > GAIN_FLOOR ?
          scale * 2.0f * d * COMPRESS * a / g : 0.0f;
  }
  return sum;
}

/* SI-SDR in dB of y against s, both made zero-mean as metrics.c's
 * ae_si_sdr does; with @dy, its gradient times @scale. */
static double
si_sdr_with_grad (const float *y, const float *s, gsize n, float scale,
    float *dy)
{
  double my = 0.0, ms = 0.0, ys = 0.0, yy = 0.0, ss = 0.0;
  double alpha, p, q, db_per_ln, mean_dy = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    my += y[i];
    ms += s[i];
  }
  my /= n;
  ms /= n;
  for (i = 0; i < n; i++) {
    double yc = y[i] - my, sc = s[i] - ms;
    ys += yc * sc;
    yy += yc * yc;
    ss += sc * sc;
  }
  if (ss < SILENT_ENERGY * n)
    return NAN;
  alpha = ys / ss;
  p = ys * alpha + 1e-20;       /* |alpha s|^2 */
  q = MAX (yy - ys * alpha, 0.0) + 1e-20;       /* |y - alpha s|^2 */
  q += SI_SDR_TAU * p;
  db_per_ln = 10.0 / G_LN10;
  if (dy) {
    /* d/dy of 10 log10 (p / (q + tau p)); then minus its mean, the
     * adjoint of removing y's mean. */
    for (i = 0; i < n; i++) {
      double yc = y[i] - my, sc = s[i] - ms;
      double dp = 2.0 * alpha * sc, dq = 2.0 * (yc - alpha * sc);
      double g = db_per_ln * (dp / p - (dq + SI_SDR_TAU * dp) / q);
      dy[i] = (float) (scale * g);
      mean_dy += dy[i];
    }
    mean_dy /= n;
    for (i = 0; i < n; i++)
      dy[i] -= (float) mean_dy;
  }
  return db_per_ln * log (p / q);
}

double
ae_synth_loss_sequence (AeSynthLoss * l, const float *noisy_spec,
    const float *clean_mag, const float *clean, const float *gains,
    int stride, int n_frames, float spectral_weight, float sisdr_weight,
    float *dgains, AeSynthLossTerms * terms)
{
  AeSpectrum *sp = l->sp;
  int nb = sp->n_bins, hop = sp->hop, t, k;
  gsize n_out = (gsize) (n_frames - 1) * hop;
  double spectral = 0.0, norm = 0.0, si_sdr;
  float spec_scale;
  gboolean sisdr_grad;

  g_return_val_if_fail (n_frames >= 2 && n_frames <= l->max_frames, NAN);

  /* Spectral term, normalised by the noisy compressed power. */
  for (t = 0; t < n_frames; t++)
    for (k = 0; k < nb; k++) {
      const float *x = noisy_spec + ((gsize) t * nb + k) * 2;
      norm += powf (hypotf (x[0], x[1]), 2.0f * COMPRESS);
    }
  norm = MAX (norm, 1e-20);
  spec_scale = (float) (spectral_weight / norm);

  memset (l->ola, 0, sizeof (float) * (n_frames + 1) * hop);
  for (t = 0; t < n_frames; t++) {
    const float *x = noisy_spec + (gsize) t * nb * 2;
    ae_spectrum_bin_gains (sp, l->bin_gain, gains + (gsize) t * stride);
    spectral += frame_spectral (l, x, clean_mag + (gsize) t * nb, spec_scale,
        dgains ? l->dbin_gain : NULL);
    if (dgains && spectral_weight != 0.0f)
      ae_spectrum_bin_gains_backward (sp, dgains + (gsize) t * stride,
          l->dbin_gain);
    for (k = 0; k < nb; k++) {
      l->spec[2 * k] = x[2 * k] * l->bin_gain[k];
      l->spec[2 * k + 1] = x[2 * k + 1] * l->bin_gain[k];
    }
    ae_spectrum_synthesize (sp, l->ola + (gsize) t * hop, l->spec);
  }
  spectral /= norm;

  /* Output sample n sits at ola[hop + n]. */
  sisdr_grad = dgains && sisdr_weight != 0.0f;
  memset (l->dola, 0, sizeof (float) * (n_frames + 1) * hop);
  si_sdr = si_sdr_with_grad (l->ola + hop, clean, n_out, -sisdr_weight,
      sisdr_grad ? l->dola + hop : NULL);
  if (sisdr_grad && isfinite (si_sdr))
    for (t = 0; t < n_frames; t++) {
      const float *x = noisy_spec + (gsize) t * nb * 2;
      ae_spectrum_synthesize_backward (sp, l->dspec, l->dola + (gsize) t *
          hop);
      for (k = 0; k < nb; k++)
        l->dbin_gain[k] = l->dspec[2 * k] * x[2 * k] +
            l->dspec[2 * k + 1] * x[2 * k + 1];
      ae_spectrum_bin_gains_backward (sp, dgains + (gsize) t * stride,
          l->dbin_gain);
    }

  if (terms) {
    terms->spectral = spectral;
    terms->si_sdr_db = si_sdr;
  }
  return spectral_weight * spectral -
      (isfinite (si_sdr) ? sisdr_weight * si_sdr : 0.0);
}
