/* mixer.h: noisy/clean training pairs, synthesised on the fly.
 *
 * One call makes one example from a 64-bit seed and nothing else, so an
 * example is reproducible from (clip sets, config, seed) on any thread and
 * in any order.  Speech: random clips with random start offsets and silent
 * gaps, then speed perturbation, random EQ, band-limiting, all of which the
 * clean target shares.  Reverberation, when drawn, goes into the noisy
 * input only: the target stays dry.  Noise: a sum of 1 to 3 sources (a
 * recorded or generated noise clip at a random speed, coloured noise,
 * mains hum, clicks, babble of other talkers, alarm-like tones),
 * with slow level changes and random EQ, scaled to a random SNR.  Last, a
 * random overall level.
 *
 * SNR definition: 10 log10 (active speech power / noise power), where the
 * speech power is the mean square of the dry clean target over its active
 * 10 ms frames (frames whose energy is within 40 dB of the loudest frame's;
 * gaps and silences do not dilute it) and the noise power is the mean
 * square of the noise over the whole example.
 *
 * Not here: loading (audio-data.h), batching and threads (loader.h).
 */
#ifndef AE_MIXER_H
#define AE_MIXER_H

#include "audio-data.h"

G_BEGIN_DECLS

typedef struct
{
  guint rate;                   /* Hz; must equal both clip sets' rate */

  float snr_min_db, snr_max_db; /* SNR drawn uniformly in [min, max] */
  /* Peak of the noisy signal drawn uniformly (in dB) in [min, max] dBFS;
   * the clean target gets the same gain.  Nothing ever exceeds 1. */
  float level_min_dbfs, level_max_dbfs;
  float max_gap_seconds;        /* silent gaps between clips: 0 .. this */

  /* Speech augmentation (each a probability per example). */
  float p_speed;                /* resample by a factor in [speed_min,
                                 * speed_max]: pitch and tempo change */
  float speed_min, speed_max;
  float p_clip_gain;            /* each clip's gain in +-clip_gain_db */
  float clip_gain_db;
  float p_eq;                   /* 1-3 biquads: shelves, peaks, +-eq_db */
  float eq_db;
  float p_bandlimit;            /* lowpass at 3.4-8 kHz (phone, G.722),
                                 * half the time with a 80-300 Hz highpass */
  float p_reverb;               /* light reverb on the noisy input only:
                                 * RT60 0.1-0.5 s, direct-to-reverberant
                                 * ratio 3-15 dB */

  /* Noise.  1 .. max_noise_sources sources, each of a kind drawn with
   * these relative weights (a weight of 0 disables the kind; the clip
   * kind is impossible when the noise set is empty). */
  guint max_noise_sources;
  float weight_clip;            /* a noise clip at a random offset, looped */
  float weight_colored;         /* slope -6 .. +3 dB/octave */
  float weight_hum;             /* 50/60 Hz +-1 % with random harmonics */
  float weight_clicks;          /* keyboard-like clicks and bursts */
  float weight_babble;          /* 4-10 talkers of the speech set at once */
  float weight_tones;           /* alarms, sirens, beeps, whistles */
  float p_noise_speed;          /* a noise clip played at a speed in
                                 * [noise_speed_min, noise_speed_max]:
                                 * its spectrum and texture shift */
  float noise_speed_min, noise_speed_max;
  float p_noise_am;             /* slow random level changes, 3-20 dB */
  float p_noise_eq;             /* 1-3 biquads on the noise sum */
  /* The scene changes once, at 20-80 % of the example, over a 5-500 ms
   * crossfade: a quarter of the time a noise starts from silence, a
   * quarter it stops, half the time it gives way to a second, independent
   * noise 10 dB quieter to 10 dB louder.  Without it every example's noise
   * is there from its first sample, and a network that has only ever
   * started cold learns to take seconds to follow a new noise.  Off by
   * default, where the runs that made a model say what they used: the
   * 16 kHz model's last cycle used 0.1; 0.25 traded single-utterance
   * quality for it (models/speech-16k/README.md). */
  float p_noise_change;

  float p_noise_only;           /* clean target is silence */
  float p_clean_only;           /* no noise at all */
} AeMixConfig;

/* Defaults for @rate: SNR -5..25 dB, level -40..-1 dBFS, gaps up to
 * 0.5 s, speed 0.85-1.15 (p 0.5), clip gain +-3 dB (p 0.5), EQ (p 0.5,
 * +-12 dB), band-limit (p 0.15), reverb (p 0.15), up to 3 noise sources
 * (weights clip 0.45, colored 0.2, hum 0.1, clicks 0.1, babble 0.1,
 * tones 0.05), noise clips at speed 0.7-1.4 (p 0.5), AM (p 0.3), noise EQ
 * (p 0.4), no change of noise (p 0), noise only 0.05, clean only
 * 0.05. */
void ae_mix_config_init_default (AeMixConfig * cfg, guint rate);

/* Turns every augmentation off, for tests and validation sets: no speed,
 * clip gain, EQ, band-limit or reverb; exactly one noise source, a noise
 * clip at its own speed (white noise when the noise set is empty); no AM,
 * noise EQ or change of noise; never noise-only or clean-only.  Kept: the
 * SNR range, the level range and the gaps, which are what a mixture is,
 * not augmentation.  With it, noisy == clean + noise exactly. */
void ae_mix_config_disable_augmentation (AeMixConfig * cfg);

typedef enum
{
  AE_NOISE_CHANGE_NONE,
  AE_NOISE_CHANGE_ONSET,        /* silence, then noise */
  AE_NOISE_CHANGE_OFFSET,       /* noise, then silence */
  AE_NOISE_CHANGE_SWAP,         /* one noise, then another */
} AeNoiseChange;

/* What one example drew. */
typedef struct
{
  double snr_db;                /* NAN for noise-only and clean-only */
  double gain;                  /* final linear gain on all outputs */
  double speed;                 /* 1 when not drawn */
  double bandlimit_hz;          /* 0 when not drawn */
  gboolean reverb;
  gboolean noise_only;
  gboolean clean_only;
  guint n_noise_sources;
  guint n_speech_clips;
  AeNoiseChange noise_change;
  gsize noise_change_at;        /* first sample of the crossfade */
  gsize noise_change_fade;      /* its length in samples */
  double noise_change_db;       /* a swap: the second noise's power over
                                 * the first's; 0 otherwise */
} AeMixInfo;

/* Fills @noisy and @clean (n_samples each, at cfg->rate) with one
 * example; deterministic in (@speech, @noise, @cfg, @seed).  @noise may be
 * NULL or empty (procedural noise only).  Thread-safe: reads the sets
 * and the config only.  Allocates its scratch (about 2 floats per sample)
 * per call. */
void ae_mix_example (const AeClipSet * speech, const AeClipSet * noise,
    const AeMixConfig * cfg, guint64 seed, float *noisy, float *clean,
    gsize n_samples);

/* The same, and also: @noise_out (nullable) receives the noise as added,
 * with the final gain (noisy == reverberant clean + noise_out), and
 * @info (nullable) what was drawn.  ae_mix_example gives the same bytes. */
void ae_mix_example_full (const AeClipSet * speech, const AeClipSet * noise,
    const AeMixConfig * cfg, guint64 seed, float *noisy, float *clean,
    float *noise_out, gsize n_samples, AeMixInfo * info);

/* The speech power of the SNR definition above: mean square of @clean
 * over its active 10 ms frames (0 when all silent). */
double ae_mix_active_power (const float *clean, gsize n_samples, guint rate);

G_END_DECLS
#endif /* AE_MIXER_H */
