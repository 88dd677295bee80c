/* gainsmooth.c: see gainsmooth.h. */
#include "gainsmooth.h"

#include <math.h>
#include <string.h>

#include "tensor.h"

/* Gains are smoothed in dB-like units, so a gain of 0 needs a floor:
 * -80 dB, below anything audible after a 16-bit output. */
#define LOG_GAIN_FLOOR -9.21034f        /* ln 1e-4 */
/* Speech probability sharpness and the SNR at which smoothing is full. */
#define SPEECH_POWER 8
#define FULL_SNR_DB 10.0f
/* A band's energy this far over its log-average is a transient: 10 dB,
 * ln (10).  A single bin of stationary noise (exponentially distributed
 * power) gets there in under 1 % of its frames; a click in a quiet pause
 * stands tens of dB above it. */
#define TRANSIENT_LOG_RISE 2.3025851f
/* Keeps the log of a silent band finite. */
#define ENERGY_FLOOR 1e-20f

gboolean
ae_gain_smoother_init (AeGainSmoother * g, int n_bands, float frame_ms)
{
  memset (g, 0, sizeof (*g));
  g->n_bands = n_bands;
  g->frame_ms = frame_ms;
  g->log_gain = ae_alloc_floats (n_bands);
  g->log_energy = ae_alloc_floats (n_bands);
  return g->log_gain != NULL && g->log_energy != NULL;
}

void
ae_gain_smoother_clear (AeGainSmoother * g)
{
  ae_free (g->log_gain);
  ae_free (g->log_energy);
  g->log_gain = g->log_energy = NULL;
}

void
ae_gain_smoother_reset (AeGainSmoother * g)
{
  /* Any gain will do: until the SNR is known k is 1.  The energy average
   * starts from the first frame. */
  memset (g->log_gain, 0, sizeof (float) * g->n_bands);
  g->primed = FALSE;
}

void
ae_gain_smoother_set_time (AeGainSmoother * g, float time_ms)
{
  g->noise_decay = time_ms > 0.0f ? expf (-g->frame_ms / time_ms) : 0.0f;
}

void
ae_gain_smoother_apply (AeGainSmoother * g, float *gains,
    const float *energy, float speech_prob, float snr_db)
{
  float w = CLAMP (snr_db / FULL_SNR_DB, 0.0f, 1.0f);
  float p = CLAMP (speech_prob, 0.0f, 1.0f), p_n = 1.0f;
  float hold;                   /* 1 - k */
  int b, i;

  for (i = 0; i < SPEECH_POWER; i++)
    p_n *= p;
  hold = w * (1.0f - p_n) * g->noise_decay;
  for (b = 0; b < g->n_bands; b++) {
    float target = gains[b] > 0.0f ? logf (gains[b]) : LOG_GAIN_FLOOR;
    float log_energy = logf (MAX (energy[b], ENERGY_FLOOR));
    gboolean transient;

    if (!g->primed)
      g->log_energy[b] = log_energy;
    transient = log_energy > g->log_energy[b] + TRANSIENT_LOG_RISE;
    g->log_energy[b] = log_energy + g->noise_decay *
        (g->log_energy[b] - log_energy);
    target = MAX (target, LOG_GAIN_FLOOR);
    if (hold <= 0.0f || transient) {
      g->log_gain[b] = target;
      continue;
    }
    g->log_gain[b] = target + hold * (g->log_gain[b] - target);
    gains[b] = expf (g->log_gain[b]);
  }
  g->primed = TRUE;
}
