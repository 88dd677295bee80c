/* mixer.c: one noisy/clean example from a seed.
 *
 * Cheap by design: the generator must outrun training by far (the target
 * is 200 s of 48 kHz audio per CPU second), so every effect is a
 * recursive filter or a table lookup.  Filters are RBJ-cookbook biquads
 * and first-order sections, designed and run in double; reverb is a
 * Freeverb-style bank of 4 damped combs and 2 allpasses rather than a
 * convolution; noise samples are Irwin-Hall sums of four 16-bit uniforms,
 * near enough to Gaussian for noise and much cheaper than Box-Muller.
 *
 * Each part draws from its own stream, ae_rng_derive (seed, part), so
 * changing how the noise is made does not change which speech is drawn.
 */
#include "mixer.h"

#include "rng.h"

#include <math.h>
#include <string.h>

#define ACTIVE_FRAME_SECONDS 0.01
#define ACTIVE_RANGE 1e-4       /* 40 dB, in energy */
#define FADE_SECONDS 0.005      /* fade-in where a clip starts mid-way */
#define CHANGE_FADE_MIN_SECONDS 0.005
#define CHANGE_FADE_MAX_SECONDS 0.5
#define CHANGE_SWAP_DB 10.0     /* second noise within +-this of the first */
/* What is left of a unit-power noise once an onset or offset has cut it
 * can be an EQ filter's decaying tail of denormals; scaled to the SNR it
 * would overflow.  Below this power (-80 dB) it counts as no noise. */
#define CHANGE_SILENT_POWER 1e-8
/* A source quieter than this (-200 dB) is silence: brought to unit power
 * its gain would overflow a float. */
#define SILENT_POWER 1e-20
#define HUM_TABLE_SIZE 1024
#define MAX_HUM_HARMONICS 40
#define N_COMBS 4
#define N_ALLPASSES 2
#define TONE_TABLE_SIZE 1024
#define TONE_BLOCK 32           /* samples between pitch updates */
#define TONE_MAX_HZ 0.4         /* highest fundamental, in units of the rate */

enum
{
  STREAM_TOP,                   /* mode, SNR, level */
  STREAM_SPEECH,                /* clips, offsets, gaps */
  STREAM_SPEECH_AUG,            /* speed, EQ, band limit, reverb */
  STREAM_NOISE,
  STREAM_NOISE_CHANGE,          /* its own, so examples without a change
                                 * are the bytes they were before it */
};

typedef enum
{
  SOURCE_CLIP,
  SOURCE_COLORED,
  SOURCE_HUM,
  SOURCE_CLICKS,
  SOURCE_BABBLE,
  SOURCE_TONES,
  N_SOURCE_KINDS
} SourceKind;

void
ae_mix_config_init_default (AeMixConfig * cfg, guint rate)
{
  g_return_if_fail (cfg != NULL);

  memset (cfg, 0, sizeof (*cfg));
  cfg->rate = rate;
  cfg->snr_min_db = -5.0f;
  cfg->snr_max_db = 25.0f;
  cfg->level_min_dbfs = -40.0f;
  cfg->level_max_dbfs = -1.0f;
  cfg->max_gap_seconds = 0.5f;
  cfg->p_speed = 0.5f;
  cfg->speed_min = 0.85f;
  cfg->speed_max = 1.15f;
  cfg->p_clip_gain = 0.5f;
  cfg->clip_gain_db = 3.0f;
  cfg->p_eq = 0.5f;
  cfg->eq_db = 12.0f;
  cfg->p_bandlimit = 0.15f;
  cfg->p_reverb = 0.15f;
  cfg->max_noise_sources = 3;
  cfg->weight_clip = 0.45f;
  cfg->weight_colored = 0.2f;
  cfg->weight_hum = 0.1f;
  cfg->weight_clicks = 0.1f;
  cfg->weight_babble = 0.1f;
  cfg->weight_tones = 0.05f;
  cfg->p_noise_speed = 0.5f;
  cfg->noise_speed_min = 0.7f;
  cfg->noise_speed_max = 1.4f;
  cfg->p_noise_am = 0.3f;
  cfg->p_noise_eq = 0.4f;
  cfg->p_noise_change = 0.0f;
  cfg->p_noise_only = 0.05f;
  cfg->p_clean_only = 0.05f;
}

void
ae_mix_config_disable_augmentation (AeMixConfig * cfg)
{
  g_return_if_fail (cfg != NULL);

  cfg->p_speed = 0.0f;
  cfg->p_clip_gain = 0.0f;
  cfg->p_eq = 0.0f;
  cfg->p_bandlimit = 0.0f;
  cfg->p_reverb = 0.0f;
  cfg->max_noise_sources = 1;
  cfg->weight_clip = 1.0f;
  cfg->weight_colored = 0.0f;
  cfg->weight_hum = 0.0f;
  cfg->weight_clicks = 0.0f;
  cfg->weight_babble = 0.0f;
  cfg->weight_tones = 0.0f;
  cfg->p_noise_speed = 0.0f;
  cfg->p_noise_am = 0.0f;
  cfg->p_noise_eq = 0.0f;
  cfg->p_noise_change = 0.0f;
  cfg->p_noise_only = 0.0f;
  cfg->p_clean_only = 0.0f;
}

/* --- small helpers --- */

static inline double
db_to_gain (double db)
{
  return pow (10.0, db / 20.0);
}

/* Log-uniform in [lo, hi). */
static double
log_range (AeRng * rng, double lo, double hi)
{
  return exp (ae_rng_range (rng, log (lo), log (hi)));
}

static gboolean
chance (AeRng * rng, float p)
{
  /* Always draws, so the stream does not shift when p is 0 or 1. */
  return ae_rng_uniform (rng) < p;
}

/* Approximately standard normal: Irwin-Hall sum of four 16-bit uniforms,
 * whose standard deviation is 65536 / sqrt (3). */
static inline float
fast_gauss (AeRng * rng)
{
  guint64 r = ae_rng_next (rng);
  gint32 s = (gint32) (r & 0xffff) + (gint32) ((r >> 16) & 0xffff) +
      (gint32) ((r >> 32) & 0xffff) + (gint32) (r >> 48);

  return (float) (s - 131070) * (float) (1.7320508 / 65536.0);
}

static double
mean_square (const float *x, gsize n)
{
  double sum = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    sum += (double) x[i] * x[i];
  return n ? sum / n : 0.0;
}

static float
peak_abs (const float *x, gsize n)
{
  float peak = 0.0f;
  gsize i;

  for (i = 0; i < n; i++)
    peak = MAX (peak, fabsf (x[i]));
  return peak;
}

static void
scale (float *x, gsize n, float gain)
{
  gsize i;

  for (i = 0; i < n; i++)
    x[i] *= gain;
}

double
ae_mix_active_power (const float *clean, gsize n_samples, guint rate)
{
  gsize frame = MAX ((gsize) (rate * ACTIVE_FRAME_SECONDS), 1);
  gsize n_frames = (n_samples + frame - 1) / frame;
  double max_energy = 0.0, threshold, sum = 0.0;
  gsize f, n_active = 0;
  double *energy;

  g_return_val_if_fail (clean != NULL || n_samples == 0, 0.0);

  if (n_frames == 0)
    return 0.0;
  energy = g_new (double, n_frames);
  for (f = 0; f < n_frames; f++) {
    gsize len = MIN (frame, n_samples - f * frame);

    /* per-sample mean, so a short last frame compares fairly */
    energy[f] = mean_square (clean + f * frame, len);
    max_energy = MAX (max_energy, energy[f]);
  }
  threshold = max_energy * ACTIVE_RANGE;
  for (f = 0; f < n_frames; f++) {
    gsize len = MIN (frame, n_samples - f * frame);

    if (energy[f] > 0.0 && energy[f] >= threshold) {
      sum += energy[f] * len;
      n_active += len;
    }
  }
  g_free (energy);
  return n_active ? sum / n_active : 0.0;
}

/* --- filters --- */

typedef struct
{
  double b0, b1, b2, a1, a2;
} Biquad;

typedef enum
{
  BIQUAD_LOWPASS,
  BIQUAD_HIGHPASS,
  BIQUAD_LOWSHELF,
  BIQUAD_HIGHSHELF,
  BIQUAD_PEAK,
} BiquadType;

/* RBJ Audio EQ Cookbook.  @q is the quality factor (shelves use it for
 * their slope too: 0.707 is the steepest without overshoot). */
static void
biquad_design (Biquad * bq, BiquadType type, double rate, double f0,
    double q, double gain_db)
{
  double w0 = 2.0 * G_PI * f0 / rate;
  double cw = cos (w0), sw = sin (w0);
  double alpha = sw / (2.0 * q);
  double a = pow (10.0, gain_db / 40.0);
  double sa = 2.0 * sqrt (a) * alpha;
  double b0, b1, b2, a0, a1, a2;

  switch (type) {
    case BIQUAD_LOWPASS:
      b0 = (1.0 - cw) / 2.0;
      b1 = 1.0 - cw;
      b2 = b0;
      a0 = 1.0 + alpha;
      a1 = -2.0 * cw;
      a2 = 1.0 - alpha;
      break;
    case BIQUAD_HIGHPASS:
      b0 = (1.0 + cw) / 2.0;
      b1 = -(1.0 + cw);
      b2 = b0;
      a0 = 1.0 + alpha;
      a1 = -2.0 * cw;
      a2 = 1.0 - alpha;
      break;
    case BIQUAD_LOWSHELF:
      b0 = a * ((a + 1.0) - (a - 1.0) * cw + sa);
      b1 = 2.0 * a * ((a - 1.0) - (a + 1.0) * cw);
      b2 = a * ((a + 1.0) - (a - 1.0) * cw - sa);
      a0 = (a + 1.0) + (a - 1.0) * cw + sa;
      a1 = -2.0 * ((a - 1.0) + (a + 1.0) * cw);
      a2 = (a + 1.0) + (a - 1.0) * cw - sa;
      break;
    case BIQUAD_HIGHSHELF:
      b0 = a * ((a + 1.0) + (a - 1.0) * cw + sa);
      b1 = -2.0 * a * ((a - 1.0) + (a + 1.0) * cw);
      b2 = a * ((a + 1.0) + (a - 1.0) * cw - sa);
      a0 = (a + 1.0) - (a - 1.0) * cw + sa;
      a1 = 2.0 * ((a - 1.0) - (a + 1.0) * cw);
      a2 = (a + 1.0) - (a - 1.0) * cw - sa;
      break;
    case BIQUAD_PEAK:
    default:
      b0 = 1.0 + alpha * a;
      b1 = -2.0 * cw;
      b2 = 1.0 - alpha * a;
      a0 = 1.0 + alpha / a;
      a1 = -2.0 * cw;
      a2 = 1.0 - alpha / a;
      break;
  }
  bq->b0 = b0 / a0;
  bq->b1 = b1 / a0;
  bq->b2 = b2 / a0;
  bq->a1 = a1 / a0;
  bq->a2 = a2 / a0;
}

/* In place, transposed direct form II, from a zero state. */
static void
biquad_run (const Biquad * bq, float *x, gsize n)
{
  double s1 = 0.0, s2 = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    double in = x[i];
    double out = bq->b0 * in + s1;

    s1 = bq->b1 * in - bq->a1 * out + s2;
    s2 = bq->b2 * in - bq->a2 * out;
    x[i] = (float) out;
  }
}

/* 1-3 random shelves and peaks of up to +-@max_db, below 0.45 rate. */
static void
random_eq (AeRng * rng, float *x, gsize n, double rate, double max_db)
{
  double f_top = MIN (10000.0, 0.4 * rate);
  guint n_filters = 1 + (guint) ae_rng_below (rng, 3);
  guint i;

  for (i = 0; i < n_filters; i++) {
    guint type = (guint) ae_rng_below (rng, 3);
    double gain_db = ae_rng_range (rng, -max_db, max_db);
    Biquad bq;

    if (type == 0)
      biquad_design (&bq, BIQUAD_LOWSHELF, rate,
          log_range (rng, 60.0, 600.0), G_SQRT2 / 2.0, gain_db);
    else if (type == 1)
      biquad_design (&bq, BIQUAD_HIGHSHELF, rate,
          log_range (rng, MIN (1500.0, f_top / 2.0), f_top),
          G_SQRT2 / 2.0, gain_db);
    else
      biquad_design (&bq, BIQUAD_PEAK, rate, log_range (rng, 100.0, f_top),
          log_range (rng, 0.5, 4.0), gain_db);
    biquad_run (&bq, x, n);
  }
}

/* Phone / wideband-codec band: 4th-order Butterworth lowpass at 3.4-8 kHz
 * (at most 0.45 rate), half the time with a 2nd-order highpass at
 * 80-300 Hz.  Returns the cutoff. */
static double
band_limit (AeRng * rng, float *x, gsize n, double rate)
{
  double cutoff = MIN (log_range (rng, 3400.0, 8000.0), 0.45 * rate);
  Biquad bq;

  biquad_design (&bq, BIQUAD_LOWPASS, rate, cutoff, 0.5411961, 0.0);
  biquad_run (&bq, x, n);
  biquad_design (&bq, BIQUAD_LOWPASS, rate, cutoff, 1.3065630, 0.0);
  biquad_run (&bq, x, n);
  if (chance (rng, 0.5f)) {
    biquad_design (&bq, BIQUAD_HIGHPASS, rate, log_range (rng, 80.0, 300.0),
        G_SQRT2 / 2.0, 0.0);
    biquad_run (&bq, x, n);
  }
  return cutoff;
}

/* wet = dry + k * tail, where tail is a Freeverb-style late reverb
 * (RT60 0.1-0.5 s) and k gives a direct-to-reverberant energy ratio of
 * 3-15 dB.  The direct path is not delayed, so wet stays aligned with
 * the dry target. */
static void
add_reverb (AeRng * rng, float *wet, const float *dry, gsize n, double rate)
{
  static const double comb_ms[N_COMBS] = { 29.7, 37.1, 41.1, 43.7 };
  static const double allpass_ms[N_ALLPASSES] = { 5.0, 1.7 };
  double size = ae_rng_range (rng, 0.6, 1.4);
  double rt60 = ae_rng_range (rng, 0.1, 0.5);
  double damp = ae_rng_range (rng, 0.05, 0.4);
  double drr_db = ae_rng_range (rng, 3.0, 15.0);
  gsize comb_len[N_COMBS], ap_len[N_ALLPASSES], comb_pos[N_COMBS] = { 0 },
      ap_pos[N_ALLPASSES] = { 0 };
  float *comb_buf[N_COMBS], *ap_buf[N_ALLPASSES];
  float comb_gain[N_COMBS], comb_filt[N_COMBS] = { 0 };
  double e_dry, e_tail, k;
  gsize i;
  guint c;

  for (c = 0; c < N_COMBS; c++) {
    comb_len[c] = MAX ((gsize) (comb_ms[c] * size * rate / 1000.0), 1);
    comb_gain[c] = (float) pow (10.0, -3.0 * comb_len[c] / (rt60 * rate));
    comb_buf[c] = g_new0 (float, comb_len[c]);
  }
  for (c = 0; c < N_ALLPASSES; c++) {
    ap_len[c] = MAX ((gsize) (allpass_ms[c] * size * rate / 1000.0), 1);
    ap_buf[c] = g_new0 (float, ap_len[c]);
  }

  for (i = 0; i < n; i++) {
    float x = dry[i], y = 0.0f;

    for (c = 0; c < N_COMBS; c++) {
      float out = comb_buf[c][comb_pos[c]];

      comb_filt[c] = out * (1.0f - (float) damp) + comb_filt[c] * (float) damp;
      comb_buf[c][comb_pos[c]] = x + comb_gain[c] * comb_filt[c];
      if (++comb_pos[c] == comb_len[c])
        comb_pos[c] = 0;
      y += out;
    }
    for (c = 0; c < N_ALLPASSES; c++) {
      float out = ap_buf[c][ap_pos[c]];

      ap_buf[c][ap_pos[c]] = y + 0.5f * out;
      if (++ap_pos[c] == ap_len[c])
        ap_pos[c] = 0;
      y = out - y;
    }
    wet[i] = y;
  }
  for (c = 0; c < N_COMBS; c++)
    g_free (comb_buf[c]);
  for (c = 0; c < N_ALLPASSES; c++)
    g_free (ap_buf[c]);

  e_dry = mean_square (dry, n);
  e_tail = mean_square (wet, n);
  k = e_tail > 0.0 ? sqrt (e_dry / (e_tail * pow (10.0, drr_db / 10.0))) : 0;
  for (i = 0; i < n; i++)
    wet[i] = dry[i] + (float) k *wet[i];
}

/* --- speech --- */

static void
group_range (const AeClipSet * set, guint g, guint * lo, guint * hi)
{
  if (set->group_offsets == NULL || set->n_groups == 0) {
    *lo = 0;
    *hi = set->n_clips;
  } else {
    *lo = set->group_offsets[g];
    *hi = set->group_offsets[g + 1];
  }
}

/* A group with probability proportional to the square root of its
 * duration (a middle way between every voice alike and every second
 * alike), then a clip of it with probability proportional to its
 * duration.  @group_cum: cumulative group weights, n_groups of them. */
static const AeClip *
pick_speech_clip (const AeClipSet * set, const double *group_cum,
    guint n_groups, AeRng * rng)
{
  double u = ae_rng_uniform (rng) * group_cum[n_groups - 1];
  guint g = 0, lo, hi, i;
  double total = 0.0;

  while (g + 1 < n_groups && group_cum[g] <= u)
    g++;
  group_range (set, g, &lo, &hi);
  for (i = lo; i < hi; i++)
    total += (double) set->clips[i].n_samples;
  u = ae_rng_uniform (rng) * total;
  for (i = lo; i + 1 < hi; i++) {
    u -= (double) set->clips[i].n_samples;
    if (u < 0.0)
      break;
  }
  return &set->clips[i];
}

static double *
group_weights (const AeClipSet * set, guint * n_groups_out)
{
  guint n_groups = set->group_offsets ? MAX (set->n_groups, 1) : 1;
  double *cum = g_new (double, n_groups);
  double acc = 0.0;
  guint g, lo, hi, i;

  for (g = 0; g < n_groups; g++) {
    double samples = 0.0;

    group_range (set, g, &lo, &hi);
    for (i = lo; i < hi; i++)
      samples += (double) set->clips[i].n_samples;
    acc += sqrt (samples);
    cum[g] = acc;
  }
  *n_groups_out = n_groups;
  return cum;
}

/* Writes src read from position @pos in steps of @step (source samples
 * per output sample; Catmull-Rom cubic between samples) to out, until
 * @n_out samples or the end of src.  Returns the samples written. */
static gsize
resample_copy (float *out, gsize n_out, const float *src, gsize n_src,
    gsize pos, double step)
{
  gsize i;

  if (pos >= n_src)
    return 0;
  if (step == 1.0) {
    gsize n = MIN (n_out, n_src - pos);

    memcpy (out, src + pos, n * sizeof (float));
    return n;
  }
  for (i = 0; i < n_out; i++) {
    double x = pos + i * step;
    gsize k = (gsize) x;
    float t = (float) (x - k);
    float xm1, x0, x1, x2;

    if (k >= n_src)
      break;
    if (k >= 1 && k + 2 < n_src) {
      xm1 = src[k - 1];
      x0 = src[k];
      x1 = src[k + 1];
      x2 = src[k + 2];
    } else {
      xm1 = k >= 1 ? src[k - 1] : 0.0f;
      x0 = src[k];
      x1 = k + 1 < n_src ? src[k + 1] : 0.0f;
      x2 = k + 2 < n_src ? src[k + 2] : 0.0f;
    }
    out[i] = x0 + 0.5f * t * ((x1 - xm1) + t * ((2.0f * xm1 - 5.0f * x0 +
                4.0f * x1 - x2) + t * (3.0f * (x0 - x1) + x2 - xm1)));
  }
  return i;
}

/* Fills @clean with clips and silent gaps.  The first clip starts at a
 * random offset (the example begins mid-speech), later ones at their
 * start unless far longer than the room left.  Returns the clip count. */
static guint
build_speech (float *clean, gsize n, const AeClipSet * speech,
    const AeMixConfig * cfg, AeRng * rng, double speed, gboolean clip_gain)
{
  gsize max_gap = (gsize) (cfg->max_gap_seconds * cfg->rate);
  gsize fade = MAX ((gsize) (FADE_SECONDS * cfg->rate), 1);
  guint n_groups, n_clips = 0;
  double *group_cum = group_weights (speech, &n_groups);
  gsize pos = 0;

  memset (clean, 0, n * sizeof (float));
  if (ae_rng_uniform (rng) < 0.5)
    pos = (gsize) ae_rng_below (rng, max_gap + 1);
  while (pos < n) {
    const AeClip *clip = pick_speech_clip (speech, group_cum, n_groups, rng);
    gsize room = n - pos, start = 0, written, i;
    double out_len = clip->n_samples / speed;
    float gain = 1.0f;

    if (clip->n_samples == 0) {
      pos++;                    /* a hand-made set; nothing to copy */
      continue;
    }
    if (n_clips == 0)
      start = (gsize) ae_rng_below (rng, clip->n_samples);
    else if (out_len > 2.0 * room)
      start = (gsize) ae_rng_below (rng,
          clip->n_samples - (gsize) (room * speed));
    if (clip_gain)
      gain = (float) db_to_gain (ae_rng_range (rng, -cfg->clip_gain_db,
              cfg->clip_gain_db));

    written = resample_copy (clean + pos, room, clip->samples,
        clip->n_samples, start, speed);
    if (gain != 1.0f)
      scale (clean + pos, written, gain);
    if (start > 0) {
      for (i = 0; i < MIN (fade, written); i++)
        clean[pos + i] *= (float) (0.5 - 0.5 * cos (G_PI * i / fade));
    }
    pos += MAX (written, 1);
    pos += (gsize) ae_rng_below (rng, max_gap + 1);
    n_clips++;
  }
  g_free (group_cum);
  return n_clips;
}

/* --- noise sources; each writes n samples of any level --- */

/* @n samples of @clip from @pos on, looped, read at @speed source
 * samples per output sample. */
static void
loop_clip (float *out, gsize n, const AeClip * clip, gsize pos, double speed)
{
  gsize done = 0;

  while (done < n) {
    gsize len = resample_copy (out + done, n - done, clip->samples,
        clip->n_samples, pos, speed);

    if (len == 0 && pos == 0)
      break;                    /* a clip shorter than one step */
    done += len;
    pos = 0;
  }
  if (done < n)
    memset (out + done, 0, (n - done) * sizeof (float));
}

/* A uniformly drawn noise clip from a random offset, looped; with
 * probability p_noise_speed resampled by a log-uniform factor, which
 * moves its spectrum and its rhythm together, as a faster fan or a
 * bigger engine would.  The speed is drawn only when it can be used, so
 * a configuration without it draws what it always drew. */
static void
noise_clip (float *out, gsize n, const AeClipSet * noise,
    const AeMixConfig * cfg, AeRng * rng)
{
  const AeClip *clip = &noise->clips[ae_rng_below (rng, noise->n_clips)];
  double speed = 1.0;
  gsize pos;

  if (clip->n_samples == 0) {
    memset (out, 0, n * sizeof (float));
    return;
  }
  pos = (gsize) ae_rng_below (rng, clip->n_samples);
  if (cfg->p_noise_speed > 0.0f && chance (rng, cfg->p_noise_speed)
      && cfg->noise_speed_min > 0.0f
      && cfg->noise_speed_max >= cfg->noise_speed_min)
    speed = log_range (rng, cfg->noise_speed_min, cfg->noise_speed_max +
        1e-9);
  loop_clip (out, n, clip, pos, speed);
}

/* Noise with a spectral slope of -6 .. +3 dB/octave: white noise through
 * pole-zero pairs, one pair per 2 octaves from 20 Hz up.  A pair with its
 * pole at fp and zero at fz = fp * 2^(-2 slope / 6) contributes
 * -6 dB/octave between them, so their average over 2 octaves is the
 * slope (ripple about 1 dB). */
static void
noise_colored (float *out, gsize n, double rate, AeRng * rng)
{
  double slope_db = ae_rng_range (rng, -6.0, 3.0);
  float ap[8], az[8], x1[8] = { 0 }, y1[8] = { 0 };
  guint n_sec = 0, s;
  double fp;
  gsize i;

  for (fp = 20.0; fp < rate / 2.0 && n_sec < G_N_ELEMENTS (ap); fp *= 4.0) {
    double fz = fp * pow (2.0, -2.0 * slope_db / 6.0);

    ap[n_sec] = (float) exp (-2.0 * G_PI * fp / rate);
    az[n_sec] = (float) exp (-2.0 * G_PI * fz / rate);
    n_sec++;
  }
  for (i = 0; i < n; i++) {
    float x = fast_gauss (rng);

    for (s = 0; s < n_sec; s++) {
      float y = x - az[s] * x1[s] + ap[s] * y1[s];

      x1[s] = x;
      y1[s] = y;
      x = y;
    }
    out[i] = x;
  }
}

/* Mains hum: 50 or 60 Hz +-1 %, harmonics up to 4 kHz with random
 * decaying levels and phases, odd ones favoured half the time (a buzz),
 * played from a one-period table with linear interpolation. */
static void
noise_hum (float *out, gsize n, double rate, AeRng * rng)
{
  float table[HUM_TABLE_SIZE + 1];
  double f0 = (chance (rng, 0.5f) ? 50.0 : 60.0) * ae_rng_range (rng, 0.99,
      1.01);
  double decay = ae_rng_range (rng, 0.3, 1.5);
  gboolean buzz = chance (rng, 0.5f);
  guint n_harm = (guint) (MIN (4000.0, 0.45 * rate) / f0), k, j;
  double phase, inc;
  gsize i;

  n_harm = CLAMP (n_harm, 1, MAX_HUM_HARMONICS);
  memset (table, 0, sizeof (table));
  for (k = 1; k <= n_harm; k++) {
    double amp = k == 1 ? 1.0 : ae_rng_uniform (rng) * pow (k, -decay);
    double phi = ae_rng_range (rng, 0.0, 2.0 * G_PI);
    double c = cos (2.0 * G_PI * k / HUM_TABLE_SIZE);
    double s = sin (2.0 * G_PI * k / HUM_TABLE_SIZE);
    double re = cos (phi), im = sin (phi), t;

    if (buzz && k % 2 == 0)
      amp *= 0.2;
    /* a rotating phasor instead of a sin () per entry */
    for (j = 0; j < HUM_TABLE_SIZE; j++) {
      table[j] += (float) (amp * im);
      t = re * c - im * s;
      im = re * s + im * c;
      re = t;
    }
  }
  table[HUM_TABLE_SIZE] = table[0];

  phase = ae_rng_range (rng, 0.0, HUM_TABLE_SIZE);
  inc = f0 * HUM_TABLE_SIZE / rate;
  for (i = 0; i < n; i++) {
    guint idx = (guint) phase;
    float frac = (float) (phase - idx);

    out[i] = table[idx] + frac * (table[idx + 1] - table[idx]);
    phase += inc;
    if (phase >= HUM_TABLE_SIZE)
      phase -= HUM_TABLE_SIZE;
  }
}

/* Keyboard-like clicks and impulsive bursts: 0.5-10 per second at
 * Poisson times, each 2-30 ms of exponentially decaying, randomly
 * low-passed noise at -20..0 dB. */
static void
noise_clicks (float *out, gsize n, double rate, AeRng * rng)
{
  double per_second = log_range (rng, 0.5, 10.0);
  double t = -log (1.0 - ae_rng_uniform (rng)) / per_second * rate;
  gboolean any = FALSE;

  memset (out, 0, n * sizeof (float));
  for (;;) {
    gsize start, len, j;
    double dur, decay;
    float amp, env, lp, state = 0.0f;

    if (t >= n) {
      if (any)
        break;
      t = (double) ae_rng_below (rng, n);       /* at least one click */
    }
    any = TRUE;
    start = (gsize) t;
    dur = ae_rng_range (rng, 0.002, 0.03) * rate;
    decay = exp (-ae_rng_range (rng, 3.0, 6.0) / MAX (dur, 1.0));
    amp = (float) db_to_gain (ae_rng_range (rng, -20.0, 0.0));
    lp = (float) ae_rng_range (rng, 0.0, 0.9);
    len = MIN ((gsize) dur + 1, n - start);
    env = amp;
    for (j = 0; j < len; j++) {
      state = (1.0f - lp) * fast_gauss (rng) + lp * state;
      out[start + j] += env * state;
      env *= (float) decay;
    }
    t += -log (1.0 - ae_rng_uniform (rng)) / per_second * rate;
  }
}

/* Babble: 4-10 talkers drawn from the speech set, each a clip looped
 * from a random offset at unit power times -6..0 dB.  The training set's
 * own voices, so no held-out voice leaks in as noise; with this many at
 * once no single one stands out as a second talker to keep. */
static void
noise_babble (float *out, float *talker, gsize n, const AeClipSet * speech,
    AeRng * rng)
{
  guint n_talkers = 4 + (guint) ae_rng_below (rng, 7), k;
  gsize i;

  memset (out, 0, n * sizeof (float));
  for (k = 0; k < n_talkers; k++) {
    const AeClip *clip = &speech->clips[ae_rng_below (rng, speech->n_clips)];
    double gain_db = ae_rng_range (rng, -6.0, 0.0), ms;
    float g;

    if (clip->n_samples == 0)
      continue;
    loop_clip (talker, n, clip, (gsize) ae_rng_below (rng, clip->n_samples),
        1.0);
    ms = mean_square (talker, n);
    if (ms <= SILENT_POWER)
      continue;
    g = (float) (db_to_gain (gain_db) / sqrt (ms));
    for (i = 0; i < n; i++)
      out[i] += g * talker[i];
  }
}

/* Alarms, sirens, beeps and whistles: a tone of 1-4 harmonics with its
 * fundamental at 300-3500 Hz, held steady, swept up and down like a
 * siren (0.1-2 Hz, up to an octave) or warbled (4-12 Hz, up to a
 * semitone), and half the time keyed on and off in a beep pattern
 * (period 0.15-1.5 s, 5 ms ramps).  Played from a one-period table; the
 * pitch is updated every TONE_BLOCK samples. */
static void
noise_tones (float *out, gsize n, double rate, AeRng * rng)
{
  float table[TONE_TABLE_SIZE + 1];
  double f0 = log_range (rng, 300.0, 3500.0);
  guint n_harm = 1 + (guint) ae_rng_below (rng, 4), k, j, mode;
  double lfo_hz, depth_oct, lfo_phase, f_top, phase = 0.0;
  gboolean keyed = chance (rng, 0.5f);
  double period = log_range (rng, 0.15, 1.5) * rate;
  double duty = ae_rng_range (rng, 0.3, 0.7);
  double ramp = 0.005 * rate;
  gsize i;

  mode = (guint) ae_rng_below (rng, 3);       /* steady, siren, warble */
  lfo_hz = mode == 1 ? log_range (rng, 0.1, 2.0) : log_range (rng, 4.0,
      12.0);
  depth_oct = mode == 1 ? ae_rng_range (rng, 0.1, 1.0) :
      mode == 2 ? ae_rng_range (rng, 0.01, 1.0 / 12.0) : 0.0;
  lfo_phase = ae_rng_range (rng, 0.0, 1.0);
  f_top = MIN (f0 * pow (2.0, depth_oct), TONE_MAX_HZ * rate);

  memset (table, 0, sizeof (table));
  for (k = 1; k <= n_harm; k++) {
    double amp = k == 1 ? 1.0 : ae_rng_uniform (rng) / k;

    if (k > 1 && k * f_top >= 0.45 * rate)
      break;                    /* no harmonic may alias, even swept up */
    for (j = 0; j < TONE_TABLE_SIZE; j++)
      table[j] += (float) (amp * sin (2.0 * G_PI * k * j / TONE_TABLE_SIZE));
  }
  table[TONE_TABLE_SIZE] = table[0];

  for (i = 0; i < n; i += TONE_BLOCK) {
    double t = (double) i / rate;
    double lfo = sin (2.0 * G_PI * (lfo_hz * t + lfo_phase));
    double f = MIN (f0 * pow (2.0, depth_oct * lfo), TONE_MAX_HZ * rate);
    double inc = f * TONE_TABLE_SIZE / rate;
    gsize end = MIN (i + TONE_BLOCK, n), m;

    for (m = i; m < end; m++) {
      guint idx = (guint) phase;
      float frac = (float) (phase - idx);
      float env = 1.0f;

      if (keyed) {
        double in_cycle = fmod ((double) m, period), on = duty * period;

        env = in_cycle >= on ? 0.0f : (float) MIN (1.0, MIN (in_cycle,
                on - in_cycle) / ramp);
      }
      out[m] = env * (table[idx] + frac * (table[idx + 1] - table[idx]));
      phase += inc;
      while (phase >= TONE_TABLE_SIZE)
        phase -= TONE_TABLE_SIZE;
    }
  }
}

/* Slow random level changes: knots every 0.1-2 s at +-depth/2 dB
 * (depth 3-20 dB), linear in between. */
static void
apply_am (float *x, gsize n, double rate, AeRng * rng)
{
  gsize step = MAX ((gsize) (log_range (rng, 0.1, 2.0) * rate), 1);
  double depth = ae_rng_range (rng, 3.0, 20.0);
  float g0 = (float) db_to_gain (ae_rng_range (rng, -depth / 2, depth / 2));
  gsize pos, i;

  for (pos = 0; pos < n; pos += step) {
    float g1 = (float) db_to_gain (ae_rng_range (rng, -depth / 2,
            depth / 2));
    gsize len = MIN (step, n - pos);

    for (i = 0; i < len; i++)
      x[pos + i] *= g0 + (g1 - g0) * (float) i / (float) step;
    g0 = g1;
  }
}

static SourceKind
pick_source_kind (const AeMixConfig * cfg, gboolean have_clips, AeRng * rng)
{
  float w[N_SOURCE_KINDS], total = 0.0f, u;
  guint k;

  w[SOURCE_CLIP] = have_clips ? MAX (cfg->weight_clip, 0.0f) : 0.0f;
  w[SOURCE_COLORED] = MAX (cfg->weight_colored, 0.0f);
  w[SOURCE_HUM] = MAX (cfg->weight_hum, 0.0f);
  w[SOURCE_CLICKS] = MAX (cfg->weight_clicks, 0.0f);
  w[SOURCE_BABBLE] = MAX (cfg->weight_babble, 0.0f);
  w[SOURCE_TONES] = MAX (cfg->weight_tones, 0.0f);
  for (k = 0; k < N_SOURCE_KINDS; k++)
    total += w[k];
  u = (float) ae_rng_uniform (rng) * total;
  if (total <= 0.0f)
    return SOURCE_COLORED;
  for (k = 0; k + 1 < N_SOURCE_KINDS; k++) {
    if (u < w[k])
      break;
    u -= w[k];
  }
  /* skip trailing zero weights that rounding could land on */
  while (w[k] <= 0.0f && k > 0)
    k--;
  return (SourceKind) k;
}

/* Sums 1 .. max_noise_sources sources into @out, each at unit power
 * times a random -15..0 dB (the first at 0 dB); then AM and EQ.  With no
 * source kind allowed, white noise.  Returns the number of sources. */
static guint
build_noise (float *out, float *scratch, float *scratch2, gsize n,
    const AeClipSet * speech, const AeClipSet * noise,
    const AeMixConfig * cfg, AeRng * rng)
{
  gboolean have_clips = noise != NULL && noise->n_clips > 0;
  guint max_sources = CLAMP (cfg->max_noise_sources, 1, 3);
  guint n_sources = 1 + (guint) ae_rng_below (rng, max_sources), s;
  gboolean white_only = !have_clips && cfg->weight_colored <= 0.0f &&
      cfg->weight_hum <= 0.0f && cfg->weight_clicks <= 0.0f &&
      cfg->weight_babble <= 0.0f && cfg->weight_tones <= 0.0f;
  gsize i;

  memset (out, 0, n * sizeof (float));
  for (s = 0; s < n_sources; s++) {
    SourceKind kind = pick_source_kind (cfg, have_clips, rng);
    double gain_db = s == 0 ? 0.0 : ae_rng_range (rng, -15.0, 0.0);
    double ms;
    float g;

    if (white_only) {
      for (i = 0; i < n; i++)
        scratch[i] = fast_gauss (rng);
    } else {
      switch (kind) {
        case SOURCE_CLIP:
          noise_clip (scratch, n, noise, cfg, rng);
          break;
        case SOURCE_HUM:
          noise_hum (scratch, n, cfg->rate, rng);
          break;
        case SOURCE_CLICKS:
          noise_clicks (scratch, n, cfg->rate, rng);
          break;
        case SOURCE_BABBLE:
          noise_babble (scratch, scratch2, n, speech, rng);
          break;
        case SOURCE_TONES:
          noise_tones (scratch, n, cfg->rate, rng);
          break;
        case SOURCE_COLORED:
        default:
          noise_colored (scratch, n, cfg->rate, rng);
          break;
      }
    }
    ms = mean_square (scratch, n);
    if (ms <= SILENT_POWER)
      continue;                 /* a silent stretch of a noise clip */
    g = (float) (db_to_gain (gain_db) / sqrt (ms));
    for (i = 0; i < n; i++)
      out[i] += g * scratch[i];
  }
  if (chance (rng, cfg->p_noise_am))
    apply_am (out, n, cfg->rate, rng);
  if (chance (rng, cfg->p_noise_eq))
    random_eq (rng, out, n, cfg->rate, cfg->eq_db);
  return n_sources;
}

/* The change of scene of AeMixConfig.p_noise_change, in place on @a, the
 * noise as built: an onset keeps @a only after the crossfade, an offset
 * only before it, a swap crossfades from @a to @b, a second noise built
 * the same way.  Both are first brought to unit power, so the drawn level
 * step is the one heard. */
static void
change_noise (float *a, float *b, gsize n, double rate, AeRng * rng,
    AeMixInfo * info)
{
  double u = ae_rng_uniform (rng), pa, pb, gb;
  gsize at, fade, i;

  info->noise_change = u < 0.25 ? AE_NOISE_CHANGE_ONSET :
      u < 0.5 ? AE_NOISE_CHANGE_OFFSET : AE_NOISE_CHANGE_SWAP;
  fade = (gsize) (log_range (rng, CHANGE_FADE_MIN_SECONDS,
          CHANGE_FADE_MAX_SECONDS) * rate);
  fade = CLAMP (fade, 1, n / 4);
  at = (gsize) (ae_rng_range (rng, 0.2, 0.8) * (double) n);
  at = MIN (at, n - fade);
  info->noise_change_at = at;
  info->noise_change_fade = fade;
  info->noise_change_db = 0.0;
  if (info->noise_change == AE_NOISE_CHANGE_SWAP)
    info->noise_change_db = ae_rng_range (rng, -CHANGE_SWAP_DB,
        CHANGE_SWAP_DB);

  pa = mean_square (a, n);
  pb = info->noise_change == AE_NOISE_CHANGE_SWAP ? mean_square (b, n) : 0.0;
  if (pa > SILENT_POWER)
    scale (a, n, (float) (1.0 / sqrt (pa)));
  gb = pb > SILENT_POWER ? db_to_gain (info->noise_change_db) / sqrt (pb) : 0.0;
  for (i = 0; i < n; i++) {
    /* w: how much of the first noise is left */
    float w = i < at ? 1.0f : i >= at + fade ? 0.0f :
        1.0f - (float) (i - at) / (float) fade;
    float second = info->noise_change == AE_NOISE_CHANGE_SWAP ?
        (float) gb * b[i] : 0.0f;

    switch (info->noise_change) {
      case AE_NOISE_CHANGE_ONSET:
        a[i] *= 1.0f - w;
        break;
      case AE_NOISE_CHANGE_OFFSET:
        a[i] *= w;
        break;
      default:
        a[i] = w * a[i] + (1.0f - w) * second;
        break;
    }
  }
  if (mean_square (a, n) < CHANGE_SILENT_POWER)
    memset (a, 0, n * sizeof (float));
}

/* --- the example --- */

void
ae_mix_example (const AeClipSet * speech, const AeClipSet * noise,
    const AeMixConfig * cfg, guint64 seed, float *noisy, float *clean,
    gsize n_samples)
{
  ae_mix_example_full (speech, noise, cfg, seed, noisy, clean, NULL,
      n_samples, NULL);
}

void
ae_mix_example_full (const AeClipSet * speech, const AeClipSet * noise,
    const AeMixConfig * cfg, guint64 seed, float *noisy, float *clean,
    float *noise_out, gsize n_samples, AeMixInfo * info)
{
  AeRng top, rng_speech, rng_aug, rng_noise;
  AeMixInfo local;
  gboolean noise_only, clean_only;
  float *scratch, *noise_buf, *wet, *own_noise = NULL;
  double snr_db, level_dbfs, u, speed = 1.0;
  gboolean do_speed, do_clip_gain, do_eq, do_band, do_reverb;
  float peak, gain;
  gsize i;

  g_return_if_fail (speech != NULL && speech->n_clips > 0);
  g_return_if_fail (cfg != NULL && cfg->rate > 0);
  g_return_if_fail (speech->rate == cfg->rate);
  g_return_if_fail (noise == NULL || noise->n_clips == 0 ||
      noise->rate == cfg->rate);
  g_return_if_fail (noisy != NULL && clean != NULL);

  if (info == NULL)
    info = &local;
  memset (info, 0, sizeof (*info));
  if (n_samples == 0)
    return;

  ae_rng_init (&top, ae_rng_derive (seed, STREAM_TOP));
  ae_rng_init (&rng_speech, ae_rng_derive (seed, STREAM_SPEECH));
  ae_rng_init (&rng_aug, ae_rng_derive (seed, STREAM_SPEECH_AUG));
  ae_rng_init (&rng_noise, ae_rng_derive (seed, STREAM_NOISE));

  u = ae_rng_uniform (&top);
  noise_only = u < cfg->p_noise_only;
  clean_only = !noise_only && u < cfg->p_noise_only + cfg->p_clean_only;
  snr_db = ae_rng_range (&top, cfg->snr_min_db, cfg->snr_max_db);
  if (cfg->snr_max_db <= cfg->snr_min_db)
    snr_db = cfg->snr_min_db;
  level_dbfs = ae_rng_range (&top, cfg->level_min_dbfs, cfg->level_max_dbfs);
  level_dbfs = MIN (level_dbfs, 0.0);

  do_speed = chance (&rng_aug, cfg->p_speed);
  if (do_speed)
    speed = ae_rng_range (&rng_aug, cfg->speed_min, cfg->speed_max);
  do_clip_gain = chance (&rng_aug, cfg->p_clip_gain);
  do_eq = chance (&rng_aug, cfg->p_eq);
  do_band = chance (&rng_aug, cfg->p_bandlimit);
  do_reverb = chance (&rng_aug, cfg->p_reverb);
  if (!(speed > 0.1 && speed < 10.0))
    speed = 1.0;

  scratch = g_new (float, n_samples);
  if (noise_out != NULL) {
    noise_buf = noise_out;
  } else {
    own_noise = g_new (float, n_samples);
    noise_buf = own_noise;
  }

  /* Noise first, at unit-ish power; scratch and clean (not yet written)
   * are its working space and free again after it. */
  if (clean_only) {
    memset (noise_buf, 0, n_samples * sizeof (float));
  } else {
    AeRng rng_change;

    info->n_noise_sources = build_noise (noise_buf, scratch, clean,
        n_samples, speech, noise, cfg, &rng_noise);
    ae_rng_init (&rng_change, ae_rng_derive (seed, STREAM_NOISE_CHANGE));
    if (chance (&rng_change, cfg->p_noise_change)) {
      float *second = g_new (float, n_samples);

      /* The second noise is drawn whatever the kind of change, so the
       * kind does not shift the stream. */
      build_noise (second, scratch, clean, n_samples, speech, noise, cfg,
          &rng_change);
      change_noise (noise_buf, second, n_samples, cfg->rate, &rng_change,
          info);
      g_free (second);
    }
  }

  /* Speech: the target, then (optionally) the reverberant version of it
   * in scratch, which is what the noisy side hears. */
  wet = clean;
  if (noise_only) {
    memset (clean, 0, n_samples * sizeof (float));
  } else {
    info->n_speech_clips = build_speech (clean, n_samples, speech, cfg,
        &rng_speech, speed, do_clip_gain);
    info->speed = speed;
    if (do_eq)
      random_eq (&rng_aug, clean, n_samples, cfg->rate, cfg->eq_db);
    if (do_band)
      info->bandlimit_hz = band_limit (&rng_aug, clean, n_samples, cfg->rate);
    if (do_reverb) {
      add_reverb (&rng_aug, scratch, clean, n_samples, cfg->rate);
      wet = scratch;
      info->reverb = TRUE;
    }
  }

  /* The SNR, on the dry target's active power. */
  info->snr_db = NAN;
  if (!clean_only && !noise_only) {
    double ps = ae_mix_active_power (clean, n_samples, cfg->rate);
    double pn = mean_square (noise_buf, n_samples);

    /* No overflow: a noise here is silent or within 80 dB of unit power
     * (SILENT_POWER, CHANGE_SILENT_POWER). */
    if (ps > 0.0 && pn > 0.0) {
      scale (noise_buf, n_samples,
          (float) sqrt (ps / (pn * pow (10.0, snr_db / 10.0))));
      info->snr_db = snr_db;
    }
  }
  info->noise_only = noise_only;
  info->clean_only = clean_only;

  /* Level: the noisy peak at level_dbfs, the same gain everywhere. */
  peak = 0.0f;
  for (i = 0; i < n_samples; i++)
    peak = MAX (peak, fabsf (wet[i] + noise_buf[i]));
  gain = peak > 0.0f ? (float) (db_to_gain (level_dbfs) / peak) : 1.0f;
  info->gain = 1.0;
  for (;;) {
    float top_peak;

    scale (clean, n_samples, gain);
    scale (noise_buf, n_samples, gain);
    if (wet != clean)
      scale (wet, n_samples, gain);
    for (i = 0; i < n_samples; i++)
      noisy[i] = wet[i] + noise_buf[i];
    info->gain *= gain;
    /* The target can out-peak the mixture where noise cancels it. */
    top_peak = MAX (peak_abs (noisy, n_samples), peak_abs (clean, n_samples));
    if (top_peak <= 1.0f)
      break;
    gain = 0.999f / top_peak;
  }

  g_free (own_noise);
  g_free (scratch);
}
