/* audio-frames.h: examples for the reconstruct task from audio.
 *
 * An example is F consecutive 10 ms frames of the band features the speech
 * models see (spectrum.h: log energies in ERB-spaced bands, 2 per ERB, 20
 * ms windows) of a random stretch of a random clip, flattened frame by
 * frame and mapped into [0, 1] (feature / 3 + 0.5, clipped), so that
 * sigmoid outputs and BCE apply as for images.  aeencode's audio mode
 * will compute the same from its input.
 *
 * Not here: loading and splitting the clips (audio-data.h), the model.
 */
#ifndef AE_AUDIO_FRAMES_H
#define AE_AUDIO_FRAMES_H

#include <glib.h>

#include "audio-data.h"
#include "rng.h"
#include "spectrum.h"

G_BEGIN_DECLS

#define AE_AUDIO_FRAMES_BANDS_PER_ERB 2.0f

typedef struct
{
  const AeClipSet *clips;       /* borrowed */
  AeSpectrum sp;
  int frames;
  float *window, *spec, *energy;        /* scratch */
} AeAudioFrames;

/* For clips at clips->rate (10 ms hops).  FALSE with @error when the rate
 * has no FFT plan. */
gboolean ae_audio_frames_init (AeAudioFrames * af, const AeClipSet * clips,
    int frames, GError ** error);
void ae_audio_frames_clear (AeAudioFrames * af);

/* Floats per example: frames * bands. */
int ae_audio_frames_n_in (const AeAudioFrames * af);

/* One example into out (n_in): a random clip, a random start; a clip
 * shorter than the span is zero-padded. */
void ae_audio_frames_draw (AeAudioFrames * af, AeRng * rng, float *out);

/* Non-overlapping examples of clip @clip, from its start (one for a clip
 * shorter than an example), and example @index of them into out. */
guint ae_audio_frames_n_tiles (const AeAudioFrames * af, guint clip);
void ae_audio_frames_tile (AeAudioFrames * af, guint clip, guint index,
    float *out);

/* Sound for an example (as the functions above write them), for listening
 * to what a model draws: the features keep band energies only, so each
 * frame is white noise from @rng scaled band by band to the example's
 * energies (a noise vocoder), windowed and overlap-added as AeStream
 * synthesises.  @sp is a spectrum at the model's rate and 10 ms hops;
 * @out receives (frames + 1) * hop samples. */
void ae_audio_frames_render (AeSpectrum * sp, const float *example,
    int frames, AeRng * rng, float *out);

G_END_DECLS
#endif /* AE_AUDIO_FRAMES_H */
