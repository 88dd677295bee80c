/* audio-frames.c: see audio-frames.h. */
#include "audio-frames.h"

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

void
ae_audio_frames_draw (AeAudioFrames * af, AeRng * rng, float *out)
{
  const AeClip *clip = &af->clips->clips[ae_rng_below (rng,
          af->clips->n_clips)];
  int hop = af->sp.hop, win = af->sp.window, t, b;
  gsize span = (gsize) (af->frames - 1) * hop + win, start = 0, k;
  float *buf = af->window;
  if (clip->n_samples > span)
    start = ae_rng_below (rng, clip->n_samples - span + 1);
  for (t = 0; t < af->frames; t++) {
    float *o = out + (gsize) t * af->sp.n_bands;
    for (k = 0; k < (gsize) win; k++) {
      gsize i = start + (gsize) t * hop + k;
      buf[k] = i < clip->n_samples ? clip->samples[i] : 0.0f;
    }
    ae_spectrum_analyze (&af->sp, af->spec, buf);
    ae_spectrum_band_energy (&af->sp, af->energy, af->spec);
    ae_spectrum_features (&af->sp, o, af->energy);
    for (b = 0; b < af->sp.n_bands; b++)
      o[b] = CLAMP (o[b] / 3.0f + 0.5f, 0.0f, 1.0f);
  }
}
