/* stream.c: AeStream, real-time speech denoising of one mono signal.
 *
 * Samples are collected into hops; each full hop completes an analysis
 * frame (the last two hops), which runs through spectrum -> network ->
 * gains -> inverse spectrum -> overlap-add, and releases one hop of output.
 * Output is therefore the input delayed by exactly two hops (the window),
 * whatever the block sizes, and because frames are the unit of work the
 * bits do not depend on how the caller splits the signal.
 *
 * Everything is allocated in ae_stream_new; ae_stream_process only copies
 * and computes.
 */
#include <math.h>
#include <string.h>

#include "gainsmooth.h"
#include "model.h"
#include "spectrum.h"
#include "tensor.h"

/* Gate time constants, per 10 ms frame: fast to open, slow to close. */
#define GATE_ATTACK_MS 5.0f
#define GATE_RELEASE_MS 50.0f

/* Noise floor: the input SNR is estimated from the network's own split of
 * each frame into speech (g^2 E) and noise ((1 - g^2) E), averaged with
 * this time constant; the floor stays off until this much speech (frames
 * weighted by speech probability) has been heard. */
#define LEVEL_TIME_MS 2000.0f
#define LEVEL_MIN_SPEECH_MS 200.0f

struct _AeStream
{
  AeModel *model;
  const AeSpeechNet *net;
  const float *params;
  AeSpectrum sp;
  AeSpeechActs acts;
  int hop, window, n_bands;
  float frame_ms;

  float *in_block;              /* (hop) samples of the frame being filled */
  int fill;                     /* samples in in_block */
  float *frame;                 /* (window) the last two hops of input */
  float *spec;                  /* (n_bins complex) */
  float *energy;                /* (n_bands) */
  float *gains;                 /* (n_bands) */
  float *ola;                   /* (window) overlap-add accumulator */
  float *ready;                 /* (hop) output released by the last frame */

  /* Controls, set between calls. */
  float floor_gain;             /* 10^(-attenuation limit / 20) */
  float wet;
  gboolean bypass;
  float vad_threshold;
  float vad_hold_frames;
  float noise_floor_db;         /* >= AE_NOISE_FLOOR_OFF: no floor */

  /* Noise floor state: exponentially weighted sums. */
  double speech_sum, speech_weight, noise_sum, noise_weight;
  double level_decay;
  float min_speech_frames;

  AeGainSmoother smoother;

  /* Gate state. */
  float gate_gain;
  float frames_below;

  AeStreamStats stats;
};

AeStream *
ae_stream_new (AeModel * model, GError ** error)
{
  AeStream *s;
  const AeSpeechConfig *c;

  g_return_val_if_fail (model != NULL, NULL);
  if (ae_model_get_modality (model) != AE_MODALITY_AUDIO) {
    g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
        "an audio stream needs an audio model");
    return NULL;
  }
  c = ae_model_get_speech_config (model);
  s = g_new0 (AeStream, 1);
  s->model = ae_model_ref (model);
  s->net = ae_model_get_speechnet (model);
  s->params = ae_model_get_params (model);
  s->hop = c->hop;
  s->window = 2 * c->hop;
  s->frame_ms = 1000.0f * c->hop / c->sample_rate;
  if (!ae_spectrum_init (&s->sp, c->sample_rate, c->hop, c->bands_per_erb,
          error))
    goto fail;
  s->n_bands = s->sp.n_bands;
  if (!ae_speech_acts_alloc (&s->acts, s->net, 1, 1, FALSE))
    goto oom;
  s->in_block = ae_alloc_floats (s->hop);
  s->frame = ae_alloc_floats (s->window);
  s->spec = ae_alloc_floats (2 * s->sp.n_bins);
  s->energy = ae_alloc_floats (s->n_bands);
  s->gains = ae_alloc_floats (s->n_bands);
  s->ola = ae_alloc_floats (s->window);
  s->ready = ae_alloc_floats (s->hop);
  if (!s->in_block || !s->frame || !s->spec || !s->energy || !s->gains
      || !s->ola || !s->ready
      || !ae_gain_smoother_init (&s->smoother, s->n_bands, s->frame_ms))
    goto oom;
  ae_gain_smoother_set_time (&s->smoother, (float) c->noise_smoothing_ms);
  s->floor_gain = 0.0f;
  s->wet = 1.0f;
  s->gate_gain = 1.0f;
  s->noise_floor_db = AE_NOISE_FLOOR_OFF;
  s->level_decay = exp (-s->frame_ms / LEVEL_TIME_MS);
  s->min_speech_frames = LEVEL_MIN_SPEECH_MS / s->frame_ms;
  ae_stream_reset (s);
  return s;

oom:
  g_set_error (error, AE_ERROR, AE_ERROR_UNSUPPORTED,
      "out of memory for a stream of %d-sample frames", s->window);
fail:
  ae_stream_free (s);
  return NULL;
}

void
ae_stream_free (AeStream * s)
{
  if (!s)
    return;
  ae_spectrum_clear (&s->sp);
  ae_speech_acts_free (&s->acts);
  ae_gain_smoother_clear (&s->smoother);
  ae_free (s->in_block);
  ae_free (s->frame);
  ae_free (s->spec);
  ae_free (s->energy);
  ae_free (s->gains);
  ae_free (s->ola);
  ae_free (s->ready);
  ae_model_unref (s->model);
  g_free (s);
}

void
ae_stream_reset (AeStream * s)
{
  ae_speech_acts_reset (&s->acts, s->net);
  memset (s->in_block, 0, sizeof (float) * s->hop);
  memset (s->frame, 0, sizeof (float) * s->window);
  memset (s->ola, 0, sizeof (float) * s->window);
  memset (s->ready, 0, sizeof (float) * s->hop);
  s->fill = 0;
  s->gate_gain = 1.0f;
  s->frames_below = 0.0f;
  s->speech_sum = s->speech_weight = 0.0;
  s->noise_sum = s->noise_weight = 0.0;
  ae_gain_smoother_reset (&s->smoother);
  memset (&s->stats, 0, sizeof (s->stats));
  s->stats.snr_db = AE_SNR_UNKNOWN;
}

const AeModel *
ae_stream_get_model (const AeStream * s)
{
  return s->model;
}

void
ae_stream_set_attenuation_limit (AeStream * s, float limit_db)
{
  /* 0 dB: no attenuation at all; very large: no floor. */
  s->floor_gain = limit_db >= AE_ATTENUATION_NO_LIMIT ? 0.0f :
      powf (10.0f, -MAX (limit_db, 0.0f) / 20.0f);
}

void
ae_stream_set_noise_floor (AeStream * s, float floor_db)
{
  s->noise_floor_db = MAX (floor_db, 0.0f);
}

void
ae_stream_set_noise_smoothing (AeStream * s, float time_ms)
{
  ae_gain_smoother_set_time (&s->smoother,
      CLAMP (time_ms, 0.0f, (float) AE_NOISE_SMOOTHING_MAX_MS));
}

void
ae_stream_set_mix (AeStream * s, float wet)
{
  s->wet = CLAMP (wet, 0.0f, 1.0f);
}

void
ae_stream_set_bypass (AeStream * s, gboolean bypass)
{
  s->bypass = bypass;
}

void
ae_stream_set_vad_gate (AeStream * s, float threshold, float hold_ms)
{
  s->vad_threshold = CLAMP (threshold, 0.0f, 1.0f);
  s->vad_hold_frames = MAX (hold_ms, 0.0f) / s->frame_ms;
}

void
ae_stream_get_stats (const AeStream * s, AeStreamStats * stats)
{
  *stats = s->stats;
}

/* The gate's gain for this frame, from the speech probability. */
static float
gate_step (AeStream * s, float speech_prob)
{
  float target, time_ms, alpha;

  if (s->vad_threshold <= 0.0f)
    return 1.0f;
  if (speech_prob >= s->vad_threshold)
    s->frames_below = 0.0f;
  else
    s->frames_below += 1.0f;
  target = s->frames_below > s->vad_hold_frames ? 0.0f : 1.0f;
  time_ms = target > s->gate_gain ? GATE_ATTACK_MS : GATE_RELEASE_MS;
  alpha = expf (-s->frame_ms / time_ms);
  s->gate_gain = target + alpha * (s->gate_gain - target);
  return s->gate_gain;
}

/* The least gain the noise floor allows this frame: the network's gains
 * split the frame's band energies into speech and noise; their running
 * levels give the input SNR, and the noise is turned down no further than
 * noise_floor_db below the speech, that is by at most (floor - SNR) dB.
 * The levels are kept, and the SNR reported in the stats, while the floor
 * is off too, so that turning it on mid-stream starts from the current
 * estimate.  Returns 0 while the floor is off or too little speech has been
 * heard. */
static float
noise_floor_gain (AeStream * s, const float *gains, float speech_prob)
{
  double speech = 0.0, noise = 0.0, d = s->level_decay, snr_db, limit_db;
  int b;

  for (b = 0; b < s->n_bands; b++) {
    double g2 = (double) gains[b] * gains[b];

    speech += g2 * s->energy[b];
    noise += (1.0 - MIN (g2, 1.0)) * s->energy[b];
  }
  s->speech_sum = d * s->speech_sum + speech_prob * speech;
  s->speech_weight = d * s->speech_weight + speech_prob;
  s->noise_sum = d * s->noise_sum + noise;
  s->noise_weight = d * s->noise_weight + 1.0;
  if (s->speech_weight < s->min_speech_frames)
    return 0.0f;
  /* The epsilons keep digital silence finite. */
  snr_db = 10.0 * log10 ((s->speech_sum / s->speech_weight + 1e-20) /
      (s->noise_sum / s->noise_weight + 1e-20));
  s->stats.snr_db = (float) CLAMP (snr_db, AE_SNR_UNKNOWN, -AE_SNR_UNKNOWN);
  if (s->noise_floor_db >= AE_NOISE_FLOOR_OFF)
    return 0.0f;
  limit_db = s->noise_floor_db - snr_db;
  if (limit_db <= 0.0)
    return 1.0f;
  return (float) pow (10.0, -limit_db / 20.0);
}

/* One analysis frame: in_block completes it; ready receives a hop. */
static AeStatus
process_frame (AeStream * s)
{
  const AeSpeechNet *net = s->net;
  float *features, *out;
  float speech_prob, gate, floor_gain;
  AeStatus status = AE_STATUS_OK;
  int i;

  memmove (s->frame, s->frame + s->hop, sizeof (float) * s->hop);
  memcpy (s->frame + s->hop, s->in_block, sizeof (float) * s->hop);
  if (s->bypass) {
    memcpy (s->ready, s->frame, sizeof (float) * s->hop);
    return AE_STATUS_OK;
  }

  ae_spectrum_analyze (&s->sp, s->spec, s->frame);
  ae_spectrum_band_energy (&s->sp, s->energy, s->spec);
  features = ae_speech_acts_row (&s->acts, net, net->in_buf, 0);
  ae_spectrum_features (&s->sp, features, s->energy);
  ae_speechnet_forward (net, &s->acts, s->params);
  out = ae_speech_acts_row (&s->acts, net, net->out_buf, 0);
  if (!ae_all_finite (out, s->n_bands + 1)) {
    /* Only a broken model gets here; recover rather than emit NaN. */
    ae_stream_reset (s);
    return AE_STATUS_NON_FINITE;
  }
  ae_speech_acts_advance (&s->acts, net);

  speech_prob = out[s->n_bands];
  s->stats.speech_probability = MAX (s->stats.speech_probability,
      speech_prob);
  gate = gate_step (s, speech_prob);
  /* Not inside MAX, which would evaluate it, and update the sums, twice. */
  floor_gain = noise_floor_gain (s, out, speech_prob);
  floor_gain = MAX (floor_gain, s->floor_gain);
  /* The SNR estimate above saw the network's own gains; the smoothed ones
   * are what is applied. */
  memcpy (s->gains, out, sizeof (float) * s->n_bands);
  ae_gain_smoother_apply (&s->smoother, s->gains, s->energy, speech_prob,
      s->stats.snr_db);
  for (i = 0; i < s->n_bands; i++)
    s->gains[i] = MAX (s->gains[i] * gate, floor_gain);
  ae_spectrum_apply_gains (&s->sp, s->spec, s->gains);
  ae_spectrum_synthesize (&s->sp, s->ola, s->spec);

  /* ola[0, hop) is complete now, and frame[0, hop) is the same stretch of
   * input: the dry path is aligned for free. */
  for (i = 0; i < s->hop; i++)
    s->ready[i] = s->wet * s->ola[i] + (1.0f - s->wet) * s->frame[i];
  memmove (s->ola, s->ola + s->hop, sizeof (float) * s->hop);
  memset (s->ola + s->hop, 0, sizeof (float) * s->hop);
  return status;
}

AeStatus
ae_stream_process (AeStream * s, float *out, const float *in,
    gsize n_samples)
{
  AeStatus status = AE_STATUS_OK;
  double in_sq = 0.0, out_sq = 0.0;
  gsize total = n_samples, i;

  if (!s || (n_samples > 0 && (!out || !in)))
    return AE_STATUS_INVALID_ARGUMENT;
  s->stats.speech_probability = 0.0f;
  s->stats.n_frames = 0;
  while (n_samples > 0) {
    gsize m = MIN (n_samples, (gsize) (s->hop - s->fill));

    /* Input first: @out may be @in. */
    for (i = 0; i < m; i++)
      in_sq += (double) in[i] * in[i];
    memcpy (s->in_block + s->fill, in, sizeof (float) * m);
    memcpy (out, s->ready + s->fill, sizeof (float) * m);
    for (i = 0; i < m; i++)
      out_sq += (double) out[i] * out[i];
    s->fill += m;
    in += m;
    out += m;
    n_samples -= m;
    if (s->fill == s->hop) {
      AeStatus st = process_frame (s);
      if (st != AE_STATUS_OK)
        status = st;
      s->fill = 0;
      s->stats.n_frames++;
    }
  }
  s->stats.input_rms = total ? (float) sqrt (in_sq / total) : 0.0f;
  s->stats.output_rms = total ? (float) sqrt (out_sq / total) : 0.0f;
  return status;
}
