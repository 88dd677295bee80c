/* metrics.h: objective speech-quality measures for tests, validation and
 * bench/audio.
 *
 * Two measures, both over whole mono signals held in memory:
 *   - SI-SDR (Le Roux et al., "SDR - half-baked or well done?", ICASSP
 *     2019), in dB;
 *   - STOI, the classic short-time objective intelligibility measure of
 *     Taal, Hendriks, Heusdens and Jensen, IEEE TASLP 19(7), 2011, as in
 *     their MATLAB reference and pystoi: 10 kHz, 256-sample Hann frames
 *     with 50% overlap, 512-point DFT, 15 one-third-octave bands from
 *     150 Hz, frames more than 40 dB below the loudest clean frame removed,
 *     30-frame (384 ms) segments, clipping at beta = -15 dB.
 *
 * Not here: extended STOI, PESQ, alignment or delay search (the caller
 * aligns the signals; both measures assume sample-aligned inputs), and
 * anything real-time: these functions allocate and are for offline use.
 * They never print.
 */
#ifndef AE_METRICS_H
#define AE_METRICS_H

#include <glib.h>

G_BEGIN_DECLS

/* Scale-invariant signal-to-distortion ratio of @estimate against
 * @reference, both (n), in dB.  Both are made zero-mean first; the target
 * is the projection of the estimate on the reference, so any gain on the
 * estimate leaves the result unchanged.  Sums are in double.
 *
 * Returns: the SI-SDR in dB; +INFINITY when the estimate is an exact
 * scaled copy of the reference (zero residual); -INFINITY when the
 * estimate is constant (silent) but the reference is not; NAN when n is 0
 * or the reference is constant (silent: SI-SDR is undefined). */
double ae_si_sdr (const float *estimate, const float *reference, gsize n);

/* STOI of @processed against @clean, both (n) at @rate Hz (any rate from
 * 4000 to 384000 Hz; signals not at 10 kHz are resampled with a windowed-
 * sinc polyphase filter).  Invariant to the gain of either signal.
 *
 * Returns: STOI, typically in 0..1 (a correlation: slightly negative
 * values are possible for unrelated signals); NAN when the arguments are
 * out of range, the clean signal is all zero, or it has fewer than 30
 * frames (384 ms) within 40 dB of its loudest frame, too few for one
 * segment. */
double ae_stoi (const float *clean, const float *processed, gsize n,
    guint rate);

/* The resampler ae_stoi uses, exposed for tests: @in (n_in) at @rate_in
 * to a newly allocated signal at @rate_out of ceil (n_in * rate_out /
 * rate_in) samples, written to @n_out.  Anti-aliasing cutoff at 0.95 of
 * the lower Nyquist frequency; 0 ms delay (the filter is centred).
 * Returns: (transfer full): g_free() the result; NULL for rates outside
 * 1000..384000 Hz. */
float *ae_resample_offline (const float *in, gsize n_in, guint rate_in,
    guint rate_out, gsize * n_out);

G_END_DECLS
#endif /* AE_METRICS_H */
