/* spectrum.h: the short-time spectrum the speech models work on.
 *
 * Analysis: a W-sample frame (W = 2 hops, 20 ms at every rate) times a
 * square-root Hann window, then a real FFT.  Synthesis: inverse FFT, the
 * same window again, overlap-add at 50%; sqrt-Hann squared sums to one at
 * that overlap, so unit gains give back the input exactly (delayed by W).
 *
 * Bands: triangular bands whose centres are spaced evenly on the ERB-rate
 * scale (Glasberg and Moore), @bands_per_erb per ERB, but never closer
 * than one FFT bin.  Bin spacing is 50 Hz at every rate (W = 20 ms), so the
 * low bands are single bins (enough to follow the first harmonics of a
 * voice) and the high ones follow the ear's resolution.  The network sees
 * one log energy per band and predicts one gain per band; gains are
 * interpolated back to bins with the same triangles (as in RNNoise, with
 * finer bands).
 *
 * Not here: the network, the streaming buffers (stream.c), training
 * targets (ae-train).
 */
#ifndef AE_SPECTRUM_H
#define AE_SPECTRUM_H

#include <glib.h>

#include "fft.h"

G_BEGIN_DECLS

typedef struct
{
  int rate;                     /* Hz */
  int window;                   /* samples per analysis frame, 2 * hop */
  int hop;                      /* samples between frames */
  int n_bins;                   /* window / 2 + 1 */
  int n_bands;
  int *bin_band;                /* (n_bins) band below or at each bin */
  float *bin_frac;              /* (n_bins) weight of band bin_band + 1 */
  float *window_fn;             /* (window) sqrt-Hann */
  float *scratch;               /* (window) windowed frame / IFFT output */
  AeFft *fft;                   /* has scratch too */
} AeSpectrum;

/* Number of bands the layout above gives; 0 if the arguments are bad. */
int ae_spectrum_count_bands (int rate, int window, float bands_per_erb);

/* Fills @sp for @rate and @hop (window = 2 * hop).  FALSE with @error set
 * when the FFT size is not a product of 2, 3 and 5. */
gboolean ae_spectrum_init (AeSpectrum * sp, int rate, int hop,
    float bands_per_erb, GError ** error);
void ae_spectrum_clear (AeSpectrum * sp);

/* spec (n_bins complex, interleaved re/im) = FFT (frame (window) * win).
 * An AeSpectrum holds scratch: use one per thread. */
void ae_spectrum_analyze (AeSpectrum * sp, float *spec, const float *frame);

/* ola (window) += win * IFFT (spec). */
void ae_spectrum_synthesize (AeSpectrum * sp, float *ola, const float *spec);

/* energy (n_bands) = triangular band sums of |spec|^2 / window. */
void ae_spectrum_band_energy (const AeSpectrum * sp, float *energy,
    const float *spec);

/* features (n_bands) = the network's input: scaled log10 of energy. */
void ae_spectrum_features (const AeSpectrum * sp, float *features,
    const float *energy);

/* The band energy whose feature is @feature: the inverse of the above. */
double ae_spectrum_feature_energy (float feature);

/* spec (n_bins complex) *= gains interpolated from band_gain (n_bands). */
void ae_spectrum_apply_gains (const AeSpectrum * sp, float *spec,
    const float *band_gain);

/* bin_gain (n_bins) = band_gain (n_bands) interpolated to bins. */
void ae_spectrum_bin_gains (const AeSpectrum * sp, float *bin_gain,
    const float *band_gain);

/* The adjoints, for training through the synthesis:
 *   dspec (n_bins complex) = d loss / d spec, given dola (window) =
 *   d loss / d ola, for ae_spectrum_synthesize;
 *   dband_gain (n_bands) += the interpolation's adjoint of dbin_gain. */
void ae_spectrum_synthesize_backward (AeSpectrum * sp, float *dspec,
    const float *dola);
void ae_spectrum_bin_gains_backward (const AeSpectrum * sp,
    float *dband_gain, const float *dbin_gain);

G_END_DECLS
#endif /* AE_SPECTRUM_H */
