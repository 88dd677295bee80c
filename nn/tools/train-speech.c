/* train-speech.c: ae-train's audio-denoise task (see train-speech.h).
 *
 * One step: the loader thread has mixed a batch of noisy/clean sequences
 * and turned them into band features and ideal gains.  The batch is cut
 * into shards of SHARD_SEQS sequences, fixed by the batch size; the thread
 * pool runs ae_speechnet_forward, the loss and ae_speechnet_backward on
 * each shard into its own gradient, and the shards' gradients and losses
 * are summed in shard order.  So the thread count changes the speed, never
 * the bits.  Then the optimiser.
 * Validation runs the very AeStream the element runs on held-out mixtures,
 * so the SI-SDR it reports is what users get.
 */
#include "train-speech.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "audio-data.h"
#include "checkpoint.h"
#include "cli.h"
#include "loader.h"
#include "metrics.h"
#include "mixer.h"
#include "progress.h"
#include "rng.h"
#include "safetensors.h"
#include "spectrum.h"
#include "synthloss.h"
#include "tensor.h"
#include "threadpool.h"

volatile gint ae_train_interrupted;

/* Below this band energy (about -110 dB re full scale) a band is silence
 * in both signals and its ideal gain is undefined. */
#define SILENT_BAND_ENERGY 1e-11f
#define UNDEFINED_GAIN -1.0f

/* Sequences per shard of a training batch: enough rows (4 x 300 frames)
 * for efficient GEMMs, few enough that a batch of 16 feeds 4 cores. */
#define SHARD_SEQS 4

void
ae_speech_train_options_init (AeSpeechTrainOptions * o)
{
  memset (o, 0, sizeof (*o));
  o->snr_min_db = -5.0f;
  o->snr_max_db = 25.0f;
  o->augment = TRUE;
  {
    AeMixConfig mix;

    ae_mix_config_init_default (&mix, 48000);
    o->noise_change = mix.p_noise_change;
  }
  o->config.sample_rate = 48000;
  o->config.hop = 480;
  o->config.bands_per_erb = 2.0f;
  o->config.arch.width = 128;
  o->config.arch.code = 64;
  o->config.arch.n_blocks = 4;
  o->config.arch.kernel = 3;
  o->batch = 16;
  o->seq_frames = 300;
  o->steps = 20000;
  o->optim.kind = AE_OPTIM_ADAM;
  o->optim.beta1 = 0.9f;
  o->optim.beta2 = 0.999f;
  o->optim.eps = 1e-8f;
  o->lr = 1e-3f;
  o->schedule = AE_SCHEDULE_COSINE;
  o->warmup = 200;
  o->clip = 1.0f;
  o->vad_weight = 0.05f;
  o->distortion_weight = 1.0f;
  o->seed = 1;
  o->threads = (int) MIN (g_get_num_processors (), 64);
  o->val_every = 500;
  o->val_examples = 32;
  o->val_seconds = 4.0f;
}

/* A batch's dimensions: N sequences of T frames, F bands, B bins. */
typedef struct
{
  int n, t, f, n_bins, hop;
} BatchShape;

/* One batch as the loader hands it over: six arrays in one slot. */
typedef struct
{
  BatchShape shape;
  float *features;              /* (N, T, F) */
  float *target;                /* (N, T, F) ideal gains or UNDEFINED_GAIN */
  float *vad;                   /* (N, T) 1 where the clean frame has speech */
  float *noisy_spec;            /* (N, T, B complex), for synthloss.h */
  float *clean_mag;             /* (N, T, B) */
  float *clean;                 /* (N, T * hop) */
} Batch;

static BatchShape
batch_shape (int n, int t, const AeSpeechConfig * c, int n_bands)
{
  BatchShape s = { n, t, n_bands, c->hop + 1, c->hop };

  return s;                     /* window = 2 hops, so n_bins = hop + 1 */
}

static gsize
batch_floats (BatchShape s)
{
  return (gsize) s.n * s.t * (2 * s.f + 1 + 3 * s.n_bins + s.hop);
}

static Batch
batch_view (float *base, BatchShape s)
{
  gsize frames = (gsize) s.n * s.t;
  Batch b;

  b.shape = s;
  b.features = base;
  b.target = b.features + frames * s.f;
  b.vad = b.target + frames * s.f;
  b.noisy_spec = b.vad + frames;
  b.clean_mag = b.noisy_spec + frames * 2 * s.n_bins;
  b.clean = b.clean_mag + frames * s.n_bins;
  return b;
}

/* Turns one noisy/clean pair into features, targets and speech labels,
 * framing exactly as AeStream does (first frame: a hop of zeros, then the
 * first hop of signal). */
typedef struct
{
  AeSpectrum sp;
  float *frame_x, *frame_s;     /* (window) */
  float *spec_x, *spec_s;       /* (n_bins complex) */
  float *energy_s;              /* (n_bands) */
  float *frame_energy;          /* (T) clean energy per frame */
} Framer;

static gboolean
framer_init (Framer * fr, const AeSpeechConfig * c, int max_frames,
    GError ** error)
{
  memset (fr, 0, sizeof (*fr));
  if (!ae_spectrum_init (&fr->sp, c->sample_rate, c->hop, c->bands_per_erb,
          error))
    return FALSE;
  fr->frame_x = ae_alloc_floats (fr->sp.window);
  fr->frame_s = ae_alloc_floats (fr->sp.window);
  fr->spec_x = ae_alloc_floats (2 * fr->sp.n_bins);
  fr->spec_s = ae_alloc_floats (2 * fr->sp.n_bins);
  fr->energy_s = ae_alloc_floats (fr->sp.n_bands);
  fr->frame_energy = ae_alloc_floats (max_frames);
  return TRUE;
}

static void
framer_clear (Framer * fr)
{
  ae_spectrum_clear (&fr->sp);
  ae_free (fr->frame_x);
  ae_free (fr->frame_s);
  ae_free (fr->spec_x);
  ae_free (fr->spec_s);
  ae_free (fr->energy_s);
  ae_free (fr->frame_energy);
}

/* Fills sequence @seq of @batch from one noisy/clean pair. */
static void
framer_run (Framer * fr, const float *noisy, const float *clean, Batch * batch,
    int seq)
{
  int hop = fr->sp.hop, f = fr->sp.n_bands, nb = fr->sp.n_bins, t, b, k;
  int n_frames = batch->shape.t;
  gsize first = (gsize) seq * n_frames;
  float *features = batch->features + first * f;
  float *target = batch->target + first * f, *vad = batch->vad + first;
  float peak = 0.0f, threshold;

  memset (fr->frame_x, 0, sizeof (float) * fr->sp.window);
  memset (fr->frame_s, 0, sizeof (float) * fr->sp.window);
  for (t = 0; t < n_frames; t++) {
    float *feat = features + (gsize) t * f, *tgt = target + (gsize) t * f;
    float *energy_x = tgt;      /* borrowed until the targets overwrite it */
    float total = 0.0f;

    memmove (fr->frame_x, fr->frame_x + hop, sizeof (float) * hop);
    memcpy (fr->frame_x + hop, noisy + (gsize) t * hop, sizeof (float) * hop);
    memmove (fr->frame_s, fr->frame_s + hop, sizeof (float) * hop);
    memcpy (fr->frame_s + hop, clean + (gsize) t * hop, sizeof (float) * hop);
    ae_spectrum_analyze (&fr->sp, fr->spec_x, fr->frame_x);
    ae_spectrum_analyze (&fr->sp, fr->spec_s, fr->frame_s);
    memcpy (batch->noisy_spec + (first + t) * 2 * nb, fr->spec_x,
        sizeof (float) * 2 * nb);
    for (k = 0; k < nb; k++)
      batch->clean_mag[(first + t) * nb + k] =
          hypotf (fr->spec_s[2 * k], fr->spec_s[2 * k + 1]);
    ae_spectrum_band_energy (&fr->sp, energy_x, fr->spec_x);
    ae_spectrum_band_energy (&fr->sp, fr->energy_s, fr->spec_s);
    ae_spectrum_features (&fr->sp, feat, energy_x);
    for (b = 0; b < f; b++) {
      float ex = energy_x[b], es = fr->energy_s[b];
      total += es;
      tgt[b] = ex < SILENT_BAND_ENERGY ? UNDEFINED_GAIN :
          MIN (1.0f, sqrtf (es / ex));
    }
    fr->frame_energy[t] = total;
    peak = MAX (peak, total);
  }
  memcpy (batch->clean + first * hop, clean, sizeof (float) * n_frames * hop);
  /* Speech where the clean frame is within 40 dB of the loudest one. */
  threshold = MAX (peak * 1e-4f, 1e-9f);
  for (t = 0; t < n_frames; t++)
    vad[t] = fr->frame_energy[t] > threshold ? 1.0f : 0.0f;
}

/* The loader thread's state: fills batch @index, deterministically. */
typedef struct
{
  const AeSpeechTrainOptions *o;
  const AeClipSet *speech, *noise;
  AeMixConfig mix;
  Framer framer;
  float *noisy, *clean;         /* (T * hop) */
  int n_bands;
} Producer;

static void
produce_batch (gpointer slot, gsize slot_bytes, guint64 index,
    gpointer user_data)
{
  Producer *p = user_data;
  const AeSpeechTrainOptions *o = p->o;
  int n = o->batch, t = o->seq_frames, s;
  gsize n_samples = (gsize) t * o->config.hop;
  Batch b = batch_view (slot, batch_shape (n, t, &o->config, p->n_bands));

  for (s = 0; s < n; s++) {
    guint64 seed = ae_rng_derive (o->seed, index * n + s);
    ae_mix_example (p->speech, p->noise, &p->mix, seed, p->noisy, p->clean,
        n_samples);
    framer_run (&p->framer, p->noisy, p->clean, &b, s);
  }
}

/* What the loss needs besides the network and the batch. */
typedef struct
{
  float vad_weight, distortion_weight, spectral_weight, sisdr_weight;
  AeSpectrum sp;                /* the main thread's own; the loader has one */
  AeSynthLoss synth;
} LossContext;

static gboolean
loss_context_init (LossContext * lc, const AeSpeechTrainOptions * o,
    int max_frames, GError ** error)
{
  memset (lc, 0, sizeof (*lc));
  lc->vad_weight = o->vad_weight;
  lc->distortion_weight = o->distortion_weight;
  lc->spectral_weight = o->spectral_weight;
  lc->sisdr_weight = o->sisdr_weight;
  if (!ae_spectrum_init (&lc->sp, o->config.sample_rate, o->config.hop,
          o->config.bands_per_erb, error))
    return FALSE;
  ae_synth_loss_init (&lc->synth, &lc->sp, max_frames);
  return TRUE;
}

static void
loss_context_clear (LossContext * lc)
{
  if (lc->synth.sp)
    ae_synth_loss_clear (&lc->synth);
  ae_spectrum_clear (&lc->sp);
}

/* The loss's normalisers, from the whole batch, so that shards add up to
 * the batch's loss. */
typedef struct
{
  float gain_scale;             /* 1 / defined gains in the batch */
  float vad_scale;              /* vad_weight / frames in the batch */
  int n_seqs;                   /* sequences in the batch */
} LossScale;

static LossScale
loss_scale (const LossContext * lc, Batch b)
{
  gsize k, n = (gsize) b.shape.n * b.shape.t * b.shape.f, n_defined = 0;
  LossScale ls;

  for (k = 0; k < n; k++)
    n_defined += b.target[k] >= 0.0f;
  ls.gain_scale = 1.0f / MAX (n_defined, 1);
  ls.vad_scale = lc->vad_weight / (float) ((gsize) b.shape.n * b.shape.t);
  ls.n_seqs = b.shape.n;
  return ls;
}

/* The terms on the rebuilt signal (synthloss.h), averaged over the
 * batch's sequences, for acts' sequences, which are the batch's from
 * @s0; gradients are added to acts' gain columns. */
static double
synth_loss (LossContext * lc, const AeSpeechNet * net, AeSpeechActs * acts,
    Batch b, int s0, const LossScale * ls, gboolean want_grad)
{
  int cols = net->arch.n_bands + 1, t = acts->t, s;
  int pad = net->buffers[net->out_buf].pad, nb = b.shape.n_bins;
  double sum = 0.0;

  if (lc->spectral_weight == 0.0f && lc->sisdr_weight == 0.0f)
    return 0.0;
  for (s = 0; s < acts->n; s++) {
    gsize row = (gsize) s * (pad + t) + pad, first = (gsize) (s0 + s) * t;
    sum += ae_synth_loss_sequence (&lc->synth, b.noisy_spec + first * 2 * nb,
        b.clean_mag + first * nb, b.clean + first * b.shape.hop,
        acts->buf[net->out_buf] + row * cols, cols, t,
        lc->spectral_weight / ls->n_seqs, lc->sisdr_weight / ls->n_seqs,
        want_grad ? acts->grad[net->out_buf] + row * cols : NULL, NULL);
  }
  return sum;
}

/* Loss of the network's output in acts against a batch; with @want_grad
 * also writes d loss / d output into acts->grad[out_buf].
 *   gains: mean over defined bands of (sqrt g - sqrt g*)^2 + (g - g*)^2;
 *   the square-root term weighs errors in quiet bands as the ear does
 *   (RNNoise's choice), the linear one keeps the loud bands exact.
 *   speech: binary cross-entropy, weighted by vad_weight;
 *   plus the weighted spectral and SI-SDR terms of synth_loss. */
static double
speech_loss (LossContext * lc, const AeSpeechNet * net, AeSpeechActs * acts,
    Batch b, int s0, const LossScale * ls, gboolean want_grad)
{
  float distortion_weight = lc->distortion_weight;
  float gain_scale = ls->gain_scale, vad_scale = ls->vad_scale;
  int f = net->arch.n_bands, cols = f + 1, n = acts->n, t = acts->t;
  int pad = net->buffers[net->out_buf].pad, s, r, k;
  double gain_sum = 0.0, vad_sum = 0.0;

  for (s = 0; s < n; s++)
    for (r = 0; r < t; r++) {
      gsize row = ((gsize) s * (pad + t) + pad + r) * cols;
      gsize frame = (gsize) (s0 + s) * t + r;
      const float *out = acts->buf[net->out_buf] + row;
      float *grad = want_grad ? acts->grad[net->out_buf] + row : NULL;
      const float *tgt = b.target + frame * f;
      float v = b.vad[frame];
      float p = CLAMP (out[f], 1e-6f, 1.0f - 1e-6f);

      for (k = 0; k < f; k++) {
        float g = MAX (out[k], 1e-12f), gt = tgt[k], d;
        float w = g < gt ? distortion_weight : 1.0f;
        if (gt < 0.0f)
          continue;
        d = sqrtf (g) - sqrtf (gt);
        gain_sum += w * (d * d + (g - gt) * (g - gt));
        if (grad)
          grad[k] = w * gain_scale * ((1.0f - sqrtf (gt / g)) +
              2.0f * (g - gt));
      }
      vad_sum -= v * logf (p) + (1.0f - v) * logf (1.0f - p);
      if (grad)
        grad[f] = vad_scale * (p - v) / (p * (1.0f - p));
    }
  return gain_sum * gain_scale + vad_sum * vad_scale +
      synth_loss (lc, net, acts, b, s0, ls, want_grad);
}

/* The features of the batch's sequences from @s0 into acts. */
static void
load_batch_features (const AeSpeechNet * net, AeSpeechActs * acts, Batch b,
    int s0)
{
  int f = net->arch.n_bands, s;

  for (s = 0; s < acts->n; s++)
    memcpy (ae_speech_acts_row (acts, net, net->in_buf, s),
        b.features + (gsize) (s0 + s) * acts->t * f,
        sizeof (float) * acts->t * f);
}

/* --- the step, in shards --- */

typedef struct
{
  int s0;                       /* the batch's sequences [s0, s0 + acts.n) */
  AeSpeechActs acts;
  LossContext lc;
  float *grads;                 /* this shard's gradient */
  double loss;
} Shard;

typedef struct
{
  const AeSpeechNet *net;
  const float *params;
  Batch batch;
  LossScale scale;
  Shard *shards;
  int n_shards;
  float *grads;                 /* the sum */
} Step;

static void
shard_task (int task, int thread, gpointer data)
{
  Step *st = data;
  Shard *sh = &st->shards[task];
  const AeSpeechNet *net = st->net;

  (void) thread;
  load_batch_features (net, &sh->acts, st->batch, sh->s0);
  ae_speechnet_forward (net, &sh->acts, st->params);
  ae_speech_acts_zero_grad (&sh->acts, net);
  sh->loss = speech_loss (&sh->lc, net, &sh->acts, st->batch, sh->s0,
      &st->scale, TRUE);
  memset (sh->grads, 0, sizeof (float) * net->n_params);
  ae_speechnet_backward (net, &sh->acts, st->params, sh->grads);
}

/* Parameters per task of the gradient sum. */
#define SUM_BLOCK 4096

/* grads [block] = the shards' gradients, added in shard order. */
static void
sum_task (int task, int thread, gpointer data)
{
  Step *st = data;
  gsize i0 = (gsize) task * SUM_BLOCK;
  gsize i1 = MIN (i0 + SUM_BLOCK, st->net->n_params), i;
  int k;

  (void) thread;
  memcpy (st->grads + i0, st->shards[0].grads + i0, sizeof (float) *
      (i1 - i0));
  for (k = 1; k < st->n_shards; k++)
    for (i = i0; i < i1; i++)
      st->grads[i] += st->shards[k].grads[i];
}

/* Forward, loss and backward of batch @b; the gradient into st->grads.
 * Returns the loss. */
static double
step_run (Step * st, Batch b, AeThreadPool * pool)
{
  double loss = 0.0;
  int k;

  st->batch = b;
  st->scale = loss_scale (&st->shards[0].lc, b);
  ae_threadpool_run (pool, st->n_shards, shard_task, st);
  ae_threadpool_run (pool, (int) ((st->net->n_params + SUM_BLOCK - 1) /
          SUM_BLOCK), sum_task, st);
  for (k = 0; k < st->n_shards; k++)
    loss += st->shards[k].loss;
  return loss;
}

static void
step_clear (Step * st)
{
  int k;

  for (k = 0; st->shards && k < st->n_shards; k++) {
    ae_speech_acts_free (&st->shards[k].acts);
    loss_context_clear (&st->shards[k].lc);
    ae_free (st->shards[k].grads);
  }
  g_free (st->shards);
  st->shards = NULL;
}

static gboolean
step_init (Step * st, const AeSpeechNet * net, const AeSpeechTrainOptions * o,
    const float *params, float *grads, GError ** error)
{
  int k;

  memset (st, 0, sizeof (*st));
  st->net = net;
  st->params = params;
  st->grads = grads;
  st->n_shards = (o->batch + SHARD_SEQS - 1) / SHARD_SEQS;
  st->shards = g_new0 (Shard, st->n_shards);
  for (k = 0; k < st->n_shards; k++) {
    Shard *sh = &st->shards[k];

    sh->s0 = k * SHARD_SEQS;
    if (!loss_context_init (&sh->lc, o, o->seq_frames, error))
      return FALSE;
    sh->grads = ae_alloc_floats (net->n_params);
    if (!sh->grads || !ae_speech_acts_alloc (&sh->acts, net,
            MIN (SHARD_SEQS, o->batch - sh->s0), o->seq_frames, TRUE)) {
      g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
          "out of memory for batch %d x %d frames", o->batch,
          o->seq_frames);
      return FALSE;
    }
  }
  return TRUE;
}

/* The held-out mixtures, made once. */
typedef struct
{
  int n, n_frames;
  gsize n_samples;
  float *noisy, *clean;         /* (n, n_samples) */
  BatchShape shape;
  float *batch;                 /* batch_floats (shape) */
  AeSpeechActs acts;
} ValSet;

static gboolean
val_set_init (ValSet * v, const AeSpeechTrainOptions * o,
    const AeSpeechNet * net, const AeClipSet * speech,
    const AeClipSet * noise, GError ** error)
{
  AeMixConfig mix;
  Framer fr;
  int i;
  Batch b;

  memset (v, 0, sizeof (*v));
  v->n = o->val_examples;
  v->n_frames = (int) (o->val_seconds * o->config.sample_rate /
      o->config.hop);
  v->n_samples = (gsize) v->n_frames * o->config.hop;
  v->noisy = ae_alloc_floats (v->n * v->n_samples);
  v->clean = ae_alloc_floats (v->n * v->n_samples);
  v->shape = batch_shape (v->n, v->n_frames, &o->config, net->arch.n_bands);
  v->batch = ae_alloc_floats (batch_floats (v->shape));
  if (!framer_init (&fr, &o->config, v->n_frames, error))
    return FALSE;
  ae_mix_config_init_default (&mix, o->config.sample_rate);
  ae_mix_config_disable_augmentation (&mix);
  mix.snr_min_db = -5.0f;
  mix.snr_max_db = 20.0f;
  /* a change draws from its own random stream, so the examples that draw
   * none are the same as with no changes at all */
  mix.p_noise_change = o->val_noise_change;
  b = batch_view (v->batch, v->shape);
  for (i = 0; i < v->n; i++) {
    float *noisy = v->noisy + i * v->n_samples;
    float *clean = v->clean + i * v->n_samples;
    ae_mix_example (speech, noise, &mix, ae_rng_derive (o->seed ^
            0x5eed5eedull, i), noisy, clean, v->n_samples);
    framer_run (&fr, noisy, clean, &b, i);
  }
  framer_clear (&fr);
  return ae_speech_acts_alloc (&v->acts, net, v->n, v->n_frames, FALSE);
}

static void
val_set_clear (ValSet * v)
{
  ae_free (v->noisy);
  ae_free (v->clean);
  ae_free (v->batch);
  ae_speech_acts_free (&v->acts);
}

/* Validation loss (batched forward) and mean SI-SDR improvement through
 * AeStream, the element's own path. */
static void
validate (ValSet * v, LossContext * lc, const AeSpeechNet * net,
    const AeModel * model, double *loss, double *si_sdri)
{
  Batch b = batch_view (v->batch, v->shape);
  guint latency = ae_model_get_latency_samples (model);
  float *out = ae_alloc_floats (v->n_samples + latency);
  float *zeros = ae_alloc_floats (latency);
  double sum = 0.0;
  int i, counted = 0;

  LossScale ls = loss_scale (lc, b);

  load_batch_features (net, &v->acts, b, 0);
  ae_speechnet_forward (net, &v->acts, ae_model_get_params (model));
  *loss = speech_loss (lc, net, &v->acts, b, 0, &ls, FALSE);

  for (i = 0; i < v->n; i++) {
    const float *noisy = v->noisy + i * v->n_samples;
    const float *clean = v->clean + i * v->n_samples;
    AeStream *stream = ae_stream_new ((AeModel *) model, NULL);
    double energy = 0.0;
    gsize k;

    for (k = 0; k < v->n_samples; k++)
      energy += (double) clean[k] * clean[k];
    if (energy < 1e-6 * v->n_samples * 1e-4) {
      ae_stream_free (stream);
      continue;                 /* no speech: SI-SDR is undefined */
    }
    ae_stream_process (stream, out, noisy, v->n_samples);
    ae_stream_process (stream, out + v->n_samples, zeros, latency);
    sum += ae_si_sdr (out + latency, clean, v->n_samples) -
        ae_si_sdr (noisy, clean, v->n_samples);
    counted++;
    ae_stream_free (stream);
  }
  *si_sdri = counted ? sum / counted : 0.0;
  ae_free (out);
  ae_free (zeros);
}

static AeClipSet *
load_clips (const char *dir, const AeSpeechTrainOptions * o,
    const char *const *heldout, AeSplitPart part, double min_seconds,
    GError ** error)
{
  AeLoadOptions lo;
  GPtrArray *skipped = g_ptr_array_new_with_free_func (g_free);
  AeClipSet *set;
  guint i;

  ae_load_options_init (&lo);
  lo.rate = o->config.sample_rate;
  lo.min_seconds = min_seconds;
  lo.part = part;
  lo.heldout = heldout;
  lo.split_seed = o->seed;
  set = ae_clip_set_load (dir, &lo, skipped, error);
  for (i = 0; i < skipped->len; i++)
    g_printerr ("ae-train: skipped %s\n", (char *) skipped->pdata[i]);
  g_ptr_array_unref (skipped);
  return set;
}

/* Writes the best model so far with its training record.  Nothing that
 * varies between identical runs (times, host names) goes in, so the same
 * data, seed and thread count give the same bytes. */
static gboolean
save_model (const AeSpeechTrainOptions * o, const AeModel * model,
    const AeClipSet * speech, const AeClipSet * noise, guint64 step,
    double val_loss, double si_sdri, GError ** error)
{
  char *data = g_strdup_printf ("clean %s: %u files, %.2f h; noise %s: %u "
      "files, %.2f h; held out: %s", o->clean_dir, speech->n_clips,
      speech->total_seconds / 3600.0, o->noise_dir, noise->n_clips,
      noise->total_seconds / 3600.0, o->heldout_file ? o->heldout_file :
      "seeded 10% of folders");
  char *s_step = g_strdup_printf ("%" G_GUINT64_FORMAT, step);
  char *s_loss = g_strdup_printf ("%.6f", val_loss);
  char *s_sdri = g_strdup_printf ("%.3f", si_sdri);
  const char *meta[] = {
    "ae.task", "audio-denoise",
    "ae.training.command", o->command_line ? o->command_line : "",
    "ae.training.data", data,
    "ae.training.step", s_step,
    "ae.training.val_loss", s_loss,
    "ae.training.val_si_sdri_db", s_sdri,
    NULL
  };
  gboolean ok = ae_model_save (model, o->output, meta, error);

  g_free (data);
  g_free (s_step);
  g_free (s_loss);
  g_free (s_sdri);
  return ok;
}

gboolean
ae_train_speech (const AeSpeechTrainOptions * opts, GError ** error)
{
  AeSpeechTrainOptions o = *opts;
  char **heldout = NULL;
  AeClipSet *speech = NULL, *noise = NULL, *val_speech = NULL,
      *val_noise = NULL;
  AeSpeechNet net;
  Step step = { 0 };
  AeThreadPool *pool = NULL;
  AeOptimizer opt = { 0 };
  Producer prod = { 0 };
  AeLoader *loader = NULL;
  ValSet val = { 0 };
  LossContext lc = { 0 };
  float *params = NULL, *grads = NULL;
  FILE *log = NULL;
  AeCheckpointState state = { 0, G_MAXDOUBLE, 0 };
  AeProgress progress;
  guint64 start_step;
  double loss_ema = 0.0, flops_per_step;
  int f;
  gboolean ok = FALSE;

  if (!ae_speech_config_complete (&o.config, error)
      || !ae_speechnet_init (&net, &o.config.arch, error))
    return FALSE;
  f = net.arch.n_bands;
  o.config.arch = net.arch;
  /* The pool splits the batch; BLAS threads would compete with it. */
  openblas_set_num_threads (1);
  if (!(pool = ae_threadpool_new (MAX (o.threads, 1), error)))
    goto out;

  if (o.heldout_file && !(heldout = ae_heldout_list_read (o.heldout_file,
              error)))
    goto out;
  /* Speech clips shorter than a word are useless; noise of any length
   * loops. */
  if (!(speech = load_clips (o.clean_dir, &o, (const char *const *) heldout,
              AE_SPLIT_TRAIN, 0.2, error))
      || !(noise = load_clips (o.noise_dir, &o, (const char *const *) heldout,
              AE_SPLIT_TRAIN, 0.2, error))
      || !(val_speech = load_clips (o.clean_dir, &o,
              (const char *const *) heldout, AE_SPLIT_HELDOUT, 0.2, error))
      || !(val_noise = load_clips (o.noise_dir, &o,
              (const char *const *) heldout, AE_SPLIT_HELDOUT, 0.2, error)))
    goto out;
  if (o.epochs > 0.0) {
    /* An epoch: as many sequences as the clean speech holds end to end
     * (each is mixed anew, so no two epochs repeat). */
    double seq_s = (double) o.seq_frames * o.config.hop /
        o.config.sample_rate;
    o.steps = ae_cli_epochs_to_steps (o.epochs, speech->total_seconds /
        seq_s, o.batch);
    g_printerr ("ae-train: %g epochs = %" G_GUINT64_FORMAT " steps\n",
        o.epochs, o.steps);
  }
  g_printerr ("ae-train: speech %u files (%.2f h), noise %u files (%.2f h); "
      "held out: speech %u files, noise %u files\n", speech->n_clips,
      speech->total_seconds / 3600, noise->n_clips,
      noise->total_seconds / 3600, val_speech->n_clips, val_noise->n_clips);

  params = ae_alloc_floats (net.n_params);
  grads = ae_alloc_floats (net.n_params);
  ae_speechnet_init_params (&net, params, o.seed);
  if (!ae_optimizer_init (&opt, &o.optim, net.n_params)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "out of memory for the optimiser's state");
    goto out;
  }
  if (!step_init (&step, &net, &o, params, grads, error))
    goto out;
  if (o.init) {
    AeModel *init = ae_model_new_from_file (o.init, error);
    const AeSpeechConfig *ic = init ? ae_model_get_speech_config (init) : NULL;
    if (!init)
      goto out;
    if (ic->sample_rate != o.config.sample_rate || ic->hop != o.config.hop) {
      g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
          "--init %s: its rate (%u Hz, hop %u) differs from the one asked "
          "for (%u Hz, hop %u)", o.init, ic->sample_rate, ic->hop,
          o.config.sample_rate, o.config.hop);
      ae_model_unref (init);
      goto out;
    }
    /* A file with fewer blocks grows: its layers are copied and the new
     * blocks keep their near-identity start. */
    if (!ae_speechnet_copy_layers (&net, params,
            ae_model_get_speechnet (init), ae_model_get_params (init),
            error)) {
      g_prefix_error (error, "--init %s: ", o.init);
      ae_model_unref (init);
      goto out;
    }
    if (ic->arch.n_blocks < o.config.arch.n_blocks)
      g_printerr ("ae-train: --init %s has %d blocks; blocks %d to %d start "
          "near the identity\n", o.init, ic->arch.n_blocks, ic->arch.n_blocks,
          o.config.arch.n_blocks - 1);
    ae_model_unref (init);
  }
  ae_optimizer_start_average (&opt, params);
  if (o.resume && !ae_checkpoint_resume (o.resume, "speech", params, &opt,
          &state, error))
    goto out;
  start_step = state.step;
  if (!val_set_init (&val, &o, &net, val_speech, val_noise, error)
      || !loss_context_init (&lc, &o, MAX (o.seq_frames, val.n_frames),
          error))
    goto out;

  prod.o = &o;
  prod.speech = speech;
  prod.noise = noise;
  prod.n_bands = f;
  ae_mix_config_init_default (&prod.mix, o.config.sample_rate);
  prod.mix.snr_min_db = o.snr_min_db;
  prod.mix.snr_max_db = o.snr_max_db;
  prod.mix.p_noise_change = o.noise_change;
  if (!o.augment)
    ae_mix_config_disable_augmentation (&prod.mix);
  prod.noisy = ae_alloc_floats ((gsize) o.seq_frames * o.config.hop);
  prod.clean = ae_alloc_floats ((gsize) o.seq_frames * o.config.hop);
  if (!framer_init (&prod.framer, &o.config, o.seq_frames, error))
    goto out;
  loader = ae_loader_new (3, sizeof (float) * batch_floats (batch_shape
          (o.batch, o.seq_frames, &o.config, f)), produce_batch, &prod,
      state.step);

  if (!ae_checkpoint_open_log (o.log_path, o.resume != NULL,
          "step,train_loss,val_loss,val_si_sdri_db,lr,grad_norm,seconds",
          &log, error))
    goto out;

  flops_per_step = 6.0 * ae_speechnet_macs_per_frame (&net) * o.batch *
      o.seq_frames;
  g_printerr ("ae-train: %" G_GSIZE_FORMAT " parameters, %d bands, %.1f "
      "MFLOP per step\n", net.n_params, f, flops_per_step / 1e6);
  if (opt.ema)
    g_printerr ("ae-train: validating and saving the weights' moving "
        "average (decay %g)\n", o.optim.ema_decay);
  ae_progress_init (&progress, start_step, o.steps, o.batch, flops_per_step);

  while (state.step < o.steps
      && !g_atomic_int_get (&ae_train_interrupted)) {
    float *slot = ae_loader_acquire (loader);
    Batch b = batch_view (slot, batch_shape (o.batch, o.seq_frames,
            &o.config, f));
    float lr = ae_schedule_lr (o.schedule, o.lr, state.step, o.steps,
        o.warmup);
    double loss;
    float norm;

    loss = step_run (&step, b, pool);
    ae_loader_release (loader, slot);
    if (!isfinite (loss)) {
      g_set_error (error, AE_ERROR, AE_ERROR_VALUE,
          "loss became %f at step %" G_GUINT64_FORMAT "; the last good "
          "model is in %s", loss, state.step, o.output);
      goto out;
    }
    norm = ae_clip_grad_norm (grads, net.n_params, o.clip);
    ae_optimizer_step (&opt, params, grads, lr);
    state.step++;
    loss_ema = state.step - start_step == 1 ? loss :
        0.98 * loss_ema + 0.02 * loss;
    ae_progress_step (&progress, state.step, loss_ema, lr);

    if (state.step % o.val_every == 0 || state.step == o.steps) {
      double val_loss, si_sdri;
      AeModel *model = ae_model_new_speech (&o.config,
          ae_optimizer_eval_params (&opt, params), NULL, error);
      if (!model)
        goto out;
      validate (&val, &lc, &net, model, &val_loss, &si_sdri);
      ae_progress_break (&progress);
      g_printerr ("val step %" G_GUINT64_FORMAT ": loss %.4f, SI-SDRi "
          "%.2f dB%s\n", state.step, val_loss, si_sdri,
          val_loss < state.best_val ? " (best)" : "");
      if (log) {
        fprintf (log, "%" G_GUINT64_FORMAT ",%.6f,%.6f,%.3f,%.3e,%.4f,%.0f\n",
            state.step, loss_ema, val_loss, si_sdri, lr, norm,
            ae_progress_seconds (&progress));
        fflush (log);
      }
      if (val_loss < state.best_val) {
        state.best_val = val_loss;
        state.bad_vals = 0;
        if (!save_model (&o, model, speech, noise, state.step, val_loss,
                si_sdri, error)) {
          ae_model_unref (model);
          goto out;
        }
      } else {
        state.bad_vals++;
      }
      ae_model_unref (model);
      if (o.checkpoint && !ae_checkpoint_save (o.checkpoint, "speech",
              params, &opt, &state, error))
        goto out;
      if (o.patience > 0 && state.bad_vals >= o.patience) {
        g_printerr ("ae-train: no better validation loss in %d checks; "
            "stopping early\n", state.bad_vals);
        break;
      }
    }
  }
  if (g_atomic_int_get (&ae_train_interrupted)) {
    if (o.checkpoint && !ae_checkpoint_save (o.checkpoint, "speech", params,
            &opt, &state, error))
      goto out;
    ae_progress_break (&progress);
    g_printerr ("ae-train: interrupted at step %" G_GUINT64_FORMAT
        "; checkpoint %s\n", state.step, o.checkpoint ? o.checkpoint :
        "(none)");
  } else {
    g_printerr ("ae-train: %" G_GUINT64_FORMAT " steps in %.0f s, %.2f "
        "GFLOP/s in the network; best validation loss %.4f\n",
        state.step - start_step, ae_progress_seconds (&progress),
        ae_progress_gflops (&progress, state.step), state.best_val);
  }
  ok = TRUE;

out:
  if (log)
    fclose (log);
  if (loader)
    ae_loader_free (loader);
  framer_clear (&prod.framer);
  ae_free (prod.noisy);
  ae_free (prod.clean);
  val_set_clear (&val);
  loss_context_clear (&lc);
  step_clear (&step);
  if (pool)
    ae_threadpool_free (pool);
  ae_optimizer_clear (&opt);
  ae_free (params);
  ae_free (grads);
  if (speech)
    ae_clip_set_free (speech);
  if (noise)
    ae_clip_set_free (noise);
  if (val_speech)
    ae_clip_set_free (val_speech);
  if (val_noise)
    ae_clip_set_free (val_noise);
  g_strfreev (heldout);
  return ok;
}
