/* bench-set.c: the held-out evaluation set of ae-bench-audio.
 *
 * Only files whose path (relative to the data directory) starts with a
 * prefix in bench/audio/heldout.txt are read.  Per rate, N utterances of
 * 3-8 s are built round-robin over the held-out voices: files longer than
 * 8 s are cut into equal pieces, shorter ones (single words) are joined
 * with 200 ms pauses.  Each utterance is set to -26 dBFS active speech
 * level and mixed with a held-out noise (round-robin, random offset) at
 * every SNR, the SNR being the energy ratio over the whole utterance (so
 * the input SI-SDR is the SNR); one gain per utterance keeps every
 * mixture's peak under 0.9, and the clean file written is the reference
 * at that same gain.
 *
 * The 48 kHz set uses only voices recorded at 44.1 kHz or more, so the
 * band above 8 kHz really holds speech; the 16 kHz set uses every voice.
 * Everything is deterministic for a given seed.
 *
 * Not here: any denoising or scoring.
 */
#include "bench-audio.h"
#include "metrics.h"

#include <math.h>
#include <string.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <sndfile.h>

#define MIN_UTTERANCE_S 3.0
#define MAX_UTTERANCE_S 8.0
#define GAP_S 0.2
#define FADE_S 0.01
#define SPEECH_LEVEL_DBFS (-26.0)
#define MAX_PEAK 0.9
#define TRIM_RANGE_DB 40.0      /* trim leading/trailing frames below this */

void
bench_item_free (gpointer data)
{
  BenchItem *item = data;

  g_free (item->id);
  g_free (item->input_path);
  g_free (item->clean_path);
  g_free (item->voice);
  g_free (item->noise);
  if (item->segments != NULL)
    g_array_unref (item->segments);
  g_free (item);
}

float *
bench_read_audio (const char *path, guint * rate, gsize * n, GError ** error)
{
  SF_INFO info;
  SNDFILE *sf;
  float *frames, *x;
  sf_count_t got, i;

  memset (&info, 0, sizeof (info));
  sf = sf_open (path, SFM_READ, &info);
  if (sf == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "%s: %s", path, sf_strerror (NULL));
    return NULL;
  }
  frames = g_new (float, (gsize) MAX (info.frames, 1) * info.channels);
  got = sf_readf_float (sf, frames, info.frames);
  sf_close (sf);
  x = g_new (float, MAX (got, 1));
  for (i = 0; i < got; i++)
    x[i] = frames[i * info.channels];
  g_free (frames);
  *rate = (guint) info.samplerate;
  *n = (gsize) got;
  return x;
}

gboolean
bench_write_wav (const char *path, const float *x, gsize n, guint rate,
    GError ** error)
{
  SF_INFO info;
  SNDFILE *sf;

  memset (&info, 0, sizeof (info));
  info.samplerate = (int) rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  sf = sf_open (path, SFM_WRITE, &info);
  if (sf == NULL) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "%s: %s", path, sf_strerror (NULL));
    return FALSE;
  }
  if (sf_writef_float (sf, x, (sf_count_t) n) != (sf_count_t) n) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
        "%s: short write: %s", path, sf_strerror (sf));
    sf_close (sf);
    return FALSE;
  }
  sf_close (sf);
  return TRUE;
}

/* ---- sources ---- */

typedef struct
{
  float *x;
  gsize n;
  guint rate;
} Piece;

typedef struct
{
  char *prefix;
  guint rate;                   /* lowest native rate among its files */
  GPtrArray *pieces;            /* Piece, shuffled */
  guint cursor;
} Voice;

static void
piece_free (gpointer data)
{
  Piece *p = data;

  g_free (p->x);
  g_free (p);
}

static void
voice_free (gpointer data)
{
  Voice *v = data;

  g_free (v->prefix);
  g_ptr_array_unref (v->pieces);
  g_free (v);
}

static GPtrArray *
read_heldout (const char *path, GError ** error)
{
  char *text = NULL;
  char **lines;
  GPtrArray *prefixes;
  guint i;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  prefixes = g_ptr_array_new_with_free_func (g_free);
  for (i = 0; lines[i] != NULL; i++) {
    char *line = g_strstrip (lines[i]);
    if (line[0] == '\0' || line[0] == '#')
      continue;
    g_ptr_array_add (prefixes, g_strdup (line));
  }
  g_strfreev (lines);
  g_free (text);
  return prefixes;
}

static gboolean
is_audio_name (const char *name)
{
  return g_str_has_suffix (name, ".ogg") || g_str_has_suffix (name, ".flac")
      || g_str_has_suffix (name, ".wav");
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Relative paths of the audio files under @rel (a directory relative to
 * @root), recursively, appended to @out. */
static void
list_audio (const char *root, const char *rel, GPtrArray * out)
{
  char *dir_path = g_build_filename (root, rel, NULL);
  GDir *dir = g_dir_open (dir_path, 0, NULL);
  const char *name;

  if (dir != NULL) {
    while ((name = g_dir_read_name (dir)) != NULL) {
      char *child_rel = g_build_filename (rel, name, NULL);
      char *child = g_build_filename (root, child_rel, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        list_audio (root, child_rel, out);
      else if (is_audio_name (name))
        g_ptr_array_add (out, g_strdup (child_rel));
      g_free (child);
      g_free (child_rel);
    }
    g_dir_close (dir);
  }
  g_free (dir_path);
}

/* The files a held-out prefix selects: a whole directory (prefix ends in
 * '/') or one file, sorted. */
static GPtrArray *
files_of_prefix (const char *root, const char *prefix)
{
  GPtrArray *files = g_ptr_array_new_with_free_func (g_free);

  if (g_str_has_suffix (prefix, "/")) {
    char *rel = g_strndup (prefix, strlen (prefix) - 1);
    list_audio (root, rel, files);
    g_free (rel);
  } else {
    char *path = g_build_filename (root, prefix, NULL);
    if (g_file_test (path, G_FILE_TEST_IS_REGULAR) && is_audio_name (prefix))
      g_ptr_array_add (files, g_strdup (prefix));
    g_free (path);
  }
  g_ptr_array_sort (files, compare_strings);
  return files;
}

/* Drops leading and trailing 10 ms frames more than 40 dB below the
 * loudest one, keeping 50 ms either side.  Returns the new start and
 * sets *n to the new length. */
static gsize
trim_silence (const float *x, gsize * n, guint rate)
{
  gsize frame = rate / 100, n_frames = *n / frame, f, first = 0, last = 0;
  gsize pad = rate / 20, start, end;
  double max_e = 0.0, *e;

  if (n_frames == 0)
    return 0;
  e = g_new0 (double, n_frames);
  for (f = 0; f < n_frames; f++) {
    gsize i;
    for (i = 0; i < frame; i++)
      e[f] += (double) x[f * frame + i] * x[f * frame + i];
    max_e = MAX (max_e, e[f]);
  }
  for (f = 0; f < n_frames; f++)
    if (e[f] > max_e * pow (10.0, -TRIM_RANGE_DB / 10.0)) {
      first = f;
      break;
    }
  for (f = n_frames; f > 0; f--)
    if (e[f - 1] > max_e * pow (10.0, -TRIM_RANGE_DB / 10.0)) {
      last = f;
      break;
    }
  g_free (e);
  start = first * frame > pad ? first * frame - pad : 0;
  end = MIN (last * frame + pad, *n);
  *n = end > start ? end - start : 0;
  return start;
}

static void
fade (float *x, gsize n, guint rate)
{
  gsize len = MIN ((gsize) (FADE_S * rate), n / 2), i;

  for (i = 0; i < len; i++) {
    float g = (float) (0.5 - 0.5 * cos (G_PI * (i + 0.5) / len));
    x[i] *= g;
    x[n - 1 - i] *= g;
  }
}

/* Some recordings carry a DC offset; SI-SDR ignores DC, so the SNRs set
 * here must too. */
static void
remove_dc (float *x, gsize n)
{
  double mean = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    mean += x[i];
  mean /= MAX (n, 1);
  for (i = 0; i < n; i++)
    x[i] -= (float) mean;
}

/* Reads every file of @prefix, trims it, cuts files over 8 s into equal
 * pieces and shuffles the pieces. */
static Voice *
voice_load (const char *root, const char *prefix, GRand * rng,
    GError ** error)
{
  GPtrArray *files = files_of_prefix (root, prefix);
  Voice *v = g_new0 (Voice, 1);
  guint i;

  v->prefix = g_strdup (prefix);
  v->pieces = g_ptr_array_new_with_free_func (piece_free);
  v->rate = G_MAXUINT;
  for (i = 0; i < files->len; i++) {
    char *path = g_build_filename (root, files->pdata[i], NULL);
    guint rate;
    gsize n, start, n_parts, part;
    float *x = bench_read_audio (path, &rate, &n, error);

    g_free (path);
    if (x == NULL) {
      g_ptr_array_unref (files);
      voice_free (v);
      return NULL;
    }
    start = trim_silence (x, &n, rate);
    if (n < rate / 5) {         /* under 200 ms: nothing usable */
      g_free (x);
      continue;
    }
    v->rate = MIN (v->rate, rate);
    n_parts = (gsize) ceil (n / (MAX_UTTERANCE_S * 0.9 * rate));
    for (part = 0; part < n_parts; part++) {
      Piece *p = g_new0 (Piece, 1);
      gsize a = start + part * n / n_parts;
      gsize b = start + (part + 1) * n / n_parts;

      p->rate = rate;
      p->n = b - a;
      p->x = g_memdup2 (x + a, p->n * sizeof (float));
      remove_dc (p->x, p->n);
      fade (p->x, p->n, rate);
      g_ptr_array_add (v->pieces, p);
    }
    g_free (x);
  }
  g_ptr_array_unref (files);

  /* Fisher-Yates with the set's own generator */
  for (i = v->pieces->len; i > 1; i--) {
    guint j = (guint) g_rand_int_range (rng, 0, (gint32) i);
    gpointer t = v->pieces->pdata[i - 1];
    v->pieces->pdata[i - 1] = v->pieces->pdata[j];
    v->pieces->pdata[j] = t;
  }
  return v;
}

/* ---- utterances and mixtures ---- */

static float *
resample_to (const float *x, gsize n, guint rate_in, guint rate_out,
    gsize * n_out)
{
  if (rate_in == rate_out) {
    *n_out = n;
    return g_memdup2 (x, MAX (n, 1) * sizeof (float));
  }
  return ae_resample_offline (x, n, rate_in, rate_out, n_out);
}

/* Joins pieces of @v (at @rate) until the utterance is 3-8 s long. */
static float *
utterance_build (Voice * v, guint rate, gsize * n_out)
{
  gsize max_n = (gsize) (MAX_UTTERANCE_S * rate);
  gsize min_n = (gsize) (MIN_UTTERANCE_S * rate);
  gsize gap = (gsize) (GAP_S * rate), n = 0;
  float *buf = g_new0 (float, max_n);
  guint tries;

  for (tries = 0; n < min_n && tries < 2 * v->pieces->len; tries++) {
    Piece *p = v->pieces->pdata[v->cursor];
    gsize pn;
    float *px = resample_to (p->x, p->n, p->rate, rate, &pn);
    gsize need = (n > 0 ? gap : 0) + pn;

    v->cursor = (v->cursor + 1) % v->pieces->len;
    if (n + need <= max_n) {
      if (n > 0)
        n += gap;
      memcpy (buf + n, px, pn * sizeof (float));
      n += pn;
    }
    g_free (px);
  }
  *n_out = n;
  return buf;
}

/* RMS over the 10 ms frames within 40 dB of the loudest: the active
 * speech level, near enough for setting SNRs. */
static double
active_rms (const float *x, gsize n, guint rate)
{
  gsize frame = rate / 100, n_frames = n / frame, f, count = 0;
  double max_e = 0.0, sum = 0.0, *e;

  if (n_frames == 0)
    return 0.0;
  e = g_new0 (double, n_frames);
  for (f = 0; f < n_frames; f++) {
    gsize i;
    for (i = 0; i < frame; i++)
      e[f] += (double) x[f * frame + i] * x[f * frame + i];
    max_e = MAX (max_e, e[f]);
  }
  for (f = 0; f < n_frames; f++)
    if (e[f] > max_e * pow (10.0, -TRIM_RANGE_DB / 10.0)) {
      sum += e[f];
      count++;
    }
  g_free (e);
  return sqrt (sum / (count * frame));
}

typedef struct
{
  char *name;                   /* held-out path */
  float *x;
  gsize n;
  guint rate;
} Noise;

static void
noise_free (gpointer data)
{
  Noise *noise = data;

  g_free (noise->name);
  g_free (noise->x);
  g_free (noise);
}

static const char *
rate_tag (guint rate)
{
  return rate == 16000 ? "16k" : rate == 48000 ? "48k" : "other";
}

/* The streams of one rate: stream_snr*.wav, each the utterances' inputs
 * at that SNR back to back, and stream_clean.wav, their references.
 * @mixes holds one GArray of floats per SNR, @clean the references,
 * @segments the offsets. */
static gboolean
write_streams (const BenchSetConfig * config, guint rate, const char *dir,
    GArray ** mixes, GArray * clean, GArray * segments, GPtrArray * items,
    GString * manifest, GError ** error)
{
  char *clean_path = g_strdup_printf ("%s/stream_clean.wav", dir);
  gboolean ok = bench_write_wav (clean_path, (float *) clean->data,
      clean->len, rate, error);
  guint s;

  for (s = 0; ok && s < config->n_snrs; s++) {
    BenchItem *item = g_new0 (BenchItem, 1);

    item->rate = rate;
    item->snr_db = config->snrs_db[s];
    item->utterance = G_MAXUINT;
    item->seconds = (double) clean->len / rate;
    item->voice = g_strdup ("(all)");
    item->noise = g_strdup ("(all)");
    item->clean_path = g_strdup (clean_path);
    item->id = g_strdup_printf ("%s/stream_snr%+03d", rate_tag (rate),
        item->snr_db);
    item->input_path = g_strdup_printf ("%s/stream_snr%+03d.wav", dir,
        item->snr_db);
    item->segments = g_array_ref (segments);
    ok = bench_write_wav (item->input_path, (float *) mixes[s]->data,
        mixes[s]->len, rate, error);
    g_string_append_printf (manifest, "%s\t%u\tstream\t%.3f\t%s\t%s\t0\n",
        item->id, rate, item->seconds, item->voice, item->noise);
    g_ptr_array_add (items, item);
  }
  g_free (clean_path);
  return ok;
}

static gboolean
build_rate (const BenchSetConfig * config, guint rate, GPtrArray * voices,
    GPtrArray * noise_src, GRand * rng, GPtrArray * items, GString * manifest,
    GError ** error)
{
  GPtrArray *pool = g_ptr_array_new ();
  Noise *noises;
  char *dir;
  guint i, u;
  gboolean ok = FALSE;
  GArray **stream_mix = g_new0 (GArray *, config->n_snrs);
  GArray *stream_clean = g_array_new (FALSE, FALSE, sizeof (float));
  GArray *segments = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize zero = 0;

  for (i = 0; i < config->n_snrs; i++)
    stream_mix[i] = g_array_new (FALSE, FALSE, sizeof (float));
  g_array_append_val (segments, zero);

  for (i = 0; i < voices->len; i++) {
    Voice *v = voices->pdata[i];
    /* fullband rates need fullband voices (44.1 kHz counts as 48) */
    if (v->pieces->len > 0 && v->rate * 1.1 >= rate)
      g_ptr_array_add (pool, v);
  }
  if (pool->len == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "no held-out voice is recorded at %u Hz or more", rate);
    g_ptr_array_unref (pool);
    return FALSE;
  }

  noises = g_new0 (Noise, noise_src->len);
  for (i = 0; i < noise_src->len; i++) {
    Noise *src = noise_src->pdata[i];

    noises[i].name = src->name;
    noises[i].rate = rate;
    noises[i].x = resample_to (src->x, src->n, src->rate, rate, &noises[i].n);
  }

  dir = g_build_filename (config->out_dir, "set", rate_tag (rate), NULL);
  if (g_mkdir_with_parents (dir, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
        "cannot create %s", dir);
    goto out;
  }

  for (u = 0; u < config->n_utterances; u++) {
    Voice *v = pool->pdata[u % pool->len];
    Noise *noise = &noises[(u + (rate == 48000)) % noise_src->len];
    gsize n, offset, k;
    float *clean = utterance_build (v, rate, &n);
    float *mix = g_new (float, MAX (n, 1));
    double level = active_rms (clean, n, rate), peak = 0.0, gain;
    double noise_rms = 0.0, speech_rms;
    float *noise_seg;
    gsize end;
    char *clean_path;
    guint s;

    if (level <= 0.0 || noise->n < n) {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
          "utterance %u of %s at %u Hz is silent or longer than noise %s",
          u, v->prefix, rate, noise->name);
      g_free (clean);
      g_free (mix);
      goto out;
    }
    remove_dc (clean, n);
    gain = pow (10.0, SPEECH_LEVEL_DBFS / 20.0) / level;
    speech_rms = 0.0;
    for (k = 0; k < n; k++) {
      clean[k] *= (float) gain;
      speech_rms += (double) clean[k] * clean[k];
    }
    speech_rms = sqrt (speech_rms / n);
    offset = (gsize) g_rand_double_range (rng, 0.0, noise->n - n);
    noise_seg = g_memdup2 (noise->x + offset, n * sizeof (float));
    remove_dc (noise_seg, n);
    for (k = 0; k < n; k++)
      noise_rms += (double) noise_seg[k] * noise_seg[k];
    noise_rms = sqrt (noise_rms / n);

    /* one gain for the utterance: the loudest mixture peaks at 0.9 */
    for (s = 0; s < config->n_snrs; s++) {
      double g = speech_rms * pow (10.0, -config->snrs_db[s] / 20.0)
          / noise_rms;
      for (k = 0; k < n; k++)
        peak = MAX (peak, fabs (clean[k] + g * noise_seg[k]));
    }
    gain = peak > MAX_PEAK ? MAX_PEAK / peak : 1.0;
    for (k = 0; k < n; k++)
      clean[k] *= (float) gain;

    g_array_append_vals (stream_clean, clean, n);
    end = stream_clean->len;
    g_array_append_val (segments, end);
    clean_path = g_strdup_printf ("%s/u%02u_clean.wav", dir, u);
    if (!bench_write_wav (clean_path, clean, n, rate, error)) {
      g_free (clean_path);
      g_free (clean);
      g_free (mix);
      g_free (noise_seg);
      goto out;
    }

    for (s = 0; s <= config->n_snrs; s++) {
      BenchItem *item = g_new0 (BenchItem, 1);
      gboolean is_clean = (s == config->n_snrs);

      item->rate = rate;
      item->utterance = u;
      item->seconds = (double) n / rate;
      item->voice = g_strdup (v->prefix);
      item->clean_path = g_strdup (clean_path);
      if (is_clean) {
        item->snr_db = BENCH_CLEAN;
        item->id = g_strdup_printf ("%s/u%02u_clean", rate_tag (rate), u);
        item->input_path = g_strdup (clean_path);
        item->noise = g_strdup ("");
      } else {
        double g;

        item->snr_db = config->snrs_db[s];
        item->id = g_strdup_printf ("%s/u%02u_snr%+03d", rate_tag (rate), u,
            item->snr_db);
        item->input_path = g_strdup_printf ("%s/u%02u_snr%+03d.wav", dir, u,
            item->snr_db);
        item->noise = g_strdup (noise->name);
        g = gain * speech_rms * pow (10.0, -item->snr_db / 20.0) / noise_rms;
        for (k = 0; k < n; k++)
          mix[k] = clean[k] + (float) (g * noise_seg[k]);
        g_array_append_vals (stream_mix[s], mix, n);
        if (!bench_write_wav (item->input_path, mix, n, rate, error)) {
          bench_item_free (item);
          g_free (clean_path);
          g_free (clean);
          g_free (mix);
          g_free (noise_seg);
          goto out;
        }
      }
      g_string_append_printf (manifest, "%s\t%u\t%s\t%.3f\t%s\t%s\t%zu\n",
          item->id, rate, is_clean ? "clean" : "mix", item->seconds,
          item->voice, item->noise, is_clean ? (gsize) 0 : offset);
      g_ptr_array_add (items, item);
    }
    g_free (clean_path);
    g_free (clean);
    g_free (mix);
    g_free (noise_seg);
  }
  ok = !config->streams || write_streams (config, rate, dir, stream_mix,
      stream_clean, segments, items, manifest, error);

out:
  for (i = 0; i < config->n_snrs; i++)
    g_array_unref (stream_mix[i]);
  g_free (stream_mix);
  g_array_unref (stream_clean);
  g_array_unref (segments);
  for (i = 0; i < noise_src->len; i++)
    g_free (noises[i].x);
  g_free (noises);
  g_free (dir);
  g_ptr_array_unref (pool);
  return ok;
}

GPtrArray *
bench_set_build (const BenchSetConfig * config, GError ** error)
{
  GPtrArray *prefixes, *voices, *noises, *items = NULL;
  GString *manifest = g_string_new ("id\trate\tkind\tseconds\tvoice\tnoise"
      "\tnoise_offset\n");
  GRand *rng = g_rand_new_with_seed (config->seed);
  char *manifest_path;
  guint i;

  prefixes = read_heldout (config->heldout_path, error);
  if (prefixes == NULL)
    goto fail;
  voices = g_ptr_array_new_with_free_func (voice_free);
  noises = g_ptr_array_new_with_free_func (noise_free);
  for (i = 0; i < prefixes->len; i++) {
    const char *prefix = prefixes->pdata[i];

    if (g_str_has_prefix (prefix, "clean/")) {
      Voice *v = voice_load (config->data_dir, prefix, rng, error);
      if (v == NULL)
        goto fail_lists;
      g_ptr_array_add (voices, v);
    } else if (g_str_has_prefix (prefix, "noise/")) {
      GPtrArray *files = files_of_prefix (config->data_dir, prefix);
      guint f;

      for (f = 0; f < files->len; f++) {
        char *path = g_build_filename (config->data_dir, files->pdata[f],
            NULL);
        Noise *noise = g_new0 (Noise, 1);

        noise->name = g_strdup (files->pdata[f]);
        noise->x = bench_read_audio (path, &noise->rate, &noise->n, error);
        g_free (path);
        if (noise->x == NULL) {
          noise_free (noise);
          g_ptr_array_unref (files);
          goto fail_lists;
        }
        g_ptr_array_add (noises, noise);
      }
      g_ptr_array_unref (files);
    }
  }
  if (voices->len == 0 || noises->len == 0) {
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
        "%s: no held-out %s found under %s (is --data right?)",
        config->heldout_path, voices->len == 0 ? "speech" : "noise",
        config->data_dir);
    goto fail_lists;
  }

  items = g_ptr_array_new_with_free_func (bench_item_free);
  for (i = 0; i < config->n_rates; i++) {
    guint v;
    /* every rate starts from the same point of each voice */
    GRand *rate_rng;
    gboolean ok;
    for (v = 0; v < voices->len; v++)
      ((Voice *) voices->pdata[v])->cursor = 0;
    /* each rate draws from a generator of its own, so a run of one rate
     * scores the same utterances as a run of several */
    rate_rng = g_rand_new_with_seed (config->seed ^ (config->rates[i] *
            2654435761u));
    ok = build_rate (config, config->rates[i], voices, noises, rate_rng,
        items, manifest, error);
    g_rand_free (rate_rng);
    if (!ok) {
      g_clear_pointer (&items, g_ptr_array_unref);
      goto fail_lists;
    }
  }

  manifest_path = g_build_filename (config->out_dir, "set", "manifest.tsv",
      NULL);
  if (!g_file_set_contents (manifest_path, manifest->str, -1, error))
    g_clear_pointer (&items, g_ptr_array_unref);
  g_free (manifest_path);

fail_lists:
  g_ptr_array_unref (voices);
  g_ptr_array_unref (noises);
fail:
  if (prefixes != NULL)
    g_ptr_array_unref (prefixes);
  g_string_free (manifest, TRUE);
  g_rand_free (rng);
  return items;
}
