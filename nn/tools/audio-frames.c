/* audio-frames.c: see audio-frames.h. */
#include "audio-frames.h"

#include <math.h>
#include <string.h>

#include "tensor.h"

gboolean
ae_audio_frames_init (AeAudioFrames * af, const AeClipSet * clips,
    int frames, GError ** error)
{
  memset (af, 0, sizeof (*af));
  af->clips = clips;
  af->frames = frames;
  if (!ae_spectrum_init (&af->sp, (int) clips->rate, (int) clips->rate / 100,
          AE_AUDIO_FRAMES_BANDS_PER_ERB, error))
    return FALSE;
  af->spec = ae_alloc_floats (2 * af->sp.n_bins);
  af->energy = ae_alloc_floats (af->sp.n_bands);
  af->window = ae_alloc_floats (af->sp.window);
  return TRUE;
}

void
ae_audio_frames_clear (AeAudioFrames * af)
{
  ae_spectrum_clear (&af->sp);
  ae_free (af->spec);
  ae_free (af->energy);
  ae_free (af->window);
  memset (af, 0, sizeof (*af));
}

int
ae_audio_frames_n_in (const AeAudioFrames * af)
{
  return af->frames * af->sp.n_bands;
}

/* Features map into [0, 1] (see audio-frames.h) and back. */
static inline float
unit_of_feature (float feature)
{
  return CLAMP (feature / 3.0f + 0.5f, 0.0f, 1.0f);
}

static inline float
feature_of_unit (float unit)
{
  return (unit - 0.5f) * 3.0f;
}

/* The example of @frames frames starting at sample @start of @clip. */
static void
frames_at (AeAudioFrames * af, const AeClip * clip, gsize start, float *out)
{
  int hop = af->sp.hop, win = af->sp.window, t, b;
  gsize k;

  for (t = 0; t < af->frames; t++) {
    float *o = out + (gsize) t * af->sp.n_bands;
    for (k = 0; k < (gsize) win; k++) {
      gsize i = start + (gsize) t * hop + k;
      af->window[k] = i < clip->n_samples ? clip->samples[i] : 0.0f;
    }
    ae_spectrum_analyze (&af->sp, af->spec, af->window);
    ae_spectrum_band_energy (&af->sp, af->energy, af->spec);
    ae_spectrum_features (&af->sp, o, af->energy);
    for (b = 0; b < af->sp.n_bands; b++)
      o[b] = unit_of_feature (o[b]);
  }
}

/* Samples one example spans. */
static gsize
span_samples (const AeAudioFrames * af)
{
  return (gsize) (af->frames - 1) * af->sp.hop + af->sp.window;
}

void
ae_audio_frames_draw (AeAudioFrames * af, AeRng * rng, float *out)
{
  const AeClip *clip = &af->clips->clips[ae_rng_below (rng,
          af->clips->n_clips)];
  gsize span = span_samples (af), start = 0;

  if (clip->n_samples > span)
    start = ae_rng_below (rng, clip->n_samples - span + 1);
  frames_at (af, clip, start, out);
}

guint
ae_audio_frames_n_tiles (const AeAudioFrames * af, guint clip)
{
  gsize n = af->clips->clips[clip].n_samples, span = span_samples (af);
  gsize step = (gsize) af->frames * af->sp.hop;

  return n <= span ? 1 : (guint) ((n - span) / step + 1);
}

void
ae_audio_frames_tile (AeAudioFrames * af, guint clip, guint index,
    float *out)
{
  frames_at (af, &af->clips->clips[clip], (gsize) index * af->frames *
      af->sp.hop, out);
}

void
ae_audio_frames_render (AeSpectrum * sp, const float *example, int frames,
    AeRng * rng, float *out)
{
  int hop = sp->hop, nb = sp->n_bands, t, b, k;
  float *noise = ae_alloc_floats (sp->window);
  float *spec = ae_alloc_floats (2 * sp->n_bins);
  float *have = ae_alloc_floats (nb), *gain = ae_alloc_floats (nb);

  memset (out, 0, sizeof (float) * (gsize) (frames + 1) * hop);
  for (t = 0; t < frames; t++) {
    const float *m = example + (gsize) t * nb;

    for (k = 0; k < sp->window; k += 2) {
      double z0, z1;
      ae_rng_normal_pair (rng, &z0, &z1);
      noise[k] = (float) z0;
      noise[k + 1] = (float) z1;
    }
    ae_spectrum_analyze (sp, spec, noise);
    ae_spectrum_band_energy (sp, have, spec);
    for (b = 0; b < nb; b++) {
      double want = ae_spectrum_feature_energy (feature_of_unit (m[b]));
      /* Analysing the overlap-added sound windows it once more: of a
       * steady signal that keeps half the energy (sqrt-Hann: 3/8 from the
       * frame itself, 1/16 from each neighbour), so ask for twice. */
      gain[b] = (float) sqrt (2.0 * want / MAX (have[b], 1e-20f));
    }
    ae_spectrum_apply_gains (sp, spec, gain);
    ae_spectrum_synthesize (sp, out + (gsize) t * hop, spec);
  }
  ae_free (noise);
  ae_free (spec);
  ae_free (have);
  ae_free (gain);
}
