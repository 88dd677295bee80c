/* gainsmooth.h: steadier band gains where the network hears only noise.
 *
 * A mask network decides every band's gain afresh each 10 ms frame.  In
 * speech that is what it should do; in the pauses its gains flicker, and
 * the noise left over pumps: its envelope follows the flicker, not the
 * input's background (STOI, which scores envelopes over 384 ms, reads that
 * as distortion, and listeners hear it as breathing).  The smoother follows
 * the network at once where it hears speech and with a time constant where
 * it hears noise, so what is left of the noise is a steady, quieter copy
 * of the input's.
 *
 * Per frame and band, in the log domain (g the network's gain, s the
 * smoothed one):
 *   s += k (ln g - s),  k = 1 - w (1 - p^8) exp (-frame / time)
 * p is the frame's speech probability: p^8 is 0.43 at p = 0.9 and under
 * 0.004 at p = 0.5, so only frames the network is sure of count as
 * speech.  w = clamp (SNR / 10 dB, 0, 1) from the stream's running SNR
 * estimate: when the noise is as loud as the speech the network's fast
 * gains are what remove it (measured: smoothing there costs SI-SDR), so
 * the smoother acts fully only from 10 dB up, and not at all below 0 dB
 * or before the SNR is known.
 *
 * A band whose input energy is more than 10 dB above its own average (in
 * the log domain, over the same time constant) is a transient: a key
 * click, a knock, an onset.  There k is 1, so the network's gain for it
 * applies at once; without that exception a click in a quiet pause met
 * the gain the silence around it had earned, and came through
 * (test-aedenoise's test_noise_smoothing: clicks in a pause after speech
 * kept -14 dB of their level without the rule, -25 with it, as with no
 * smoothing).
 *
 * Not here: where the SNR estimate comes from (stream.c).
 */
#ifndef AE_GAINSMOOTH_H
#define AE_GAINSMOOTH_H

#include <glib.h>

G_BEGIN_DECLS

/* The most a model's file may ask for, and the property's range. */
#define AE_NOISE_SMOOTHING_MAX_MS 10000

typedef struct
{
  int n_bands;
  float frame_ms;
  float noise_decay;            /* exp (-frame / time); 0 = off */
  float *log_gain;              /* (n_bands) s, ln of the smoothed gains */
  float *log_energy;            /* (n_bands) running mean of ln energy */
  gboolean primed;              /* log_energy holds a frame's worth */
} AeGainSmoother;

/* Allocates; FALSE when out of memory.  Starts off. */
gboolean ae_gain_smoother_init (AeGainSmoother * g, int n_bands,
    float frame_ms);
void ae_gain_smoother_clear (AeGainSmoother * g);
/* Forgets the past: the next frame's gains pass as they are. */
void ae_gain_smoother_reset (AeGainSmoother * g);
/* Time constant in noise, ms; 0 turns the smoother off. */
void ae_gain_smoother_set_time (AeGainSmoother * g, float time_ms);
/* Smooths @gains (n_bands, 0..1) in place.  @energy: the frame's input
 * band energies (n_bands, any fixed scale).  @snr_db: the stream's running
 * estimate, AE_SNR_UNKNOWN (or anything under 0) when it has none.  Off,
 * or where k is 1, the gains are left exactly as they are. */
void ae_gain_smoother_apply (AeGainSmoother * g, float *gains,
    const float *energy, float speech_prob, float snr_db);

G_END_DECLS
#endif /* AE_GAINSMOOTH_H */
