/* synthloss.h: training losses on the signal a gain model rebuilds.
 *
 * A speech model's band gains are best judged by what comes out: the noisy
 * spectra times the interpolated gains, inverse-transformed and
 * overlap-added exactly as AeStream does.  For one sequence of T frames
 * this gives two terms and their gradients with respect to the gains:
 *
 *   spectral: mean over frames and bins of (|Y|^0.3 - |S|^0.3)^2, divided
 *     by the mean of |X|^0.6 so that it does not depend on the level.
 *     Compressed magnitudes weigh quiet bins as the ear does, and unlike
 *     the band targets they see the bins inside a band one by one.
 *   SI-SDR: the scale-invariant SDR (dB, soft-capped at 50) of the rebuilt
 *     samples
 *     [0, (T - 1) hop) (the ones two frames cover) against the clean
 *     signal, both made zero-mean: the figure bench/audio reports (metrics.h),
 *     so training optimises it.
 *
 * X, S: noisy and clean spectra from ae_spectrum_analyze with AeStream's
 * framing (frame t covers samples [(t - 1) hop, (t + 1) hop)); Y = X times
 * the gains.  Gains below 1e-3 (-60 dB) count as 1e-3 in the spectral
 * term, whose slope would otherwise grow without bound near zero.
 *
 * Not here: the band-gain target loss and the speech probability's
 * (ae-train's train-speech.c), the network.
 */
#ifndef AE_SYNTHLOSS_H
#define AE_SYNTHLOSS_H

#include <glib.h>

#include "spectrum.h"

G_BEGIN_DECLS

typedef struct
{
  AeSpectrum *sp;               /* borrowed; its scratch is used */
  int max_frames;
  float *bin_gain, *dbin_gain;  /* (n_bins) */
  float *spec, *dspec;          /* (n_bins complex) */
  float *ola, *dola;            /* ((max_frames + 1) * hop) */
} AeSynthLoss;

typedef struct
{
  double spectral;              /* unweighted spectral term */
  double si_sdr_db;             /* NAN when the clean signal is silent */
} AeSynthLossTerms;

void ae_synth_loss_init (AeSynthLoss * l, AeSpectrum * sp, int max_frames);
void ae_synth_loss_clear (AeSynthLoss * l);

/* One sequence of @n_frames (<= max_frames).
 *   noisy_spec: (T, n_bins complex); clean_mag: (T, n_bins) |S|;
 *   clean: ((T - 1) * hop) samples; gains: T rows of n_bands floats,
 *   @stride floats apart; dgains: NULL, or the same layout, to which
 *   d loss / d gains is added.
 * Returns spectral_weight * spectral - sisdr_weight * SI-SDR (the SI-SDR
 * term is 0 when the clean signal is silent).  @terms may be NULL. */
double ae_synth_loss_sequence (AeSynthLoss * l, const float *noisy_spec,
    const float *clean_mag, const float *clean, const float *gains,
    int stride, int n_frames, float spectral_weight, float sisdr_weight,
    float *dgains, AeSynthLossTerms * terms);

G_END_DECLS
#endif /* AE_SYNTHLOSS_H */
