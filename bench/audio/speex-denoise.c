/* speex-denoise.c: the speexdsp preprocessor as a file-to-file denoiser,
 * a peer for bench/audio.
 *
 *   speex-denoise [--bypass] [--suppress-db DB] IN.wav OUT.wav
 *
 * Mono, any rate speexdsp takes (8-48 kHz), 10 ms frames.  Only the noise
 * suppressor is on: AGC, VAD and dereverberation are off, and the maximum
 * attenuation is speexdsp's default of -15 dB unless --suppress-db says
 * otherwise.  speexdsp works on int16, so samples are rounded to 16 bits
 * going in (clipped at full scale) and written back as 32-bit float.
 * The last partial frame is zero-padded and trimmed, so output length
 * equals input length.  The preprocessor's overlap-add delays the signal
 * by one frame (10 ms), which the bench finds and removes.
 *
 * --bypass reads, converts to int16 and back, and writes, without the
 * preprocessor: the null run whose cost the bench subtracts.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <sndfile.h>
#include <speex/speex_preprocess.h>

static float *
read_mono (const char *path, SF_INFO * info)
{
  SNDFILE *sf;
  float *frames, *x;
  sf_count_t i, got;

  memset (info, 0, sizeof (*info));
  sf = sf_open (path, SFM_READ, info);
  if (sf == NULL) {
    fprintf (stderr, "%s: %s\n", path, sf_strerror (NULL));
    return NULL;
  }
  frames = g_new (float, (gsize) MAX (info->frames, 1) * info->channels);
  got = sf_readf_float (sf, frames, info->frames);
  sf_close (sf);
  x = g_new (float, MAX (got, 1));
  for (i = 0; i < got; i++)
    x[i] = frames[i * info->channels];
  g_free (frames);
  info->frames = got;
  return x;
}

int
main (int argc, char **argv)
{
  gboolean bypass = FALSE;
  int suppress_db = -15;
  GOptionEntry entries[] = {
    {"bypass", 0, 0, G_OPTION_ARG_NONE, &bypass,
        "Convert and copy only (the null run)", NULL},
    {"suppress-db", 0, 0, G_OPTION_ARG_INT, &suppress_db,
        "Maximum noise attenuation in dB, negative (default -15)", "DB"},
    {NULL}
  };
  GOptionContext *ctx = g_option_context_new ("IN.wav OUT.wav");
  GError *error = NULL;
  SF_INFO info, out_info;
  SNDFILE *out;
  float *x;
  spx_int16_t *frame;
  float *y;
  SpeexPreprocessState *st = NULL;
  gsize frame_len, pos;
  int ret = 1;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 3) {
    fprintf (stderr, "%s\n", error ? error->message :
        "usage: speex-denoise [--bypass] IN.wav OUT.wav");
    g_clear_error (&error);
    g_option_context_free (ctx);
    return 2;
  }
  g_option_context_free (ctx);

  x = read_mono (argv[1], &info);
  if (x == NULL)
    return 1;
  if (info.samplerate < 8000 || info.samplerate > 48000) {
    fprintf (stderr, "%s: %d Hz is outside speexdsp's 8-48 kHz\n", argv[1],
        info.samplerate);
    g_free (x);
    return 1;
  }
  frame_len = (gsize) info.samplerate / 100;
  frame = g_new0 (spx_int16_t, MAX (frame_len, 1));
  y = g_new0 (float, MAX (frame_len, 1));

  if (!bypass) {
    int on = 1, off = 0;

    st = speex_preprocess_state_init ((int) frame_len, info.samplerate);
    if (st == NULL) {
      fprintf (stderr, "speexdsp rejects %d Hz\n", info.samplerate);
      goto out;
    }
    speex_preprocess_ctl (st, SPEEX_PREPROCESS_SET_DENOISE, &on);
    speex_preprocess_ctl (st, SPEEX_PREPROCESS_SET_AGC, &off);
    speex_preprocess_ctl (st, SPEEX_PREPROCESS_SET_VAD, &off);
    speex_preprocess_ctl (st, SPEEX_PREPROCESS_SET_DEREVERB, &off);
    speex_preprocess_ctl (st, SPEEX_PREPROCESS_SET_NOISE_SUPPRESS,
        &suppress_db);
  }

  memset (&out_info, 0, sizeof (out_info));
  out_info.samplerate = info.samplerate;
  out_info.channels = 1;
  out_info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  out = sf_open (argv[2], SFM_WRITE, &out_info);
  if (out == NULL) {
    fprintf (stderr, "%s: %s\n", argv[2], sf_strerror (NULL));
    goto out;
  }

  for (pos = 0; pos < (gsize) info.frames; pos += frame_len) {
    gsize n = MIN (frame_len, (gsize) info.frames - pos), i;

    for (i = 0; i < frame_len; i++) {
      double v = i < n ? x[pos + i] * 32768.0 : 0.0;
      frame[i] = (spx_int16_t) CLAMP (lrint (v), -32768, 32767);
    }
    if (st != NULL)
      speex_preprocess_run (st, frame);
    for (i = 0; i < n; i++)
      y[i] = frame[i] / 32768.0f;
    sf_writef_float (out, y, (sf_count_t) n);
  }
  sf_close (out);
  ret = 0;

out:
  if (st != NULL)
    speex_preprocess_state_destroy (st);
  g_free (frame);
  g_free (y);
  g_free (x);
  return ret;
}
