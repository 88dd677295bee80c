/* test-audio-data.c: ae-train's data path (audio-data, mixer, loader).
 *
 * A temporary corpus is made once per run with espeak-ng (speech, 22.05
 * kHz WAV) and sox (a stereo 44.1 kHz FLAC with a different tone in each
 * channel, 8 kHz Ogg pink noise, a 1 kHz sine), plus broken files.  The
 * loader is checked against libsndfile reads of the same files, the mixer
 * against the SNR definition in mixer.h computed here independently and
 * its noise sources against hand-made sine clips (speed, babble) and a
 * spectral-flatness bound (tones), and the background loader against
 * direct fills.  Mixer seeds come from
 * g_test_rand_int, so they change on every run; --seed replays one.
 *
 * Without espeak-ng or sox the whole test is skipped (exit 77).
 */
#include "audio-data.h"
#include "audio-frames.h"
#include "loader.h"
#include "mixer.h"

#include "ae.h"
#include "rng.h"
#include "tensor.h"

#include <gst/gst.h>
#include <glib/gstdio.h>
#include <sndfile.h>

#include <math.h>
#include <string.h>
#include <time.h>

static char *corpus;            /* the temporary folder */

/* --- making the corpus --- */

static void
run_tool (const char *const *argv)
{
  GError *error = NULL;
  char *out = NULL, *err = NULL;
  int status;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
          NULL, &out, &err, &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\n%s", argv[0], error->message, err ? err : "");
  g_free (out);
  g_free (err);
}

static char *
corpus_path (const char *rel)
{
  return g_build_filename (corpus, rel, NULL);
}

static void
make_dir (const char *rel)
{
  char *path = corpus_path (rel);

  g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
  g_free (path);
}

static void
espeak (const char *rel, const char *voice, const char *text)
{
  char *path = corpus_path (rel);
  const char *argv[] = { "espeak-ng", "-v", voice, "-w", path, text, NULL };

  run_tool (argv);
  g_free (path);
}

/* sox -D -n -r RATE -c CHANNELS FILE synth SECONDS ARGS... */
static void
sox_synth (const char *rel, const char *rate, const char *channels,
    const char *seconds, const char *a1, const char *a2, const char *a3,
    const char *a4)
{
  char *path = corpus_path (rel);
  const char *argv[] = { "sox", "-D", "-n", "-r", rate, "-c", channels, path,
    "synth", seconds, a1, a2, a3, a4, NULL
  };

  run_tool (argv);
  g_free (path);
}

static void
write_bytes (const char *rel, const char *bytes, gsize len)
{
  char *path = corpus_path (rel);

  g_assert_true (g_file_set_contents (path, bytes, len, NULL));
  g_free (path);
}

static void
make_corpus (void)
{
  char garbage[4096];
  guint i;

  corpus = g_dir_make_tmp ("test-audio-data-XXXXXX", NULL);
  g_assert_nonnull (corpus);
  make_dir ("speech/voiceA");
  make_dir ("speech/voiceB");
  make_dir ("speech/voiceC/sub");
  make_dir ("noise");
  make_dir ("sine");
  make_dir ("empty/nothing-here");
  make_dir ("bad");
  make_dir ("short");

  espeak ("speech/voiceA/a1.wav", "en", "Hello world, this is a test of "
      "the training data loader.");
  espeak ("speech/voiceA/a2.wav", "en", "The quick brown fox jumps over "
      "the lazy dog.");
  espeak ("speech/voiceB/b1.wav", "es", "Hola, esto es una prueba.");
  espeak ("speech/voiceC/sub/c1.wav", "de", "Guten Morgen, wie geht es?");
  write_bytes ("speech/voiceA/a1.txt", "not audio, ignored", 18);

  /* channel 0 and channel 1 differ: 440 Hz vs 1000 Hz */
  sox_synth ("noise/stereo.flac", "44100", "2", "2", "sine", "440", "sine",
      "1000");
  sox_synth ("noise/pink8k.ogg", "8000", "1", "2", "pinknoise", "vol", "0.3",
      NULL);
  sox_synth ("sine/sine1k.flac", "44100", "1", "2", "sine", "1000", "vol",
      "0.5");
  sox_synth ("short/tiny.wav", "16000", "1", "0.1", "sine", "300", NULL,
      NULL);
  sox_synth ("short/long.wav", "16000", "1", "1", "sine", "300", NULL, NULL);

  /* A file sndfile cannot open, next to good ones; and a folder of such. */
  for (i = 0; i < sizeof (garbage); i++)
    garbage[i] = (char) (i * 7919u >> 3);
  write_bytes ("noise/broken.ogg", garbage, sizeof (garbage));
  write_bytes ("bad/broken.wav", garbage, sizeof (garbage));
  write_bytes ("bad/empty.flac", "", 0);
}

static void
remove_tree (const char *path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const char *name;

  if (d != NULL) {
    while ((name = g_dir_read_name (d)) != NULL) {
      char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
      g_free (child);
    }
    g_dir_close (d);
  }
  g_rmdir (path);
}

/* --- helpers --- */

static AeClipSet *
load (const char *rel, guint rate, AeSplitPart part,
    const char *const *heldout, GPtrArray * skipped)
{
  AeLoadOptions options;
  AeClipSet *set;
  GError *error = NULL;
  char *path = corpus_path (rel);

  ae_load_options_init (&options);
  options.rate = rate;
  options.part = part;
  options.heldout = heldout;
  set = ae_clip_set_load (path, &options, skipped, &error);
  g_assert_no_error (error);
  g_assert_nonnull (set);
  g_free (path);
  return set;
}

static const AeClip *
find_clip (const AeClipSet * set, const char *suffix)
{
  guint i;

  for (i = 0; i < set->n_clips; i++)
    if (g_str_has_suffix (set->clips[i].path, suffix))
      return &set->clips[i];
  g_error ("no clip ending in %s", suffix);
  return NULL;
}

/* Channel @channel of a file, straight from libsndfile. */
static float *
read_file (const char *path, int channel, int *rate, gsize * n)
{
  SF_INFO info;
  SNDFILE *sf;
  float *all, *out;
  gsize i;

  memset (&info, 0, sizeof (info));
  sf = sf_open (path, SFM_READ, &info);
  g_assert_nonnull (sf);
  all = g_new (float, info.frames * info.channels);
  g_assert_cmpint (sf_readf_float (sf, all, info.frames), ==, info.frames);
  sf_close (sf);
  out = g_new (float, info.frames);
  for (i = 0; i < (gsize) info.frames; i++)
    out[i] = all[i * info.channels + channel];
  g_free (all);
  *rate = info.samplerate;
  *n = info.frames;
  return out;
}

static double
rms (const float *x, gsize n)
{
  double sum = 0.0;
  gsize i;

  for (i = 0; i < n; i++)
    sum += (double) x[i] * x[i];
  return sqrt (sum / n);
}

/* Power of @x at @freq (Goertzel), normalised to amplitude^2 / 4. */
static double
goertzel (const float *x, gsize n, double freq, double rate)
{
  double w = 2.0 * G_PI * freq / rate, c = 2.0 * cos (w);
  double s1 = 0.0, s2 = 0.0, s;
  gsize i;

  for (i = 0; i < n; i++) {
    s = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (s1 * s1 + s2 * s2 - c * s1 * s2) / ((double) n * n);
}

/* Frequency from the first and last rising zero crossings, located to a
 * fraction of a sample by linear interpolation. */
static double
zero_crossing_frequency (const float *x, gsize n, double rate)
{
  double first = -1.0, last = -1.0;
  guint count = 0;
  gsize i;

  for (i = 1; i < n; i++) {
    if (x[i - 1] < 0.0f && x[i] >= 0.0f) {
      double t = (i - 1) + x[i - 1] / (x[i - 1] - x[i]);

      if (first < 0.0)
        first = t;
      last = t;
      count++;
    }
  }
  g_assert_cmpuint (count, >, 10);
  return (count - 1) * rate / (last - first);
}

/* --- audio-data tests --- */

static void
test_durations (void)
{
  static const char *const names[] = {
    "voiceA/a1.wav", "voiceA/a2.wav", "voiceB/b1.wav", "voiceC/sub/c1.wav"
  };
  static const guint rates[] = { 16000, 48000 };
  guint r, i;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    AeClipSet *set = load ("speech", rates[r], AE_SPLIT_ALL, NULL, NULL);
    double total = 0.0;

    g_assert_cmpuint (set->n_clips, ==, 4);     /* the .txt is ignored */
    g_assert_cmpuint (set->n_groups, ==, 3);
    g_assert_cmpuint (set->rate, ==, rates[r]);
    for (i = 0; i < G_N_ELEMENTS (names); i++) {
      char *rel = g_build_filename ("speech", names[i], NULL);
      char *path = corpus_path (rel);
      const AeClip *clip = find_clip (set, names[i]);
      int in_rate;
      gsize n_in;
      float *orig = read_file (path, 0, &in_rate, &n_in);
      double want = (double) n_in * rates[r] / in_rate;

      g_assert_cmpint (in_rate, ==, 22050);
      g_assert_cmpfloat (fabs ((double) clip->n_samples - want), <=, 1.0);
      g_assert_true (ae_all_finite (clip->samples, clip->n_samples));
      g_assert_true (g_path_is_absolute (clip->path));
      {
        char *dir = g_path_get_dirname (clip->path);

        g_assert_cmpstr (clip->group, ==, dir);
        g_free (dir);
      }
      total += (double) clip->n_samples / rates[r];
      g_free (orig);
      g_free (path);
      g_free (rel);
    }
    g_assert_cmpfloat (fabs (total - set->total_seconds), <, 1e-9);
    /* groups are runs: group_offsets covers every clip once, in order */
    g_assert_cmpuint (set->group_offsets[0], ==, 0);
    g_assert_cmpuint (set->group_offsets[set->n_groups], ==, set->n_clips);
    for (i = 0; i < set->n_clips; i++) {
      guint g = set->clips[i].group_index;

      g_assert_cmpuint (set->group_offsets[g], <=, i);
      g_assert_cmpuint (i, <, set->group_offsets[g + 1]);
      g_assert_cmpstr (set->clips[i].group, ==,
          set->clips[set->group_offsets[g]].group);
    }
    ae_clip_set_free (set);
  }
}

static void
test_sine_resample (void)
{
  AeClipSet *set = load ("sine", 16000, AE_SPLIT_ALL, NULL, NULL);
  char *path = corpus_path ("sine/sine1k.flac");
  const AeClip *clip;
  int in_rate;
  gsize n_in, n;
  float *orig = read_file (path, 0, &in_rate, &n_in);
  double f, rms_in, rms_out;

  g_assert_cmpuint (set->n_clips, ==, 1);
  clip = &set->clips[0];
  g_assert_cmpuint (clip->n_samples, ==, 32000);
  /* the middle 1.5 s, away from the resampler's edge transients */
  n = 24000;
  f = zero_crossing_frequency (clip->samples + 4000, n, 16000.0);
  g_test_message ("1 kHz sine at 16 kHz: %.4f Hz", f);
  g_assert_cmpfloat (fabs (f - 1000.0), <, 0.5);
  rms_in = rms (orig + (gsize) (0.25 * in_rate), (gsize) (1.5 * in_rate));
  rms_out = rms (clip->samples + 4000, n);
  g_test_message ("RMS %.6f in, %.6f out", rms_in, rms_out);
  g_assert_cmpfloat (fabs (rms_out / rms_in - 1.0), <, 0.01);
  g_free (orig);
  g_free (path);
  ae_clip_set_free (set);
}

static void
test_channel0 (void)
{
  GPtrArray *skipped = g_ptr_array_new_with_free_func (g_free);
  AeClipSet *set = load ("noise", 48000, AE_SPLIT_ALL, NULL, skipped);
  const AeClip *clip = find_clip (set, "/stereo.flac");
  double p440 = goertzel (clip->samples, clip->n_samples, 440.0, 48000.0);
  double p1000 = goertzel (clip->samples, clip->n_samples, 1000.0, 48000.0);

  g_test_message ("stereo: 440 Hz %.3g, 1000 Hz %.3g", p440, p1000);
  g_assert_cmpuint (clip->n_samples, ==, 96000);
  g_assert_cmpfloat (p440, >, 0.05);   /* a full-scale sine gives 0.25 */
  g_assert_cmpfloat (p1000, <, p440 * 1e-4);

  /* the corrupt .ogg among them is skipped, counted and named */
  g_assert_cmpuint (set->n_clips, ==, 2);
  g_assert_cmpuint (set->n_skipped_unreadable, ==, 1);
  g_assert_cmpuint (set->n_skipped_short, ==, 0);
  g_assert_cmpuint (skipped->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (skipped, 0),
          "noise/broken.ogg: "));
  g_ptr_array_unref (skipped);
  ae_clip_set_free (set);
}

static void
test_thread_count_invariant (void)
{
  AeLoadOptions options;
  AeClipSet *a, *b;
  char *path = corpus_path ("speech");
  guint i;

  ae_load_options_init (&options);
  options.rate = 48000;
  options.n_threads = 1;
  a = ae_clip_set_load (path, &options, NULL, NULL);
  options.n_threads = 3;
  b = ae_clip_set_load (path, &options, NULL, NULL);
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  g_assert_cmpuint (a->n_clips, ==, b->n_clips);
  for (i = 0; i < a->n_clips; i++) {
    g_assert_cmpstr (a->clips[i].path, ==, b->clips[i].path);
    g_assert_cmpuint (a->clips[i].n_samples, ==, b->clips[i].n_samples);
    g_assert_cmpmem (a->clips[i].samples, a->clips[i].n_samples * 4,
        b->clips[i].samples, b->clips[i].n_samples * 4);
  }
  ae_clip_set_free (a);
  ae_clip_set_free (b);
  g_free (path);
}

static void
check_load_error (const char *rel, double min_seconds, gint code,
    const char *must_name)
{
  AeLoadOptions options;
  GError *error = NULL;
  char *path = corpus_path (rel);
  AeClipSet *set;

  ae_load_options_init (&options);
  options.min_seconds = min_seconds;
  set = ae_clip_set_load (path, &options, NULL, &error);
  g_assert_null (set);
  g_assert_error (error, AE_ERROR, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, must_name));
  g_error_free (error);
  g_free (path);
}

static void
test_errors (void)
{
  char *missing = corpus_path ("no-such-folder");
  char *empty = corpus_path ("empty");
  char *bad = corpus_path ("bad");
  char *file = corpus_path ("sine/sine1k.flac");
  char *shorts = corpus_path ("short");

  check_load_error ("no-such-folder", 0, AE_ERROR_IO, missing);
  check_load_error ("sine/sine1k.flac", 0, AE_ERROR_IO, file);
  check_load_error ("empty", 0, AE_ERROR_DATA, empty);
  check_load_error ("bad", 0, AE_ERROR_DATA, bad);
  check_load_error ("short", 5.0, AE_ERROR_DATA, shorts);
  g_free (missing);
  g_free (empty);
  g_free (bad);
  g_free (file);
  g_free (shorts);
}

static void
test_unreadable_named (void)
{
  GPtrArray *skipped = g_ptr_array_new_with_free_func (g_free);
  AeLoadOptions options;
  GError *error = NULL;
  char *path = corpus_path ("bad");
  char *broken = corpus_path ("bad/broken.wav");
  char *empty = corpus_path ("bad/empty.flac");

  ae_load_options_init (&options);
  g_assert_null (ae_clip_set_load (path, &options, skipped, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_DATA);
  g_assert_nonnull (strstr (error->message, "2 unreadable"));
  g_assert_cmpuint (skipped->len, ==, 2);
  /* sorted by path: broken.wav, empty.flac */
  g_assert_true (g_str_has_prefix (g_ptr_array_index (skipped, 0), broken));
  g_assert_true (g_str_has_prefix (g_ptr_array_index (skipped, 1), empty));
  g_error_free (error);
  g_free (path);
  g_free (broken);
  g_free (empty);
  g_ptr_array_unref (skipped);
}

static void
test_short_skipped (void)
{
  GPtrArray *skipped = g_ptr_array_new_with_free_func (g_free);
  AeLoadOptions options;
  char *path = corpus_path ("short");
  AeClipSet *set;

  ae_load_options_init (&options);
  options.rate = 16000;
  options.min_seconds = 0.5;
  set = ae_clip_set_load (path, &options, skipped, NULL);
  g_assert_nonnull (set);
  g_assert_cmpuint (set->n_clips, ==, 1);
  g_assert_true (g_str_has_suffix (set->clips[0].path, "/long.wav"));
  g_assert_cmpuint (set->n_skipped_short, ==, 1);
  g_assert_cmpuint (set->n_skipped_unreadable, ==, 0);
  g_assert_cmpuint (skipped->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (skipped, 0), "/tiny.wav: "));
  ae_clip_set_free (set);
  g_ptr_array_unref (skipped);
  g_free (path);
}

/* Every clip of @all is in exactly one of @a and @b. */
static void
assert_partition (const AeClipSet * all, const AeClipSet * a,
    const AeClipSet * b)
{
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);
  guint i;

  g_assert_cmpuint (a->n_clips + b->n_clips, ==, all->n_clips);
  for (i = 0; i < a->n_clips; i++)
    g_hash_table_add (seen, a->clips[i].path);
  for (i = 0; i < b->n_clips; i++) {
    g_assert_false (g_hash_table_contains (seen, b->clips[i].path));
    g_hash_table_add (seen, b->clips[i].path);
  }
  for (i = 0; i < all->n_clips; i++)
    g_assert_true (g_hash_table_contains (seen, all->clips[i].path));
  g_hash_table_unref (seen);
}

static void
test_heldout_list (void)
{
  char *list_path = corpus_path ("heldout.txt");
  char **heldout;
  AeClipSet *all, *train, *held;
  GError *error = NULL;
  guint i;

  g_assert_true (g_file_set_contents (list_path,
          "# comment\n\nspeech/voiceB/\n  speech/voiceC/sub/c1.wav  \n"
          "speech/voiceA/a2\n", -1, NULL));
  heldout = ae_heldout_list_read (list_path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (heldout), ==, 3);
  g_assert_cmpstr (heldout[1], ==, "speech/voiceC/sub/c1.wav");

  all = load ("speech", 16000, AE_SPLIT_ALL, NULL, NULL);
  train = load ("speech", 16000, AE_SPLIT_TRAIN,
      (const char *const *) heldout, NULL);
  held = load ("speech", 16000, AE_SPLIT_HELDOUT,
      (const char *const *) heldout, NULL);
  g_assert_cmpuint (train->n_clips, ==, 1);
  g_assert_true (g_str_has_suffix (train->clips[0].path, "/voiceA/a1.wav"));
  g_assert_cmpuint (held->n_clips, ==, 3);
  assert_partition (all, train, held);
  for (i = 0; i < held->n_clips; i++)
    g_assert_true (ae_heldout_match ((const char *const *) heldout,
            held->clips[i].path));

  /* "/" + fragment: "oiceB/" must not match ".../voiceB/" */
  {
    const char *const partial[] = { "oiceB/", NULL };

    g_assert_false (ae_heldout_match (partial, "/x/speech/voiceB/b1.wav"));
    g_assert_true (ae_heldout_match ((const char *const *) heldout,
            "/x/speech/voiceB/b1.wav"));
  }

  g_strfreev (heldout);
  heldout = ae_heldout_list_read ("/no/such/list.txt", &error);
  g_assert_null (heldout);
  g_assert_error (error, AE_ERROR, AE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/no/such/list.txt"));
  g_clear_error (&error);

  ae_clip_set_free (all);
  ae_clip_set_free (train);
  ae_clip_set_free (held);
  g_free (list_path);
}

static void
test_seeded_split (void)
{
  AeLoadOptions options;
  AeClipSet *all, *train, *held;
  char *path = corpus_path ("speech");
  guint i, j;

  all = load ("speech", 16000, AE_SPLIT_ALL, NULL, NULL);
  ae_load_options_init (&options);
  options.rate = 16000;
  options.split_seed = g_test_rand_int ();
  options.part = AE_SPLIT_TRAIN;
  train = ae_clip_set_load (path, &options, NULL, NULL);
  options.part = AE_SPLIT_HELDOUT;
  held = ae_clip_set_load (path, &options, NULL, NULL);
  g_assert_nonnull (train);
  g_assert_nonnull (held);
  /* 3 folders: round (0.3) = 0, but at least one is held out */
  g_assert_cmpuint (held->n_groups, ==, 1);
  g_assert_cmpuint (train->n_groups, ==, 2);
  assert_partition (all, train, held);
  /* whole folders: no group on both sides */
  for (i = 0; i < train->n_clips; i++)
    for (j = 0; j < held->n_clips; j++)
      g_assert_cmpstr (train->clips[i].group, !=, held->clips[j].group);
  ae_clip_set_free (all);
  ae_clip_set_free (train);
  ae_clip_set_free (held);
  g_free (path);
}

/* --- mixer tests --- */

static AeClipSet *speech16, *noise16;

/* The SNR definition of mixer.h, written out again. */
static double
independent_snr_db (const float *clean, const float *noise, gsize n,
    guint rate)
{
  gsize frame = rate / 100, f, n_frames = (n + frame - 1) / frame;
  double max_e = 0.0, ps = 0.0, pn = 0.0;
  gsize n_active = 0, i;
  double *e = g_new0 (double, n_frames);

  for (f = 0; f < n_frames; f++) {
    gsize len = MIN (frame, n - f * frame);

    for (i = 0; i < len; i++)
      e[f] += (double) clean[f * frame + i] * clean[f * frame + i];
    e[f] /= len;
    max_e = MAX (max_e, e[f]);
  }
  for (f = 0; f < n_frames; f++) {
    gsize len = MIN (frame, n - f * frame);

    if (e[f] > 0.0 && e[f] >= max_e * 1e-4) {
      ps += e[f] * len;
      n_active += len;
    }
  }
  for (i = 0; i < n; i++)
    pn += (double) noise[i] * noise[i];
  g_free (e);
  return 10.0 * log10 ((ps / n_active) / (pn / n));
}

static void
test_mixer_snr (void)
{
  AeMixConfig cfg;
  gsize n = 16000 * 3, i;
  float *noisy = g_new (float, n), *clean = g_new (float, n);
  float *noise = g_new (float, n);
  guint k;

  ae_mix_config_init_default (&cfg, 16000);
  ae_mix_config_disable_augmentation (&cfg);
  for (k = 0; k < 20; k++) {
    guint64 seed = g_test_rand_int ();
    float snr = (float) g_test_rand_double_range (-5.0, 25.0);
    AeMixInfo info;
    double measured;

    cfg.snr_min_db = cfg.snr_max_db = snr;
    ae_mix_example_full (speech16, noise16, &cfg, seed, noisy, clean, noise,
        n, &info);
    g_assert_false (info.reverb);
    g_assert_false (info.noise_only || info.clean_only);
    g_assert_cmpuint (info.n_noise_sources, ==, 1);
    g_assert_cmpfloat (info.speed, ==, 1.0);
    g_assert_cmpfloat (info.snr_db, ==, snr);
    measured = independent_snr_db (clean, noise, n, 16000);
    g_assert_cmpfloat (fabs (measured - snr), <, 0.1);
    for (i = 0; i < n; i++)
      g_assert_true (noisy[i] == clean[i] + noise[i]);
    /* the level: noisy peak within -40 .. -1 dBFS */
    {
      float peak = 0.0f;

      for (i = 0; i < n; i++)
        peak = MAX (peak, fabsf (noisy[i]));
      g_assert_cmpfloat (peak, >=, pow (10.0, -40.0 / 20.0) * 0.999);
      g_assert_cmpfloat (peak, <=, pow (10.0, -1.0 / 20.0) * 1.001);
    }
  }
  g_free (noisy);
  g_free (clean);
  g_free (noise);
}

static void
test_mixer_determinism (void)
{
  AeMixConfig cfg;
  gsize n = 16000 * 2;
  float *a_noisy = g_new (float, n), *a_clean = g_new (float, n);
  float *b_noisy = g_new (float, n), *b_clean = g_new (float, n);
  guint64 seed = ((guint64) g_test_rand_int () << 32) | g_test_rand_int ();
  guint k;

  ae_mix_config_init_default (&cfg, 16000);
  for (k = 0; k < 5; k++) {
    ae_mix_example (speech16, noise16, &cfg, seed + k, a_noisy, a_clean, n);
    ae_mix_example (speech16, noise16, &cfg, seed + k, b_noisy, b_clean, n);
    g_assert_cmpmem (a_noisy, n * 4, b_noisy, n * 4);
    g_assert_cmpmem (a_clean, n * 4, b_clean, n * 4);
    ae_mix_example (speech16, noise16, &cfg, seed + k + 1000, b_noisy,
        b_clean, n);
    g_assert_true (memcmp (a_noisy, b_noisy, n * 4) != 0);
  }
  g_free (a_noisy);
  g_free (a_clean);
  g_free (b_noisy);
  g_free (b_clean);
}

/* Every augmentation at once, and the defaults: finite, within [-1, 1],
 * and noise-only examples have a silent target. */
static void
test_mixer_ranges (void)
{
  AeMixConfig cfg;
  gsize n = 16000 * 2, i;
  float *noisy = g_new (float, n), *clean = g_new (float, n);
  guint k, pass, n_noise_only = 0, n_clean_only = 0;

  for (pass = 0; pass < 2; pass++) {
    ae_mix_config_init_default (&cfg, 16000);
    if (pass == 1) {
      cfg.p_speed = cfg.p_clip_gain = cfg.p_eq = cfg.p_bandlimit = 1.0f;
      cfg.p_reverb = cfg.p_noise_am = cfg.p_noise_eq = 1.0f;
      cfg.p_noise_speed = 1.0f;
      cfg.weight_babble = cfg.weight_tones = 1.0f;
      cfg.level_min_dbfs = -1.0f;       /* as loud as allowed */
    }
    for (k = 0; k < 60; k++) {
      AeMixInfo info;
      float pn = 0.0f, pc = 0.0f;

      ae_mix_example_full (speech16, noise16, &cfg, g_test_rand_int (),
          noisy, clean, NULL, n, &info);
      g_assert_true (ae_all_finite (noisy, n));
      g_assert_true (ae_all_finite (clean, n));
      for (i = 0; i < n; i++) {
        pn = MAX (pn, fabsf (noisy[i]));
        pc = MAX (pc, fabsf (clean[i]));
      }
      g_assert_cmpfloat (pn, <=, 1.0f);
      g_assert_cmpfloat (pc, <=, 1.0f);
      g_assert_cmpfloat (pn, >, 0.0f);
      if (info.noise_only) {
        g_assert_cmpfloat (pc, ==, 0.0f);
        n_noise_only++;
      }
      if (info.clean_only)
        n_clean_only++;
      if (pass == 1 && !info.noise_only) {
        g_assert_true (info.reverb);
        g_assert_cmpfloat (info.bandlimit_hz, >=, 3400.0);
        g_assert_cmpfloat (info.speed, >=, 0.85);
        g_assert_cmpfloat (info.speed, <=, 1.15);
      }
    }
  }
  g_test_message ("noise-only %u, clean-only %u of 120", n_noise_only,
      n_clean_only);
  g_free (noisy);
  g_free (clean);
}

/* A clip set made by hand: clip k is a sine of freqs[k] Hz, one second
 * at 16 kHz (whole cycles, so looping it is seamless). */
static AeClipSet *
sine_set (const double *freqs, guint n)
{
  AeClipSet *set = g_new0 (AeClipSet, 1);
  guint k;
  gsize i;

  set->rate = 16000;
  set->n_clips = n;
  set->n_groups = 1;
  set->clips = g_new0 (AeClip, n);
  for (k = 0; k < n; k++) {
    set->clips[k].n_samples = 16000;
    set->clips[k].samples = ae_alloc_floats (16000);
    for (i = 0; i < 16000; i++)
      set->clips[k].samples[i] = (float) sin (2.0 * G_PI * freqs[k] * i /
          16000.0);
  }
  return set;
}

static void
sine_set_free (AeClipSet * set)
{
  guint k;

  for (k = 0; k < set->n_clips; k++)
    ae_free (set->clips[k].samples);
  g_free (set->clips);
  g_free (set);
}

/* Power of @x at @hz (Goertzel), normalised so a unit sine gives 0.5. */
static double
power_at (const float *x, gsize n, double hz, double rate)
{
  double w = 2.0 * G_PI * hz / rate, c = 2.0 * cos (w), s1 = 0, s2 = 0;
  gsize i;

  for (i = 0; i < n; i++) {
    double s0 = x[i] + c * s1 - s2;

    s2 = s1;
    s1 = s0;
  }
  return 2.0 * (s1 * s1 + s2 * s2 - c * s1 * s2) / ((double) n * n);
}

static double
zero_crossing_hz (const float *x, gsize n, double rate)
{
  gsize i, crossings = 0;

  for (i = 1; i < n; i++)
    crossings += (x[i - 1] < 0.0f) != (x[i] < 0.0f);
  return crossings * rate / (2.0 * n);
}

/* A noise clip at a drawn speed is the clip resampled: a 1 kHz sine
 * comes out at speed kHz; without the speed, at 1 kHz. */
static void
test_mixer_noise_speed (void)
{
  static const double f = 1000.0;
  AeClipSet *tone = sine_set (&f, 1);
  AeMixConfig cfg;
  gsize n = 16000 * 2;
  float *noisy = g_new (float, n), *clean = g_new (float, n);
  float *noise = g_new (float, n);
  guint k;

  for (k = 0; k < 6; k++) {
    double speed = k == 0 ? 1.0 : g_test_rand_double_range (0.7, 1.4);
    double hz;

    ae_mix_config_init_default (&cfg, 16000);
    ae_mix_config_disable_augmentation (&cfg);
    if (k > 0) {
      cfg.p_noise_speed = 1.0f;
      cfg.noise_speed_min = cfg.noise_speed_max = (float) speed;
    }
    ae_mix_example_full (speech16, tone, &cfg, g_test_rand_int (), noisy,
        clean, noise, n, NULL);
    hz = zero_crossing_hz (noise, n, 16000);
    g_test_message ("speed %.3f: %.1f Hz", speed, hz);
    g_assert_cmpfloat (fabs (hz - f * (float) speed), <, 0.005 * f * speed);
  }
  g_free (noisy);
  g_free (clean);
  g_free (noise);
  sine_set_free (tone);
}

static double
mean_square_range (const float *x, gsize from, gsize to)
{
  double sum = 0.0;
  gsize i;

  for (i = from; i < to; i++)
    sum += (double) x[i] * x[i];
  return to > from ? sum / (double) (to - from) : 0.0;
}

/* A change of noise, on a steady 1 kHz sine so that levels can be read
 * off the noise as added: an onset is exact silence before its
 * crossfade, an offset exact silence after; a swap steps the level by the
 * drawn amount; the change sits at 20-80 % with a 5-500 ms fade; the SNR
 * definition still holds over the whole example; all three kinds occur. */
static void
test_mixer_noise_change (void)
{
  static const double f = 1000.0;
  AeClipSet *tone = sine_set (&f, 1);
  AeMixConfig cfg;
  gsize n = 16000 * 3, i;
  float *noisy = g_new (float, n), *clean = g_new (float, n);
  float *noise = g_new (float, n);
  guint kinds[4] = { 0 }, seed;

  ae_mix_config_init_default (&cfg, 16000);
  ae_mix_config_disable_augmentation (&cfg);
  cfg.p_noise_change = 1.0f;
  for (seed = 1; seed <= 40; seed++) {
    AeMixInfo info;
    gsize at, end;
    double before, after;

    ae_mix_example_full (speech16, tone, &cfg, seed, noisy, clean, noise, n,
        &info);
    at = info.noise_change_at;
    end = at + info.noise_change_fade;
    kinds[info.noise_change]++;
    g_assert_cmpuint (at, >=, n / 5);
    g_assert_cmpuint (at, <=, n * 4 / 5);
    g_assert_cmpuint (info.noise_change_fade, >=, 16000 * 5 / 1000 - 1);
    g_assert_cmpuint (info.noise_change_fade, <=, 16000 / 2);
    before = mean_square_range (noise, 0, at);
    after = mean_square_range (noise, end, n);
    switch (info.noise_change) {
      case AE_NOISE_CHANGE_ONSET:
        g_assert_cmpfloat (before, ==, 0.0);
        g_assert_cmpfloat (after, >, 0.0);
        break;
      case AE_NOISE_CHANGE_OFFSET:
        g_assert_cmpfloat (before, >, 0.0);
        g_assert_cmpfloat (after, ==, 0.0);
        break;
      case AE_NOISE_CHANGE_SWAP:
        g_assert_cmpfloat (fabs (10.0 * log10 (after / before) -
                info.noise_change_db), <, 0.3);
        break;
      default:
        g_assert_not_reached ();
    }
    g_assert_cmpfloat (fabs (independent_snr_db (clean, noise, n, 16000) -
            info.snr_db), <, 0.01);
    for (i = 0; i < n; i++)
      g_assert_cmpfloat (fabs (noisy[i] - clean[i] - noise[i]), <, 1e-6);
  }
  g_assert_cmpuint (kinds[AE_NOISE_CHANGE_NONE], ==, 0);
  g_assert_cmpuint (kinds[AE_NOISE_CHANGE_ONSET], >, 0);
  g_assert_cmpuint (kinds[AE_NOISE_CHANGE_OFFSET], >, 0);
  g_assert_cmpuint (kinds[AE_NOISE_CHANGE_SWAP], >, 0);
  g_free (noisy);
  g_free (clean);
  g_free (noise);
  sine_set_free (tone);
}

/* A noise recording that is loud for half a second and then a long tail
 * of float denormals (what a filter's decay leaves): brought to unit
 * power, or cut by an onset down to the tail and then scaled to the SNR,
 * it once came out as infinities.  Every example must stay finite. */
static void
test_mixer_denormal_noise (void)
{
  static const double f = 1000.0;
  AeClipSet *set = sine_set (&f, 1);
  AeClip *clip = &set->clips[0];
  AeMixConfig cfg;
  gsize n = 16000 * 3, i;
  float *noisy = g_new (float, n), *clean = g_new (float, n);
  guint seed;

  ae_free (clip->samples);
  clip->n_samples = 16000 * 10;
  clip->samples = ae_alloc_floats (clip->n_samples);
  for (i = 0; i < clip->n_samples; i++)
    clip->samples[i] = i < 8000 ? (float) sin (2.0 * G_PI * f * i / 16000.0)
        : 1e-41f;
  ae_mix_config_init_default (&cfg, 16000);
  ae_mix_config_disable_augmentation (&cfg);
  cfg.p_noise_change = 1.0f;
  for (seed = 1; seed <= 300; seed++) {
    ae_mix_example (speech16, set, &cfg, seed, noisy, clean, n);
    for (i = 0; i < n; i++)
      if (!isfinite (noisy[i]) || !isfinite (clean[i]))
        g_error ("seed %u: sample %zu is %g / %g", seed, i, noisy[i],
            clean[i]);
  }
  g_free (noisy);
  g_free (clean);
  sine_set_free (set);
}

/* The change draws from a stream of its own: with changes in a quarter of
 * the examples, one that drew no change is, byte for byte, the example
 * made with changes turned off (one that drew a change differs, if only by the
 * level, which the new noise's peaks move). */
static void
test_mixer_noise_change_stream (void)
{
  AeMixConfig with, without;
  gsize n = 16000 * 2;
  float *a_noisy = g_new (float, n), *a_clean = g_new (float, n);
  float *b_noisy = g_new (float, n), *b_clean = g_new (float, n);
  guint seed, n_same = 0, n_changed = 0;

  ae_mix_config_init_default (&with, 16000);
  with.p_noise_change = 0.25f;
  without = with;
  without.p_noise_change = 0.0f;
  for (seed = 1; seed <= 24; seed++) {
    AeMixInfo info;

    ae_mix_example_full (speech16, noise16, &with, seed, a_noisy, a_clean,
        NULL, n, &info);
    ae_mix_example (speech16, noise16, &without, seed, b_noisy, b_clean, n);
    if (info.noise_change == AE_NOISE_CHANGE_NONE) {
      g_assert_cmpmem (a_noisy, n * sizeof (float), b_noisy,
          n * sizeof (float));
      g_assert_cmpmem (a_clean, n * sizeof (float), b_clean,
          n * sizeof (float));
      n_same++;
    } else if (memcmp (a_noisy, b_noisy, n * sizeof (float)) != 0) {
      n_changed++;
    }
  }
  g_assert_cmpuint (n_same, >, 0);
  g_assert_cmpuint (n_changed, >, 0);
  g_free (a_noisy);
  g_free (a_clean);
  g_free (b_noisy);
  g_free (b_clean);
}

/* Babble from a "speech" set of 12 sines at distinct frequencies: all
 * its power lies at those frequencies, and 2 to 10 of them sound (4 to
 * 10 talkers drawn with replacement, so two may share a tone). */
static void
test_mixer_babble (void)
{
  double freqs[12];
  AeClipSet *voices;
  AeMixConfig cfg;
  gsize n = 16000, i;
  float *noisy = g_new (float, n), *clean = g_new (float, n);
  float *noise = g_new (float, n);
  guint k, j;

  for (k = 0; k < 12; k++)
    freqs[k] = 300.0 + 250.0 * k;
  voices = sine_set (freqs, 12);
  ae_mix_config_init_default (&cfg, 16000);
  ae_mix_config_disable_augmentation (&cfg);
  cfg.weight_clip = 0.0f;
  cfg.weight_babble = 1.0f;
  cfg.p_noise_only = 1.0f;      /* the noise alone, in noisy */
  for (k = 0; k < 10; k++) {
    double total = 0.0, at_tones = 0.0, p[12], pmax = 0.0;
    guint sounding = 0;

    ae_mix_example_full (voices, NULL, &cfg, g_test_rand_int (), noisy,
        clean, noise, n, NULL);
    for (i = 0; i < n; i++)
      total += (double) noise[i] * noise[i] / n;
    g_assert_cmpfloat (total, >, 0.0);
    for (j = 0; j < 12; j++) {
      p[j] = power_at (noise, n, freqs[j], 16000);
      at_tones += p[j];
      pmax = MAX (pmax, p[j]);
    }
    g_assert_cmpfloat (fabs (at_tones / total - 1.0), <, 0.01);
    for (j = 0; j < 12; j++)
      sounding += p[j] > pmax * 1e-3;
    g_test_message ("babble: %u voices sound", sounding);
    g_assert_cmpuint (sounding, >=, 2);
    g_assert_cmpuint (sounding, <=, 10);
  }
  g_free (noisy);
  g_free (clean);
  g_free (noise);
  sine_set_free (voices);
}

#define FLAT_LEN 256              /* 16 ms at 16 kHz */

/* Spectral flatness (geometric over arithmetic mean of the Hann-windowed
 * power spectrum, by naive DFT with a table of twiddles) of
 * x[0..FLAT_LEN). */
static double
flatness (const float *x)
{
  static double cos_t[FLAT_LEN], sin_t[FLAT_LEN], win[FLAT_LEN];
  double log_sum = 0.0, sum = 0.0;
  gsize k, i;

  if (win[FLAT_LEN / 2] == 0.0) {
    for (i = 0; i < FLAT_LEN; i++) {
      cos_t[i] = cos (2.0 * G_PI * i / FLAT_LEN);
      sin_t[i] = sin (2.0 * G_PI * i / FLAT_LEN);
      win[i] = 0.5 - 0.5 * cos (2.0 * G_PI * i / FLAT_LEN);
    }
  }
  for (k = 1; k < FLAT_LEN / 2; k++) {
    double re = 0.0, im = 0.0, pw;

    for (i = 0; i < FLAT_LEN; i++) {
      gsize m = (k * i) % FLAT_LEN;

      re += win[i] * x[i] * cos_t[m];
      im -= win[i] * x[i] * sin_t[m];
    }
    pw = re * re + im * im + 1e-30;
    log_sum += log (pw);
    sum += pw;
  }
  return exp (log_sum / (FLAT_LEN / 2 - 1)) / (sum / (FLAT_LEN / 2 - 1));
}

/* TRUE when each quarter of x[0..FLAT_LEN) has at least half the energy
 * of the loudest quarter: the tone sounds throughout, so the frame holds
 * no beep's start or end (a click, broadband by nature). */
static gboolean
sounds_throughout (const float *x)
{
  double e[4] = { 0 }, e_max = 0.0;
  gsize q, i;

  for (q = 0; q < 4; q++) {
    for (i = 0; i < FLAT_LEN / 4; i++)
      e[q] += (double) x[q * FLAT_LEN / 4 + i] * x[q * FLAT_LEN / 4 + i];
    e_max = MAX (e_max, e[q]);
  }
  if (e_max < 1e-6 * FLAT_LEN)
    return FALSE;               /* between beeps */
  for (q = 0; q < 4; q++)
    if (e[q] < 0.5 * e_max)
      return FALSE;
  return TRUE;
}

/* Tones are tonal: every 16 ms frame (hop 4 ms) in which the tone sounds
 * throughout has a spectral flatness far below white noise's (about
 * 0.55).  Every example has such frames: a steady tone everywhere, a
 * keyed one in each beep (at least 35 ms between its ramps). */
static void
test_mixer_tones (void)
{
  AeMixConfig cfg;
  gsize n = 16000 * 2, hop = FLAT_LEN / 4, f, i;
  float *noisy = g_new (float, n), *clean = g_new (float, n);
  float *noise = g_new (float, n);
  double white_flatness;
  guint k;

  for (i = 0; i < FLAT_LEN; i++)
    noise[i] = (float) g_test_rand_double_range (-1.0, 1.0);
  white_flatness = flatness (noise);
  g_assert_cmpfloat (white_flatness, >, 0.3);
  ae_mix_config_init_default (&cfg, 16000);
  ae_mix_config_disable_augmentation (&cfg);
  cfg.weight_clip = 0.0f;
  cfg.weight_tones = 1.0f;
  cfg.p_noise_only = 1.0f;
  for (k = 0; k < 6; k++) {
    double worst = 0.0;
    guint n_sounding = 0;

    ae_mix_example_full (speech16, NULL, &cfg, g_test_rand_int (), noisy,
        clean, noise, n, NULL);
    g_assert_true (ae_all_finite (noise, n));
    for (f = 0; f + FLAT_LEN <= n; f += hop) {
      if (!sounds_throughout (noise + f))
        continue;
      worst = MAX (worst, flatness (noise + f));
      n_sounding++;
    }
    g_test_message ("tones: flatness at most %.2g in %u frames (white %.2f)",
        worst, n_sounding, white_flatness);
    g_assert_cmpuint (n_sounding, >=, 2);
    g_assert_cmpfloat (worst, <, 0.05);
  }
  g_free (noisy);
  g_free (clean);
  g_free (noise);
}

/* Not a pass/fail check (speed lives in bench/): prints the generator's
 * throughput with default augmentation, in seconds of audio per CPU
 * second. */
static void
test_mixer_throughput (void)
{
  static const guint rates[] = { 16000, 48000 };
  guint r;

  for (r = 0; r < G_N_ELEMENTS (rates); r++) {
    AeClipSet *sp = rates[r] == 16000 ? speech16 : load ("speech", 48000,
        AE_SPLIT_ALL, NULL, NULL);
    AeClipSet *no = rates[r] == 16000 ? noise16 : load ("noise", 48000,
        AE_SPLIT_ALL, NULL, NULL);
    AeMixConfig cfg;
    gsize n = rates[r] * 4;
    float *noisy = g_new (float, n), *clean = g_new (float, n);
    clock_t c0, c1;
    guint k, n_examples = 40;

    ae_mix_config_init_default (&cfg, rates[r]);
    c0 = clock ();
    for (k = 0; k < n_examples; k++)
      ae_mix_example (sp, no, &cfg, k, noisy, clean, n);
    c1 = clock ();
    g_test_message ("mixer at %u Hz: %.0f s of audio per CPU second",
        rates[r], n_examples * 4.0 / MAX ((double) (c1 - c0) /
            CLOCKS_PER_SEC, 1e-6));
    g_free (noisy);
    g_free (clean);
    if (sp != speech16) {
      ae_clip_set_free (sp);
      ae_clip_set_free (no);
    }
  }
}

/* --- loader tests --- */

typedef struct
{
  gsize n;                      /* samples per signal */
  guint64 seed;
} FillData;

static void
fill_example (gpointer slot, gsize slot_bytes, guint64 index,
    gpointer user_data)
{
  FillData *fd = user_data;
  float *noisy = slot, *clean = noisy + fd->n;
  AeMixConfig cfg;

  g_assert_cmpuint (slot_bytes, ==, 2 * fd->n * sizeof (float));
  ae_mix_config_init_default (&cfg, 16000);
  ae_mix_example (speech16, noise16, &cfg, ae_rng_derive (fd->seed, index),
      noisy, clean, fd->n);
}

static void
test_loader_order (void)
{
  FillData fd = { 8000, g_test_rand_int () };
  gsize bytes = 2 * fd.n * sizeof (float);
  float *direct = g_malloc (bytes);
  guint64 first = 5, k;
  AeLoader *loader = ae_loader_new (3, bytes, fill_example, &fd, first);
  gpointer held[2];

  for (k = 0; k < 12; k++) {
    gpointer slot = ae_loader_acquire (loader);

    g_assert_nonnull (slot);
    g_assert_cmpuint ((guintptr) slot % 64, ==, 0);
    g_assert_cmpuint (ae_loader_get_last_index (loader), ==, first + k);
    fill_example (direct, bytes, first + k, &fd);
    g_assert_cmpmem (slot, bytes, direct, bytes);
    ae_loader_release (loader, slot);
  }

  /* two held at once, released out of order */
  held[0] = ae_loader_acquire (loader);
  held[1] = ae_loader_acquire (loader);
  fill_example (direct, bytes, first + 13, &fd);
  g_assert_cmpmem (held[1], bytes, direct, bytes);
  ae_loader_release (loader, held[1]);
  ae_loader_release (loader, held[0]);
  fill_example (direct, bytes, first + 14, &fd);
  g_assert_cmpmem (ae_loader_acquire (loader), bytes, direct, bytes);
  /* freed while a slot is held and the thread is filling or waiting */
  ae_loader_free (loader);
  g_free (direct);
}

/* Item i + n_slots needs item i's slot: acquiring it while item i is held
 * would block forever, so it is refused with a critical. */
static void
test_loader_held_slot (void)
{
  FillData fd = { 1600, 2 };
  AeLoader *loader = ae_loader_new (2, 2 * fd.n * sizeof (float),
      fill_example, &fd, 0);
  gpointer a = ae_loader_acquire (loader);
  gpointer b = ae_loader_acquire (loader);

  ae_loader_release (loader, b);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL,
      "*item 2 goes to the slot of item 0*");
  g_assert_null (ae_loader_acquire (loader));
  g_test_assert_expected_messages ();
  ae_loader_release (loader, a);
  g_assert_nonnull (ae_loader_acquire (loader));
  g_assert_cmpuint (ae_loader_get_last_index (loader), ==, 2);
  ae_loader_free (loader);
}

static void
test_loader_free_at_once (void)
{
  FillData fd = { 1600, 1 };
  AeLoader *loader = ae_loader_new (1, 2 * fd.n * sizeof (float),
      fill_example, &fd, 0);

  ae_loader_free (loader);
}

/* ae_audio_frames_render against a designed example: band energies
 * falling 30 dB from the lowest band to the highest and swinging 12 dB
 * from frame to frame.  Analysed again as the features are made, the
 * sound's bands are off by 0.023 on average in the [0, 1] feature units
 * (about 3 dB: a band of a few noise bins has a random energy), with no
 * bias: a level off by 3 dB (0.025) or unshaped noise (0.2 and more)
 * fails. */
static void
test_render_round_trip (void)
{
  const int frames = 12, hop = 160;
  AeSpectrum sp;
  AeRng rng;
  float *example, *sound, *window, *spec, *energy;
  double sum_err = 0.0, bias = 0.0;
  int t, b, nb, n = 0;

  g_assert_true (ae_spectrum_init (&sp, 16000, hop, 2.0f, NULL));
  nb = sp.n_bands;
  example = g_new (float, frames * nb);
  sound = g_new (float, (frames + 1) * hop);
  window = g_new (float, sp.window);
  spec = g_new (float, 2 * sp.n_bins);
  energy = g_new (float, nb);
  /* mapped feature m: log10 energy = 12 m - 6.5, so 0.1 is 12 dB */
  for (t = 0; t < frames; t++)
    for (b = 0; b < nb; b++)
      example[t * nb + b] = 0.7f - 0.25f * b / (nb - 1)
          + 0.05f * (float) sin (t * 0.8);
  ae_rng_init (&rng, g_test_rand_int ());
  ae_audio_frames_render (&sp, example, frames, &rng, sound);
  /* the first and last frames lack a neighbour's overlap */
  for (t = 1; t + 1 < frames; t++) {
    memcpy (window, sound + t * hop, sizeof (float) * sp.window);
    ae_spectrum_analyze (&sp, spec, window);
    ae_spectrum_band_energy (&sp, energy, spec);
    ae_spectrum_features (&sp, energy, energy);
    for (b = 0; b < nb; b++) {
      float got = CLAMP (energy[b] / 3.0f + 0.5f, 0.0f, 1.0f);
      float err = fabsf (got - example[t * nb + b]);
      sum_err += err;
      bias += got - example[t * nb + b];
      n++;
    }
  }
  g_test_message ("mean |error| %.4f, mean error %.4f, over %d bands",
      sum_err / n, bias / n, n);
  g_assert_cmpfloat (sum_err / n, <, 0.035);
  g_assert_cmpfloat (fabs (bias / n), <, 0.015);
  g_free (example);
  g_free (sound);
  g_free (window);
  g_free (spec);
  g_free (energy);
  ae_spectrum_clear (&sp);
}

int
main (int argc, char **argv)
{
  char *espeak_path, *sox_path;
  int ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);

  espeak_path = g_find_program_in_path ("espeak-ng");
  sox_path = g_find_program_in_path ("sox");
  if (espeak_path == NULL || sox_path == NULL) {
    g_print ("1..0 # SKIP espeak-ng or sox not installed\n");
    return 77;
  }
  g_free (espeak_path);
  g_free (sox_path);

  make_corpus ();
  speech16 = load ("speech", 16000, AE_SPLIT_ALL, NULL, NULL);
  noise16 = load ("noise", 16000, AE_SPLIT_ALL, NULL, NULL);

  g_test_add_func ("/train/audio-data/durations", test_durations);
  g_test_add_func ("/train/audio-data/sine-resample", test_sine_resample);
  g_test_add_func ("/train/audio-data/channel0-and-corrupt", test_channel0);
  g_test_add_func ("/train/audio-data/thread-count-invariant",
      test_thread_count_invariant);
  g_test_add_func ("/train/audio-data/errors", test_errors);
  g_test_add_func ("/train/audio-data/unreadable-named",
      test_unreadable_named);
  g_test_add_func ("/train/audio-data/short-skipped", test_short_skipped);
  g_test_add_func ("/train/audio-data/heldout-list", test_heldout_list);
  g_test_add_func ("/train/audio-data/seeded-split", test_seeded_split);
  g_test_add_func ("/train/mixer/snr", test_mixer_snr);
  g_test_add_func ("/train/mixer/determinism", test_mixer_determinism);
  g_test_add_func ("/train/mixer/ranges", test_mixer_ranges);
  g_test_add_func ("/train/mixer/noise-speed", test_mixer_noise_speed);
  g_test_add_func ("/train/mixer/noise-change", test_mixer_noise_change);
  g_test_add_func ("/train/mixer/denormal-noise",
      test_mixer_denormal_noise);
  g_test_add_func ("/train/mixer/noise-change-stream",
      test_mixer_noise_change_stream);
  g_test_add_func ("/train/mixer/babble", test_mixer_babble);
  g_test_add_func ("/train/mixer/tones", test_mixer_tones);
  g_test_add_func ("/train/mixer/throughput", test_mixer_throughput);
  g_test_add_func ("/train/audio-frames/render", test_render_round_trip);
  g_test_add_func ("/train/loader/order", test_loader_order);
  g_test_add_func ("/train/loader/held-slot", test_loader_held_slot);
  g_test_add_func ("/train/loader/free-at-once", test_loader_free_at_once);
  ret = g_test_run ();

  ae_clip_set_free (speech16);
  ae_clip_set_free (noise16);
  remove_tree (corpus);
  g_free (corpus);
  return ret;
}
