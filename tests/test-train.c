/* test-train.c: ae-train end to end on its audio-denoise task.
 *
 * A temporary corpus is made once per run: espeak-ng speech (22.05 kHz WAV)
 * in three voice folders, sox noise (white and pink at 44.1 kHz, brown and
 * a 50 Hz hum at 16 kHz), an empty folder and a folder of corrupt files.
 * A held-out list names one voice folder and the pink noise file.  The trainer
 * is run as a subprocess (its path is the test's first argument) with a
 * tiny model, so that a whole fit takes about a second, and checked for:
 * falling validation loss and a loadable model, bit-exact determinism,
 * bit-exact resume (from a checkpoint and after SIGINT), refusals of bad
 * options and data, parity with the aedenoise element, and `score`.
 *
 * Trainer seeds come from g_test_rand_int, so they change on every run;
 * --seed replays one.  Not here: the data path's own checks
 * (test-audio-data.c) and speed (bench/).  Without espeak-ng or sox every
 * test is skipped.
 */
#include <gst/gst.h>
#include <glib/gstdio.h>
#include <sndfile.h>

#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ae.h"
#include "model.h"
#include "tensor.h"
#include "safetensors.h"
#include "test-tool-util.h"

static gchar *ae_train_path;    /* the executable under test */
static gchar *data_dir;         /* the temporary corpus */
static gchar *data_q;           /* data_dir, shell-quoted */
static gboolean have_tools;
static guint n_work_dirs;

/* The tiny model and schedule every fit here starts from: 3056
 * parameters, 2 x 0.4 s per step, a validation every 20 steps on 4 held-out
 * mixtures of 4 s. */
#define FIT_TINY "fit --task audio-denoise --clean %s/clean --noise %s/noise " \
  "--holdout %s/holdout.txt --rate 16000 --width 8 --code 4 --blocks 1 " \
  "--batch 2 --seq-frames 40 --val-every 20 --val-examples 4 --threads 1"

/* --- running tools --- */

static gboolean
require_tools (void)
{
  if (!have_tools)
    g_test_skip ("espeak-ng or sox not installed");
  return have_tools;
}

/* Runs @argv in @cwd; returns its exit status, or -1 when a signal ended
 * it.  @out and @err (nullable) receive what it printed. */
static gint
spawn_in (const gchar * cwd, const gchar * const *argv, gchar ** out,
    gchar ** err)
{
  GError *error = NULL;
  gchar *o = NULL, *e = NULL;
  gint wait_status;

  g_spawn_sync (cwd, (gchar **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
      &o, &e, &wait_status, &error);
  g_assert_no_error (error);
  if (out)
    *out = o;
  else
    g_free (o);
  if (err)
    *err = e;
  else
    g_free (e);
  return WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

static void
run_tool (const gchar * cwd, const gchar * const *argv)
{
  gchar *err = NULL;

  if (spawn_in (cwd, argv, NULL, &err) != 0)
    g_error ("%s failed:\n%s", argv[0], err);
  g_free (err);
}

static gchar **
ae_train_argv (const gchar * args)
{
  GError *error = NULL;
  gchar *cmd = g_strdup_printf ("%s %s", "ae-train", args);
  gchar **argv = NULL;

  g_assert_true (g_shell_parse_argv (cmd, NULL, &argv, &error));
  g_assert_no_error (error);
  g_free (argv[0]);
  argv[0] = g_strdup (ae_train_path);
  g_free (cmd);
  return argv;
}

/* Runs `ae-train ARGS` in @cwd, ARGS made from @format and split like a
 * shell would; returns the exit status (-1: killed by a signal). */
static gint ae_train (const gchar * cwd, gchar ** out, gchar ** err,
    const gchar * format, ...) G_GNUC_PRINTF (4, 5);

static gint
ae_train (const gchar * cwd, gchar ** out, gchar ** err, const gchar * format,
    ...)
{
  va_list ap;
  gchar *args, **argv;
  gint status;

  va_start (ap, format);
  args = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_test_message ("(in %s) ae-train %s", cwd, args);
  argv = ae_train_argv (args);
  status = spawn_in (cwd, (const gchar * const *) argv, out, err);
  g_strfreev (argv);
  g_free (args);
  return status;
}

/* FIT_TINY with the corpus filled in. */
static gchar *
fit_tiny (void)
{
  return g_strdup_printf (FIT_TINY, data_q, data_q, data_q);
}

/* A new, empty working directory for one run. */
static gchar *
new_work_dir (const gchar * name)
{
  gchar *leaf = g_strdup_printf ("%s-%u", name, n_work_dirs++);
  gchar *dir = g_build_filename (data_dir, "runs", leaf, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_free (leaf);
  return dir;
}

static gchar *
read_all (const gchar * dir, const gchar * name, gsize * len)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gchar *contents = NULL;
  GError *error = NULL;

  g_file_get_contents (path, &contents, len, &error);
  g_assert_no_error (error);
  g_free (path);
  return contents;
}

static gboolean
exists_in (const gchar * dir, const gchar * name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  gboolean found = g_file_test (path, G_FILE_TEST_EXISTS);

  g_free (path);
  return found;
}

/* --- the corpus --- */

static gchar *
data_path (const gchar * rel)
{
  return g_build_filename (data_dir, rel, NULL);
}

static void
espeak (const gchar * rel, const gchar * voice, const gchar * text)
{
  gchar *path = data_path (rel);
  const gchar *argv[] = { "espeak-ng", "-v", voice, "-w", path, text, NULL };

  run_tool (data_dir, argv);
  g_free (path);
}

/* sox -D -n -r RATE -c 1 FILE synth 3 ARGS... */
static void
sox_synth (const gchar * rel, const gchar * rate, const gchar * a1,
    const gchar * a2, const gchar * a3, const gchar * a4)
{
  gchar *path = data_path (rel);
  const gchar *argv[] = { "sox", "-D", "-n", "-r", rate, "-c", "1", path,
    "synth", "3", a1, a2, a3, a4, NULL
  };

  run_tool (data_dir, argv);
  g_free (path);
}

static void
write_data (const gchar * rel, const gchar * bytes, gssize len)
{
  gchar *path = data_path (rel);

  g_assert_true (g_file_set_contents (path, bytes, len, NULL));
  g_free (path);
}

static void
make_corpus (void)
{
  static const gchar *const dirs[] = {
    "clean/voiceA", "clean/voiceB", "clean/voiceC", "noise", "empty/sub",
    "corrupt", "runs"
  };
  gchar garbage[4096];
  guint i;

  data_dir = g_dir_make_tmp ("test-train-XXXXXX", NULL);
  g_assert_nonnull (data_dir);
  data_q = g_shell_quote (data_dir);
  for (i = 0; i < G_N_ELEMENTS (dirs); i++) {
    gchar *path = data_path (dirs[i]);

    g_assert_cmpint (g_mkdir_with_parents (path, 0755), ==, 0);
    g_free (path);
  }
  espeak ("clean/voiceA/a1.wav", "en", "Hello world, this is a test of the "
      "training program.");
  espeak ("clean/voiceA/a2.wav", "en", "The quick brown fox jumps over the "
      "lazy dog.");
  espeak ("clean/voiceB/b1.wav", "en+f3", "She sells sea shells by the sea "
      "shore.");
  espeak ("clean/voiceB/b2.wav", "en+f3", "How much wood would a woodchuck "
      "chuck?");
  espeak ("clean/voiceC/c1.wav", "en+m3", "Peter Piper picked a peck of "
      "pickled peppers.");
  sox_synth ("noise/white.wav", "44100", "whitenoise", "vol", "0.3", NULL);
  sox_synth ("noise/pink.wav", "44100", "pinknoise", "vol", "0.3", NULL);
  sox_synth ("noise/brown.wav", "16000", "brownnoise", "vol", "0.3", NULL);
  sox_synth ("noise/hum.wav", "16000", "sine", "50", "vol", "0.2");
  write_data ("holdout.txt", "# one voice, one noise\nclean/voiceC/\n"
      "noise/pink.wav\n", -1);

  /* audio names, contents sndfile cannot open */
  for (i = 0; i < sizeof (garbage); i++)
    garbage[i] = (gchar) (i * 7919u >> 3);
  write_data ("corrupt/broken.wav", garbage, sizeof (garbage));
  write_data ("corrupt/empty.flac", "", 0);
  write_data ("empty/sub/readme.txt", "no audio here", -1);
}

static void
remove_tree (const gchar * path)
{
  GDir *d = g_dir_open (path, 0, NULL);
  const gchar *name;

  if (d != NULL) {
    while ((name = g_dir_read_name (d)) != NULL) {
      gchar *child = g_build_filename (path, name, NULL);

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

/* --- audio files --- */

static float *
read_wav (const gchar * path, gint * rate, gsize * n)
{
  SF_INFO info = { 0 };
  SNDFILE *sf = sf_open (path, SFM_READ, &info);
  float *x;

  if (sf == NULL)
    g_error ("%s: %s", path, sf_strerror (NULL));
  g_assert_cmpint (info.channels, ==, 1);
  x = g_new (float, MAX (info.frames, 1));
  g_assert_cmpint (sf_readf_float (sf, x, info.frames), ==, info.frames);
  sf_close (sf);
  *rate = info.samplerate;
  *n = info.frames;
  return x;
}

static void
write_wav (const gchar * path, gint rate, const float *x, gsize n)
{
  SF_INFO info = { 0 };
  SNDFILE *sf;

  info.samplerate = rate;
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
  sf = sf_open (path, SFM_WRITE, &info);
  if (sf == NULL)
    g_error ("%s: %s", path, sf_strerror (NULL));
  g_assert_cmpint (sf_writef_float (sf, x, n), ==, (sf_count_t) n);
  sf_close (sf);
}

/* Held-out speech at 16 kHz (sox resamples), and brown noise, both 16 kHz
 * mono F32 in @dir; returns the speech. */
static float *
make_speech16 (const gchar * dir, gsize * n_out, float **noise_out)
{
  gchar *src = data_path ("clean/voiceC/c1.wav");
  gchar *dst = g_build_filename (dir, "speech16.wav", NULL);
  gchar *noise_path = data_path ("noise/brown.wav");
  const gchar *argv[] = { "sox", "-D", src, "-r", "16000", "-e",
    "floating-point", "-b", "32", dst, NULL
  };
  float *speech, *noise;
  gint rate;
  gsize n, n_noise, i;

  run_tool (dir, argv);
  speech = read_wav (dst, &rate, &n);
  g_assert_cmpint (rate, ==, 16000);
  noise = read_wav (noise_path, &rate, &n_noise);
  g_assert_cmpint (rate, ==, 16000);
  /* the noise loops under speech longer than it */
  *noise_out = g_new (float, n);
  for (i = 0; i < n; i++)
    (*noise_out)[i] = noise[i % n_noise];
  g_free (noise);
  g_free (src);
  g_free (dst);
  g_free (noise_path);
  *n_out = n;
  return speech;
}

/* --- weight files --- */

static AeSafetensors *
open_weights (const gchar * dir, const gchar * name)
{
  gchar *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  AeSafetensors *st = ae_safetensors_new_from_file (path, &error);

  g_assert_no_error (error);
  g_free (path);
  return st;
}

/* How many tensors of @a and @b hold different floats (out of
 * @n_tensors); the files must hold the same tensor names and shapes. */
static guint
count_different_tensors (const gchar * dir_a, const gchar * dir_b,
    const gchar * name, guint * n_tensors)
{
  AeSafetensors *a = open_weights (dir_a, name);
  AeSafetensors *b = open_weights (dir_b, name);
  guint i, n = ae_safetensors_get_n_tensors (a), n_diff = 0;

  g_assert_cmpuint (ae_safetensors_get_n_tensors (b), ==, n);
  for (i = 0; i < n; i++) {
    const gchar *tname = ae_safetensors_get_tensor_name (a, i);
    int rank = ae_safetensors_get_tensor_rank (a, i);
    const gint64 *shape = ae_safetensors_get_tensor_shape (a, i);
    gsize count = ae_safetensors_get_tensor_n_elements (a, i);
    float *fa = g_new (float, MAX (count, 1));
    float *fb = g_new (float, MAX (count, 1));
    GError *error = NULL;

    g_assert_true (ae_safetensors_copy_f32 (a, tname, rank, shape, fa,
            &error));
    g_assert_true (ae_safetensors_copy_f32 (b, tname, rank, shape, fb,
            &error));
    g_assert_no_error (error);
    if (memcmp (fa, fb, count * sizeof (float)) != 0)
      n_diff++;
    g_free (fa);
    g_free (fb);
  }
  ae_safetensors_free (a);
  ae_safetensors_free (b);
  *n_tensors = n;
  return n_diff;
}

/* tool_max_tensor_difference of two files in @dir. */
static double
max_tensor_difference (const gchar * dir, const gchar * name_a,
    const gchar * name_b)
{
  gchar *a = g_build_filename (dir, name_a, NULL);
  gchar *b = g_build_filename (dir, name_b, NULL);
  double d = tool_max_tensor_difference (a, b);

  g_free (a);
  g_free (b);
  return d;
}

/* Column @column of a --log CSV (2: val_loss, 3: val_si_sdri_db), in
 * order. */
static GArray *
read_log_column (const gchar * dir, const gchar * name, guint column,
    GArray * steps)
{
  gchar *csv = read_all (dir, name, NULL);
  gchar **lines = g_strsplit (csv, "\n", -1);
  GArray *losses = g_array_new (FALSE, FALSE, sizeof (gdouble));
  guint i;

  g_assert_cmpstr (lines[0], ==, "step,train_loss,val_loss,val_si_sdri_db,"
      "lr,grad_norm,seconds");
  for (i = 1; lines[i] != NULL; i++) {
    gchar **f;
    gdouble v;
    guint64 step;

    if (lines[i][0] == '\0')
      continue;
    f = g_strsplit (lines[i], ",", -1);
    g_assert_cmpuint (g_strv_length (f), ==, 7);
    step = g_ascii_strtoull (f[0], NULL, 10);
    v = g_ascii_strtod (f[column], NULL);
    g_assert_true (isfinite (v));
    g_array_append_val (losses, v);
    g_array_append_val (steps, step);
    g_strfreev (f);
  }
  g_strfreev (lines);
  g_free (csv);
  return losses;
}

/* --- tests --- */

/* A few hundred steps at a high constant-ish rate must cut the held-out
 * loss; guards against a sign error in the loss gradient, an optimiser
 * that does not step, or validation on the wrong split.  The model must
 * load and carry its training record. */
static void
test_fit_lowers_val_loss (void)
{
  gchar *dir, *fit, *out = NULL, *err = NULL;
  GArray *losses, *steps;
  gdouble first, last, best = G_MAXDOUBLE;
  guint64 best_step = 0;
  guint seed, i;
  gchar *want;

  if (!require_tools ())
    return;
  dir = new_work_dir ("fit");
  fit = fit_tiny ();
  seed = g_test_rand_int ();
  g_assert_cmpint (ae_train (dir, NULL, &err, "%s -o model.safetensors "
          "--log log.csv --seed %u --steps 300 --val-every 10 --batch 4 "
          "--lr 1e-2 --warmup 0", fit, seed), ==, 0);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, "held out: speech 1 files, noise 1 files"));
  g_free (err);

  steps = g_array_new (FALSE, FALSE, sizeof (guint64));
  losses = read_log_column (dir, "log.csv", 2, steps);
  g_assert_cmpuint (losses->len, ==, 30);
  for (i = 0; i < losses->len; i++) {
    gdouble v = g_array_index (losses, gdouble, i);

    g_assert_cmpuint (g_array_index (steps, guint64, i), ==, 10 * (i + 1));
    if (v < best) {
      best = v;
      best_step = g_array_index (steps, guint64, i);
    }
  }
  first = g_array_index (losses, gdouble, 0);
  last = g_array_index (losses, gdouble, losses->len - 1);
  g_test_message ("seed %u: val loss %.4f at step 10, %.4f at step 300 "
      "(x %.3f), best %.4f at step %" G_GUINT64_FORMAT, seed, first, last,
      last / first, best, best_step);
  g_assert_cmpfloat (last, <, 0.9 * first);

  /* info prints the record of the best validation, which the log has */
  g_assert_cmpint (ae_train (dir, &out, &err, "info model.safetensors"), ==,
      0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "ae.task"));
  g_assert_nonnull (strstr (out, "audio-denoise"));
  g_assert_true (g_regex_match_simple ("^ae\\.sample_rate +16000$", out,
          G_REGEX_MULTILINE, 0));
  want = g_strdup_printf ("^ae\\.training\\.val_loss +%.6f$", best);
  g_assert_true (g_regex_match_simple (want, out, G_REGEX_MULTILINE, 0));
  g_free (want);
  want = g_strdup_printf ("^ae\\.training\\.step +%" G_GUINT64_FORMAT "$",
      best_step);
  g_assert_true (g_regex_match_simple (want, out, G_REGEX_MULTILINE, 0));
  g_free (want);
  g_assert_true (g_regex_match_simple ("^parameters +3056$", out,
          G_REGEX_MULTILINE, 0));
  g_free (out);
  g_free (err);

  g_array_unref (losses);
  g_array_unref (steps);
  g_free (fit);
  g_free (dir);
}

/* Trained on the terms through the synthesis alone in effect (their
 * weights dwarf the band-gain loss), the model must raise the held-out
 * SI-SDR improvement that validation measures through AeStream: guards
 * the sign and wiring of synthloss.c's gradients inside the trainer. */
static void
test_fit_synth_loss (void)
{
  gchar *dir, *fit, *err = NULL;
  GArray *sdri, *steps;
  gdouble first, last;
  guint seed;

  if (!require_tools ())
    return;
  dir = new_work_dir ("synth");
  fit = fit_tiny ();
  seed = g_test_rand_int ();
  g_assert_cmpint (ae_train (dir, NULL, &err, "%s -o model.safetensors "
          "--log log.csv --seed %u --steps 300 --val-every 20 "
          "--val-examples 16 --batch 4 --lr 1e-2 --warmup 0 "
          "--sisdr-weight 1 --spectral-weight 10",
          fit, seed), ==, 0);
  g_free (err);
  steps = g_array_new (FALSE, FALSE, sizeof (guint64));
  sdri = read_log_column (dir, "log.csv", 3, steps);
  /* the last three validations, not one: a tiny model's single check
   * moves by half a dB from one to the next */
  g_assert_cmpuint (sdri->len, >=, 4);
  first = g_array_index (sdri, gdouble, 0);
  last = (g_array_index (sdri, gdouble, sdri->len - 1) +
      g_array_index (sdri, gdouble, sdri->len - 2) +
      g_array_index (sdri, gdouble, sdri->len - 3)) / 3.0;
  g_test_message ("seed %u: val SI-SDRi %.2f dB at step 20, %.2f dB over "
      "steps 260-300", seed, first, last);
  g_assert_cmpfloat (last, >, first + 1.0);
  g_array_unref (sdri);
  g_array_unref (steps);
  g_free (fit);
  g_free (dir);
}

/* The "val step 1:" line of a one-step fit with @extra options. */
static gchar *
val_line (const gchar * fit, guint seed, const gchar * extra)
{
  gchar *dir = new_work_dir ("val-change"), *err = NULL, *line, *end;

  g_assert_cmpint (ae_train (dir, NULL, &err, "%s -o model.safetensors "
          "--seed %u --steps 1 --val-every 1 %s", fit, seed, extra), ==, 0);
  line = strstr (err, "val step 1:");
  g_assert_nonnull (line);
  end = strchr (line, '\n');
  line = g_strndup (line, end ? (gsize) (end - line) : strlen (line));
  g_free (err);
  g_free (dir);
  return line;
}

/* --val-noise-change 0 is the validation set of old; a share of 1 changes
 * the noise of every validation mixture, and with it the figures. */
static void
test_val_noise_change (void)
{
  gchar *fit, *plain, *zero, *all;
  guint seed;

  if (!require_tools ())
    return;
  fit = fit_tiny ();
  seed = g_test_rand_int ();
  g_test_message ("seed %u", seed);
  plain = val_line (fit, seed, "");
  zero = val_line (fit, seed, "--val-noise-change 0");
  all = val_line (fit, seed, "--val-noise-change 1");
  g_test_message ("%s / %s / %s", plain, zero, all);
  g_assert_cmpstr (plain, ==, zero);
  g_assert_cmpstr (plain, !=, all);
  g_free (plain);
  g_free (zero);
  g_free (all);
  g_free (fit);
}

/* Same data, seed and thread count give the same bytes, in any working
 * directory (the loader thread and the decoder threads must not leak their
 * timing into the batches); another seed gives other weights. */
static void
test_deterministic (void)
{
  gchar *dir_a, *dir_b, *dir_c, *fit, *bytes_a, *bytes_b;
  gsize len_a, len_b;
  guint seed, n_tensors;

  if (!require_tools ())
    return;
  dir_a = new_work_dir ("same");
  dir_b = new_work_dir ("same");
  dir_c = new_work_dir ("other-seed");
  fit = fit_tiny ();
  seed = g_test_rand_int ();
  g_test_message ("seed %u", seed);
  g_assert_cmpint (ae_train (dir_a, NULL, NULL, "%s -o model.safetensors "
          "--steps 60 --seed %u", fit, seed), ==, 0);
  g_assert_cmpint (ae_train (dir_b, NULL, NULL, "%s -o model.safetensors "
          "--steps 60 --seed %u", fit, seed), ==, 0);
  g_assert_cmpint (ae_train (dir_c, NULL, NULL, "%s -o model.safetensors "
          "--steps 60 --seed %u", fit, seed + 1), ==, 0);

  bytes_a = read_all (dir_a, "model.safetensors", &len_a);
  bytes_b = read_all (dir_b, "model.safetensors", &len_b);
  g_assert_cmpmem (bytes_a, len_a, bytes_b, len_b);
  /* the metadata differs (--seed), so look at the tensors: all of them
   * start from other random values */
  g_assert_cmpuint (count_different_tensors (dir_a, dir_c,
          "model.safetensors", &n_tensors), ==, n_tensors);
  g_assert_cmpuint (n_tensors, >, 0);

  g_free (bytes_a);
  g_free (bytes_b);
  g_free (fit);
  g_free (dir_a);
  g_free (dir_b);
  g_free (dir_c);
}

/* The thread count changes the speed, never the weights: a batch of 6 is
 * two shards (4 + 2 sequences), run on 1 thread and on 3, with the SI-SDR
 * term so the per-sequence synthesis is sharded too. */
static void
test_threads_same_weights (void)
{
  gchar *dir_a, *dir_b, *fit;
  guint seed, n_tensors;

  if (!require_tools ())
    return;
  dir_a = new_work_dir ("threads-1");
  dir_b = new_work_dir ("threads-3");
  fit = fit_tiny ();
  seed = g_test_rand_int ();
  g_assert_cmpint (ae_train (dir_a, NULL, NULL, "%s -o model.safetensors "
          "--steps 30 --batch 6 --sisdr-weight 0.5 --seed %u --threads 1",
          fit, seed), ==, 0);
  g_assert_cmpint (ae_train (dir_b, NULL, NULL, "%s -o model.safetensors "
          "--steps 30 --batch 6 --sisdr-weight 0.5 --seed %u --threads 3",
          fit, seed), ==, 0);
  g_assert_cmpuint (count_different_tensors (dir_a, dir_b,
          "model.safetensors", &n_tensors), ==, 0);
  g_assert_cmpuint (n_tensors, >, 0);
  g_free (fit);
  g_free (dir_a);
  g_free (dir_b);
}

/* 60 steps straight, and 40 then 20 more from the step-40 checkpoint,
 * give the same checkpoint bytes (parameters, Adam moments, weight
 * average with --ema, step, best loss) and the same model weights.  The
 * schedule is constant after a warm-up because a cosine one depends on
 * --steps.  Guards against a resume that restarts the data stream, the
 * warm-up, Adam's bias correction or the average, or forgets the best
 * loss.  @extra: more options for all three runs. */
static void
check_resume (const gchar * extra)
{
  gchar *straight, *split, *fit, *err = NULL, *ck_a, *ck_b, *args;
  gsize len_a, len_b;
  AeSafetensors *ma, *mb;
  guint seed, i;

  if (!require_tools ())
    return;
  straight = new_work_dir ("straight");
  split = new_work_dir ("split");
  fit = fit_tiny ();
  seed = g_test_rand_int ();
  g_test_message ("seed %u", seed);
  args = g_strdup_printf ("%s -o model.safetensors --seed %u --schedule "
      "constant --warmup 10 --lr 1e-2 --checkpoint ck.safetensors --log "
      "log.csv %s", fit, seed, extra);

  g_assert_cmpint (ae_train (straight, NULL, NULL, "%s --steps 60", args),
      ==, 0);
  g_assert_cmpint (ae_train (split, NULL, NULL, "%s --steps 40", args), ==,
      0);
  g_assert_cmpint (ae_train (split, NULL, &err, "%s --steps 60 --resume "
          "ck.safetensors", args), ==, 0);
  g_test_message ("%s", err);
  /* it resumed: only the step-60 validation, 20 steps */
  g_assert_null (strstr (err, "val step 20:"));
  g_assert_nonnull (strstr (err, "val step 60:"));
  g_assert_nonnull (strstr (err, "ae-train: 20 steps in"));
  g_free (err);

  ck_a = read_all (straight, "ck.safetensors", &len_a);
  ck_b = read_all (split, "ck.safetensors", &len_b);
  g_assert_cmpmem (ck_a, len_a, ck_b, len_b);
  g_free (ck_a);
  g_free (ck_b);
  ma = open_weights (split, "ck.safetensors");
  g_assert_cmpint (ae_safetensors_find_tensor (ma, "optim.ema") >= 0, ==,
      strstr (extra, "--ema") != NULL);
  ae_safetensors_free (ma);

  /* The models' tensors are equal and so is their metadata, except the
   * command line, which records --resume. */
  g_assert_cmpuint (count_different_tensors (straight, split,
          "model.safetensors", &i), ==, 0);
  ma = open_weights (straight, "model.safetensors");
  mb = open_weights (split, "model.safetensors");
  g_assert_cmpuint (ae_safetensors_get_n_metadata (ma), ==,
      ae_safetensors_get_n_metadata (mb));
  for (i = 0; i < ae_safetensors_get_n_metadata (ma); i++) {
    const gchar *key = ae_safetensors_get_metadata_key (ma, i);

    if (strcmp (key, "ae.training.command") != 0)
      g_assert_cmpstr (ae_safetensors_get_metadata (ma, key), ==,
          ae_safetensors_get_metadata (mb, key));
  }
  ae_safetensors_free (ma);
  ae_safetensors_free (mb);

  /* the resumed log is appended to: one header, three validations */
  {
    GArray *steps = g_array_new (FALSE, FALSE, sizeof (guint64));
    GArray *losses = read_log_column (split, "log.csv", 2, steps);

    g_assert_cmpuint (steps->len, ==, 3);
    g_assert_cmpuint (g_array_index (steps, guint64, 2), ==, 60);
    g_array_unref (steps);
    g_array_unref (losses);
  }

  g_free (args);
  g_free (fit);
  g_free (straight);
  g_free (split);
}

static void
test_resume (void)
{
  check_resume ("");
}

static void
test_resume_ema (void)
{
  check_resume ("--ema 0.9");
}

/* --ema D: the model written is the weights' average, not the last
 * step's (tool_check_weight_average).  A fine-tune's average starts at the
 * --init weights and moves at most 1 - D^k of the way the weights went in
 * k steps: after two steps at D = 0.999, 0.2%.  Then the decay's range. */
static void
test_ema (void)
{
  static const gchar *const names[5] = { "start.safetensors",
    "plain.safetensors", "avg.safetensors", "plain.ckpt", "avg.ckpt"
  };
  gchar *dir, *fit, *err = NULL, **paths;
  guint i;

  if (!require_tools ())
    return;
  dir = new_work_dir ("ema");
  fit = fit_tiny ();
  g_assert_cmpint (ae_train (dir, NULL, NULL, "%s --steps 20 -o "
          "start.safetensors", fit), ==, 0);
  g_assert_cmpint (ae_train (dir, NULL, NULL, "%s --steps 2 --val-every 1 "
          "--lr 1e-2 --warmup 0 --init start.safetensors -o "
          "plain.safetensors --checkpoint plain.ckpt", fit), ==, 0);
  g_assert_cmpint (ae_train (dir, NULL, &err, "%s --steps 2 --val-every 1 "
          "--lr 1e-2 --warmup 0 --ema 0.999 --init start.safetensors -o "
          "avg.safetensors --checkpoint avg.ckpt", fit), ==, 0);
  g_assert_nonnull (strstr (err, "moving average (decay 0.999)"));
  g_clear_pointer (&err, g_free);
  paths = g_new0 (gchar *, 6);
  for (i = 0; i < 5; i++)
    paths[i] = g_build_filename (dir, names[i], NULL);
  tool_check_weight_average (paths[0], paths[1], paths[2], paths[3],
      paths[4]);
  g_strfreev (paths);

  g_assert_cmpint (ae_train (dir, NULL, &err, "%s --steps 2 --ema 1 -o "
          "bad.safetensors", fit), >, 0);
  g_assert_nonnull (strstr (err, "--ema 1: the decay must be at least 0 "
          "and below 1"));
  g_assert_false (exists_in (dir, "bad.safetensors"));
  g_free (err);
  g_free (fit);
  g_free (dir);
}

/* Starts `ae-train ARGS --steps 1000000` in @dir, sends SIGINT some time
 * after the first checkpoint appears, and checks the exit status (0) and
 * the message; returns the step it names. */
static guint64
interrupt_run (const gchar * dir, const gchar * args)
{
  gchar *cmd, **argv, *ck_path, *s_step;
  GString *err = g_string_new (NULL);
  GError *error = NULL;
  gint64 deadline;
  GMatchInfo *match;
  GRegex *re;
  GPid pid;
  gint err_fd, wait_status;
  gchar buf[4096];
  gssize got;
  guint64 step;

  cmd = g_strdup_printf ("%s --steps 1000000", args);
  g_test_message ("(in %s) ae-train %s", dir, cmd);
  argv = ae_train_argv (cmd);
  ck_path = g_build_filename (dir, "ck.safetensors", NULL);
  g_spawn_async_with_pipes (dir, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD |
      G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid, NULL, NULL, &err_fd,
      &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
  while (!g_file_test (ck_path, G_FILE_TEST_EXISTS)
      && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);
  if (!g_file_test (ck_path, G_FILE_TEST_EXISTS)) {
    kill (pid, SIGKILL);
    g_error ("no checkpoint after 60 s");
  }
  /* a step is about 8 ms, a validation interval 160 ms; what it prints
   * meanwhile (a line per validation) fits the pipe */
  g_usleep (g_test_rand_int_range (20, 150) * 1000);
  g_assert_cmpint (kill (pid, SIGINT), ==, 0);
  while ((got = read (err_fd, buf, sizeof (buf))) > 0)
    g_string_append_len (err, buf, got);
  close (err_fd);
  g_assert_cmpint (waitpid (pid, &wait_status, 0), ==, pid);
  g_spawn_close_pid (pid);
  g_test_message ("%s", err->str);
  g_assert_true (WIFEXITED (wait_status));
  g_assert_cmpint (WEXITSTATUS (wait_status), ==, 0);

  re = g_regex_new ("^ae-train: interrupted at step ([0-9]+); checkpoint "
      "ck\\.safetensors$", G_REGEX_MULTILINE, 0, NULL);
  g_assert_true (g_regex_match (re, err->str, 0, &match));
  s_step = g_match_info_fetch (match, 1);
  step = g_ascii_strtoull (s_step, NULL, 10);
  g_assert_cmpuint (step, >=, 20);
  g_assert_cmpuint (step, <, 1000000);

  g_free (s_step);
  g_match_info_free (match);
  g_regex_unref (re);
  g_strfreev (argv);
  g_free (ck_path);
  g_string_free (err, TRUE);
  g_free (cmd);
  return step;
}

/* Ctrl-C some time after the first checkpoint: exit status 0, a message
 * naming the step and the checkpoint, a checkpoint of that very step, and
 * a loadable model.  Resuming from it for 20 more steps then gives the
 * bytes of a run that went straight there.  Steps are made costlier than
 * validations here so that the interrupt lands between two of them, where
 * only the interrupt writes the checkpoint; a run stopped on a validation
 * step is tried again, up to 4 times. */
static void
test_sigint (void)
{
  gchar *dir = NULL, *straight, *fit, *args, *ck_a, *ck_b, *s_step;
  gsize len_a, len_b;
  AeSafetensors *st;
  guint64 step = 0;
  guint attempt;

  if (!require_tools ())
    return;
  fit = fit_tiny ();
  args = g_strdup_printf ("%s -o model.safetensors --seed %u --schedule "
      "constant --lr 1e-2 --batch 8 --seq-frames 100 --val-examples 1 "
      "--checkpoint ck.safetensors", fit, g_test_rand_int ());
  for (attempt = 0; attempt < 4; attempt++) {
    g_free (dir);
    dir = new_work_dir ("sigint");
    step = interrupt_run (dir, args);
    if (step % 20 != 0)
      break;
    g_test_message ("stopped on a validation step; again");
  }
  g_assert_cmpuint (step % 20, !=, 0);
  st = open_weights (dir, "ck.safetensors");
  s_step = g_strdup_printf ("%" G_GUINT64_FORMAT, step);
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.checkpoint.step"),
      ==, s_step);
  g_free (s_step);
  ae_safetensors_free (st);
  /* the best model so far was written and loads */
  g_assert_cmpint (ae_train (dir, NULL, NULL, "info model.safetensors"), ==,
      0);

  straight = new_work_dir ("sigint-straight");
  g_assert_cmpint (ae_train (dir, NULL, NULL, "%s --steps %" G_GUINT64_FORMAT
          " --resume ck.safetensors", args, step + 20), ==, 0);
  g_assert_cmpint (ae_train (straight, NULL, NULL, "%s --steps %"
          G_GUINT64_FORMAT, args, step + 20), ==, 0);
  ck_a = read_all (straight, "ck.safetensors", &len_a);
  ck_b = read_all (dir, "ck.safetensors", &len_b);
  g_assert_cmpmem (ck_a, len_a, ck_b, len_b);

  g_free (ck_a);
  g_free (ck_b);
  g_free (args);
  g_free (fit);
  g_free (straight);
  g_free (dir);
}

/* Each line: what is wrong, the fit arguments after "fit" (%1$s is the
 * corpus), and what the message must say; the first line is the control,
 * which must succeed.  The options are otherwise those of FIT_TINY. */
typedef struct
{
  const gchar *what;
  const gchar *args;
  const gchar *expect;          /* %1$s is the corpus; NULL: success */
} Refusal;

#define DATA "--clean %1$s/clean --noise %1$s/noise --holdout " \
  "%1$s/holdout.txt"
#define TINY "--rate 16000 --width 8 --code 4 --blocks 1 --batch 2 " \
  "--seq-frames 40 --steps 5 --val-every 5 --val-examples 2 --threads 1 " \
  "-o model.safetensors"

static const Refusal refusals[] = {
  {"(control)", DATA " " TINY, NULL},
  {"no --clean", "--noise %1$s/noise " TINY, "needs --clean DIR"},
  {"missing folder", "--clean %1$s/no-such-folder --noise %1$s/noise " TINY,
      "audio folder %1$s/no-such-folder does not exist"},
  {"empty folder", "--clean %1$s/empty --noise %1$s/noise " TINY,
      "audio folder %1$s/empty holds no audio files"},
  {"snr range", DATA " --snr-min 30 --snr-max 10 " TINY,
      "--snr-min 30 is above --snr-max 10"},
  {"noise change", DATA " --noise-change 1.5 " TINY,
      "--noise-change 1.5: give a share of examples, 0 to 1"},
  {"validation noise change", DATA " --val-noise-change -0.5 " TINY,
      "--val-noise-change -0.5: give a share of examples, 0 to 1"},
  {"22050 Hz", DATA " " TINY " --rate 22050", "--rate 22050"},
  {"optimizer", DATA " --optimizer rmsprop " TINY,
      "--optimizer rmsprop is unknown"},
  {"kind", DATA " --kind sparse " TINY, "--kind sparse contradicts"},
  {"unknown option", DATA " --bogus-option 3 " TINY, "--bogus-option"},
  {"steps and epochs", DATA " " TINY " --epochs 2",
      "--steps 5 and --epochs 2: give one"},
  {"negative weight", DATA " --sisdr-weight -1 " TINY,
      "--spectral-weight 0, --sisdr-weight -1: must be 0 or positive"},
  {"resume alone", DATA " --resume ck.safetensors " TINY,
      "--resume needs --checkpoint"},
  {"only corrupt files", "--clean %1$s/corrupt --noise %1$s/noise "
        "--holdout %1$s/holdout.txt " TINY,
      "audio folder %1$s/corrupt: none of its 2 audio files is usable"},
};

static void
test_refusals (void)
{
  guint i;

  if (!require_tools ())
    return;
  for (i = 0; i < G_N_ELEMENTS (refusals); i++) {
    const Refusal *r = &refusals[i];
    gchar *dir = new_work_dir ("refusal");
    gchar *args, *err = NULL;
    gint status;

    args = g_strdup_printf (r->args, data_q);
    status = ae_train (dir, NULL, &err, "fit --task audio-denoise %s", args);
    g_test_message ("%s: exit %d: %s", r->what, status, err);
    if (r->expect == NULL) {
      g_assert_cmpint (status, ==, 0);
      g_assert_true (exists_in (dir, "model.safetensors"));
    } else {
      gchar *want = g_strdup_printf (r->expect, data_dir);
      const gchar *line;

      /* the error comes last, after any "skipped FILE" lines */
      line = strstr (err, "ae-train fit: ");

      if (status < 1 || line == NULL || strstr (line, want) == NULL)
        g_error ("%s: exit %d; expected a message with \"%s\", got:\n%s",
            r->what, status, want, err);
      g_assert_false (exists_in (dir, "model.safetensors"));
      g_free (want);
    }
    g_free (err);
    g_free (args);
    g_free (dir);
  }
}

/* --init with a shallower model grows it: every tensor it has is carried
 * over (a step too small to move them), the new block is added, and any
 * other change of architecture is refused by name. */
static void
test_grow_blocks (void)
{
  gchar *dir, *fit, *err = NULL;
  AeSafetensors *small, *grown;

  if (!require_tools ())
    return;
  dir = new_work_dir ("grow");
  fit = fit_tiny ();
  g_assert_cmpint (ae_train (dir, NULL, NULL, "%s --steps 20 -o "
          "small.safetensors", fit), ==, 0);
  g_assert_cmpint (ae_train (dir, NULL, &err, "%s --blocks 2 --steps 1 "
          "--val-every 1 --lr 1e-12 --warmup 0 --init small.safetensors "
          "-o grown.safetensors", fit), ==, 0);
  g_assert_nonnull (strstr (err, "has 1 blocks; blocks 1 to 1 start near "
          "the identity"));
  g_clear_pointer (&err, g_free);

  small = open_weights (dir, "small.safetensors");
  grown = open_weights (dir, "grown.safetensors");
  g_assert_cmpint (ae_safetensors_find_tensor (small, "block1.weight"), <, 0);
  g_assert_cmpint (ae_safetensors_find_tensor (grown, "block1.weight"), >=,
      0);
  ae_safetensors_free (small);
  ae_safetensors_free (grown);
  g_assert_cmpfloat (max_tensor_difference (dir, "small.safetensors",
          "grown.safetensors"), <, 1e-6);

  g_assert_cmpint (ae_train (dir, NULL, &err, "%s --width 12 --blocks 2 "
          "--steps 1 --init small.safetensors -o wide.safetensors", fit), >,
      0);
  g_assert_nonnull (strstr (err, "--init small.safetensors: speech "
          "architecture: only the number of blocks may grow"));
  g_assert_false (exists_in (dir, "wide.safetensors"));
  g_free (err);
  g_free (fit);
  g_free (dir);
}

/* Runs @model over @in with the element, file to file, non-live: the
 * element drops its latency and drains at EOS, as eval does. */
static void
run_element (const gchar * model, const gchar * in, const gchar * out)
{
  GError *error = NULL;
  gchar *desc = g_strdup_printf ("filesrc location=\"%s\" ! wavparse ! "
      "audioconvert ! aedenoise model=\"%s\" ! audioconvert ! "
      "audio/x-raw,format=F32LE ! wavenc ! filesink location=\"%s\"", in,
      model, out);
  GstElement *pipeline = gst_parse_launch (desc, &error);
  GstBus *bus;
  GstMessage *msg;

  g_assert_no_error (error);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
      GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  /* a warning too: the element keeps its old model when one fails */
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_WARNING);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    gchar *debug = NULL;

    if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
      gst_message_parse_error (msg, &error, &debug);
    else
      gst_message_parse_warning (msg, &error, &debug);
    g_error ("%s: %s (%s)", desc, error->message, debug);
  }
  gst_message_unref (msg);
  gst_object_unref (bus);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_NULL), ==,
      GST_STATE_CHANGE_SUCCESS);
  gst_object_unref (pipeline);
  g_free (desc);
}

/* The element and `ae-train eval` run the same model on the same 16 kHz
 * mono F32 file; their outputs must agree (STYLE.md section 1: the
 * trainer's forward pass is the element's).  A trained model, not a random
 * one, so that what it learnt is what ships. */
static void
test_element_parity (void)
{
  gchar *dir, *fit, *model, *in, *out_eval, *out_elem, *err = NULL;
  float *speech, *noise, *noisy, *y_eval, *y_elem;
  gsize n, n_eval, n_elem, i;
  gdouble max_diff = 0.0, peak = 0.0, change = 0.0;
  gint rate;

  if (!require_tools ())
    return;
  dir = new_work_dir ("parity");
  fit = fit_tiny ();
  g_assert_cmpint (ae_train (dir, NULL, NULL, "%s -o model.safetensors "
          "--steps 60 --lr 1e-2 --warmup 0 --seed %u", fit,
          g_test_rand_int ()), ==, 0);

  speech = make_speech16 (dir, &n, &noise);
  noisy = g_new (float, n);
  for (i = 0; i < n; i++)
    noisy[i] = speech[i] + 0.3f * noise[i];
  in = g_build_filename (dir, "noisy.wav", NULL);
  write_wav (in, 16000, noisy, n);
  model = g_build_filename (dir, "model.safetensors", NULL);
  out_eval = g_build_filename (dir, "eval.wav", NULL);
  out_elem = g_build_filename (dir, "element.wav", NULL);

  g_assert_cmpint (ae_train (dir, NULL, &err, "eval --model model.safetensors"
          " --input noisy.wav --output eval.wav"), ==, 0);
  g_free (err);
  run_element (model, in, out_elem);

  y_eval = read_wav (out_eval, &rate, &n_eval);
  g_assert_cmpint (rate, ==, 16000);
  y_elem = read_wav (out_elem, &rate, &n_elem);
  g_assert_cmpint (rate, ==, 16000);
  /* both keep the input's length and alignment */
  g_assert_cmpuint (n_eval, ==, n);
  g_assert_cmpuint (n_elem, ==, n);
  for (i = 0; i < n; i++) {
    max_diff = MAX (max_diff, fabs ((gdouble) y_eval[i] - y_elem[i]));
    peak = MAX (peak, fabs ((gdouble) y_eval[i]));
    change = MAX (change, fabs ((gdouble) y_eval[i] - noisy[i]));
  }
  g_test_message ("%" G_GSIZE_FORMAT " samples: max |eval - element| %.3g, "
      "peak %.3g, max |eval - input| %.3g", n, max_diff, peak, change);
  g_assert_cmpfloat (peak, >, 0.0);
  g_assert_cmpfloat (max_diff / peak, <=, 1e-5);
  /* the model did something, so the agreement is not two pass-throughs */
  g_assert_cmpfloat (change, >, 0.01 * peak);

  g_free (speech);
  g_free (noise);
  g_free (noisy);
  g_free (y_eval);
  g_free (y_elem);
  g_free (in);
  g_free (model);
  g_free (out_eval);
  g_free (out_elem);
  g_free (fit);
  g_free (dir);
}

/* The SNR that `ae-train score CLEAN FILE` prints. */
static gdouble
score_snr (const gchar * dir, const gchar * file)
{
  gchar *out = NULL;
  GRegex *re = g_regex_new ("^SNR (-?[0-9.]+) dB ", 0, 0, NULL);
  GMatchInfo *match;
  gchar *s;
  gdouble snr;

  g_assert_cmpint (ae_train (dir, &out, NULL, "score speech16.wav %s", file),
      ==, 0);
  g_test_message ("%s", out);
  g_assert_true (g_regex_match (re, out, 0, &match));
  s = g_match_info_fetch (match, 1);
  snr = g_ascii_strtod (s, NULL);
  g_free (s);
  g_match_info_free (match);
  g_regex_unref (re);
  g_free (out);
  return snr;
}

/* score against itself: no error at all; against noisy versions: the SNR
 * of the noise added, computed here, which falls by 20 log10 3 = 9.54 dB
 * when the noise is 3 times as loud. */
static void
test_score (void)
{
  gchar *dir, *path;
  float *speech, *noise, *noisy;
  gsize n, i;
  gdouble snr_self, snr_lo, snr_hi, want_lo, want_hi, ps = 0.0, pn = 0.0;
  const float gain = 0.1f;

  if (!require_tools ())
    return;
  dir = new_work_dir ("score");
  speech = make_speech16 (dir, &n, &noise);
  noisy = g_new (float, n);
  for (i = 0; i < n; i++) {
    noisy[i] = speech[i] + gain * noise[i];
    ps += (gdouble) speech[i] * speech[i];
    pn += (gdouble) (noisy[i] - speech[i]) * (noisy[i] - speech[i]);
  }
  want_lo = 10.0 * log10 (ps / pn);
  path = g_build_filename (dir, "lo.wav", NULL);
  write_wav (path, 16000, noisy, n);
  g_free (path);
  pn = 0.0;
  for (i = 0; i < n; i++) {
    noisy[i] = speech[i] + 3.0f * gain * noise[i];
    pn += (gdouble) (noisy[i] - speech[i]) * (noisy[i] - speech[i]);
  }
  want_hi = 10.0 * log10 (ps / pn);
  path = g_build_filename (dir, "hi.wav", NULL);
  write_wav (path, 16000, noisy, n);
  g_free (path);

  snr_self = score_snr (dir, "speech16.wav");
  snr_lo = score_snr (dir, "lo.wav");
  snr_hi = score_snr (dir, "hi.wav");
  g_test_message ("SNR: self %.2f dB, noisy %.2f dB (want %.3f), noisier "
      "%.2f dB (want %.3f)", snr_self, snr_lo, want_lo, snr_hi, want_hi);
  g_assert_cmpfloat (snr_self, >, 150.0);
  g_assert_cmpfloat (fabs (snr_lo - want_lo), <, 0.02);
  g_assert_cmpfloat (fabs (snr_hi - want_hi), <, 0.02);
  g_assert_cmpfloat (snr_hi, <, snr_lo - 9.0);
  g_assert_cmpfloat (snr_lo, <, snr_self);

  g_free (speech);
  g_free (noise);
  g_free (noisy);
  g_free (dir);
}

#ifdef __SANITIZE_ADDRESS__
/* GLib grows its quark table in blocks of 2048 and, by design, drops the
 * old block (gquark.c, for lock-free readers); the parity test's pipeline
 * makes this process pass 2048 quarks, and LeakSanitizer, whose fast
 * unwinder stops at g_malloc, reports the block.  Only this harness
 * process is exempted: ae-train, the code under test, runs in child
 * processes with leak detection fully on. */
const char *__lsan_default_suppressions (void)
    __attribute__ ((visibility ("default")));

const char *
__lsan_default_suppressions (void)
{
  return "leak:libglib-2.0.so\n";
}
#endif

/* Under AddressSanitizer gst-plugin-scanner, which is not instrumented,
 * cannot load the build's plugin and blacklists it; this process can. */
/* ae-train tune: the copy has the noise smoothing asked for, the same
 * weights and the same other metadata, and tuning it again to 0 turns it
 * off; values out of range and a missing -o are refused by name. */
static void
test_tune (void)
{
  AeSpeechConfig c = { 0 };
  AeSpeechNet net;
  gchar *dir = g_dir_make_tmp ("ae-tune-XXXXXX", NULL);
  gchar *src = g_build_filename (dir, "m.safetensors", NULL);
  gchar *dst = g_build_filename (dir, "t.safetensors", NULL);
  const char *meta[] = { "ae.task", "audio-denoise", NULL };
  AeModel *model, *tuned;
  GError *error = NULL;
  gchar *err = NULL;
  float *params;
  gsize i;

  c.sample_rate = 16000;
  c.hop = 160;
  c.bands_per_erb = 1.0f;
  c.arch.width = 12;
  c.arch.code = 8;
  c.arch.n_blocks = 2;
  c.arch.kernel = 3;
  g_assert_true (ae_speech_config_complete (&c, NULL));
  g_assert_true (ae_speechnet_init (&net, &c.arch, NULL));
  params = ae_alloc_floats (net.n_params);
  for (i = 0; i < net.n_params; i++)
    params[i] = (float) g_test_rand_double_range (-0.3, 0.3);
  model = ae_model_new_speech (&c, params, meta, &error);
  g_assert_no_error (error);
  g_assert_true (ae_model_save (model, src, NULL, &error));

  g_assert_cmpint (ae_train (dir, NULL, NULL, "tune -m m.safetensors -o "
          "t.safetensors --noise-smoothing 400"), ==, 0);
  tuned = ae_model_new_from_file (dst, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ae_model_get_noise_smoothing_ms (model), ==, 0);
  g_assert_cmpuint (ae_model_get_noise_smoothing_ms (tuned), ==, 400);
  g_assert_cmpstr (ae_model_get_metadata (tuned, "ae.task"), ==,
      "audio-denoise");
  g_assert_cmpmem (ae_model_get_params (tuned),
      ae_model_get_n_params (tuned) * sizeof (float),
      ae_model_get_params (model),
      ae_model_get_n_params (model) * sizeof (float));
  ae_model_unref (tuned);

  g_assert_cmpint (ae_train (dir, NULL, NULL, "tune -m t.safetensors -o "
          "t.safetensors --noise-smoothing 0"), ==, 0);
  tuned = ae_model_new_from_file (dst, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ae_model_get_noise_smoothing_ms (tuned), ==, 0);
  ae_model_unref (tuned);

  g_assert_cmpint (ae_train (dir, NULL, &err, "tune -m m.safetensors -o "
          "x.safetensors --noise-smoothing 10001"), !=, 0);
  g_assert_nonnull (strstr (err, "--noise-smoothing 10001"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (ae_train (dir, NULL, &err, "tune -m m.safetensors"), !=,
      0);
  g_assert_nonnull (strstr (err, "-o FILE"));

  g_free (err);
  ae_model_unref (model);
  ae_free (params);
  g_unlink (dst);
  g_unlink (src);
  g_rmdir (dir);
  g_free (src);
  g_free (dst);
  g_free (dir);
}

static void
load_build_plugin (void)
{
  GstElementFactory *factory = gst_element_factory_find ("aedenoise");
  const gchar *dir = g_getenv ("GST_PLUGIN_PATH_1_0");
  GstPlugin *plugin;
  GError *error = NULL;
  gchar *path;

  if (factory != NULL) {
    gst_object_unref (factory);
    return;
  }
  if (dir == NULL)
    return;                     /* the parity test will say what is missing */
  path = g_build_filename (dir, "libgstae.so", NULL);
  plugin = gst_plugin_load_file (path, &error);
  if (plugin == NULL) {
    g_printerr ("# %s: %s\n", path, error->message);
    g_clear_error (&error);
  } else {
    gst_object_unref (plugin);
  }
  g_free (path);
}

int
main (int argc, char **argv)
{
  gchar *espeak_path, *sox_path;
  int ret;

  g_test_init (&argc, &argv, NULL);
  gst_init (NULL, NULL);
  load_build_plugin ();

  /* meson passes the trainer's full path as the first argument */
  if (argc > 1)
    ae_train_path = g_strdup (argv[1]);
  else if (g_getenv ("AE_TRAIN"))
    ae_train_path = g_strdup (g_getenv ("AE_TRAIN"));
  else
    g_error ("usage: %s [GTEST-OPTIONS] PATH-TO-AE-TRAIN", argv[0]);
  g_assert_true (g_file_test (ae_train_path, G_FILE_TEST_IS_EXECUTABLE));

  espeak_path = g_find_program_in_path ("espeak-ng");
  sox_path = g_find_program_in_path ("sox");
  have_tools = espeak_path != NULL && sox_path != NULL;
  g_free (espeak_path);
  g_free (sox_path);
  if (have_tools)
    make_corpus ();

  g_test_add_func ("/train/fit/val-loss-falls", test_fit_lowers_val_loss);
  g_test_add_func ("/train/fit/synth-loss", test_fit_synth_loss);
  g_test_add_func ("/train/fit/val-noise-change", test_val_noise_change);
  g_test_add_func ("/train/fit/deterministic", test_deterministic);
  g_test_add_func ("/train/fit/threads-same-weights",
      test_threads_same_weights);
  g_test_add_func ("/train/fit/resume", test_resume);
  g_test_add_func ("/train/fit/resume-ema", test_resume_ema);
  g_test_add_func ("/train/fit/ema", test_ema);
  g_test_add_func ("/train/fit/sigint", test_sigint);
  g_test_add_func ("/train/fit/refusals", test_refusals);
  g_test_add_func ("/train/fit/grow-blocks", test_grow_blocks);
  g_test_add_func ("/train/eval/element-parity", test_element_parity);
  g_test_add_func ("/train/score/snr", test_score);
  g_test_add_func ("/train/tune", test_tune);
  ret = g_test_run ();

  if (data_dir != NULL)
    remove_tree (data_dir);
  g_free (data_dir);
  g_free (data_q);
  g_free (ae_train_path);
  return ret;
}
