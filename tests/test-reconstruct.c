/* test-reconstruct.c: ae-train fit --task reconstruct, sample and encode,
 * end to end through the binary.
 *
 *   - a folder of small PNGs of videotestsrc's moving ball (plus an
 *     unreadable file and a short AVI) is the corpus;
 *   - for every kind, a short fit lowers the validation loss in its CSV log
 *     to at most half its start;
 *   - from a folder of audio (hums sox makes), band-feature examples
 *     train too, the model records the features' settings, and encode
 *     turns the folder into one code per non-overlapping example;
 *   - a run stopped and resumed from its checkpoint ends where an
 *     uninterrupted one does;
 *   - with --ema the model written is the weights' average and the
 *     training path is unchanged;
 *   - sample writes N PGM files of the model's patch size, and for an
 *     audio model N WAV files whose band energies, read back through
 *     libsndfile, follow the features it also writes to samples.npy;
 *   - encode writes a .npy whose header parses and whose size matches its
 *     shape;
 *   - contradictory options, an empty folder and a non-variational sample
 *     are refused with a message naming the problem.
 *
 * Usage: test-reconstruct PATH-TO-ae-train (meson passes it).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "spectrum.h"
#include "test-tool-util.h"

static const char *ae_train;
static char *work_dir;          /* temp folder: images/, models, logs */
static char *image_dir;

static int
run_ae_train (const char *const *args, char **err)
{
  return tool_run (ae_train, args, err);
}

static void
make_corpus (void)
{
  /* A ball moving three ways, four frames each: any split by file leaves
   * validation frames like the training ones, so the loss can fall. */
  static const char *const motions[] = { "wavy", "sweep", "hsweep" };
  char *cmd, *broken;
  guint i;

  work_dir = g_dir_make_tmp ("test-reconstruct-XXXXXX", NULL);
  g_assert_nonnull (work_dir);
  image_dir = g_build_filename (work_dir, "images", NULL);
  g_assert_cmpint (g_mkdir (image_dir, 0755), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (motions); i++) {
    cmd = g_strdup_printf ("videotestsrc pattern=ball motion=%s "
        "num-buffers=4 ! video/x-raw,width=32,height=32 ! pngenc ! "
        "multifilesink location=%s/ball-%s-%%02d.png", motions[i], image_dir,
        motions[i]);
    tool_gst_launch (cmd);
    g_free (cmd);
  }
  /* A video: frames are taken at an interval. */
  cmd = g_strdup_printf ("videotestsrc pattern=ball num-buffers=20 ! "
      "video/x-raw,format=I420,width=32,height=32,framerate=10/1 ! avimux ! "
      "filesink location=%s/clip.avi", image_dir);
  tool_gst_launch (cmd);
  g_free (cmd);
  broken = g_build_filename (image_dir, "broken.png", NULL);
  g_assert_true (g_file_set_contents (broken, "not a png", -1, NULL));
  g_free (broken);
}

/* Machine hums in three folders (the split is by folder), one at another
 * rate: the audio corpus. */
static char *
make_audio_corpus (void)
{
  static const char *const sounds[][3] = {
    {"a", "hum1.wav", "-r 16000 %s synth 2 sine 120 sine 240 vol 0.3"},
    {"a", "hum2.wav", "-r 16000 %s synth 2 sine 125 vol 0.3"},
    {"b", "hum3.wav", "-r 22050 %s synth 2 sine 118 sine 236 vol 0.2"},
    {"c", "hum4.wav", "-r 16000 %s synth 2 sine 122 brownnoise vol 0.2"},
  };
  char *dir = g_build_filename (work_dir, "audio", NULL);
  guint i;

  for (i = 0; i < G_N_ELEMENTS (sounds); i++) {
    char *sub = g_build_filename (dir, sounds[i][0], NULL);
    char *file = g_build_filename (sub, sounds[i][1], NULL);
    char *args = g_strdup_printf (sounds[i][2], file);
    char *cmd = g_strdup_printf ("sox -n %s", args);
    int status;
    g_assert_cmpint (g_mkdir_with_parents (sub, 0755), ==, 0);
    g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, &status,
            NULL));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
    g_free (sub);
    g_free (file);
    g_free (args);
    g_free (cmd);
  }
  return dir;
}

static char *
work_path (const char *name)
{
  return g_build_filename (work_dir, name, NULL);
}

/* First and lowest val_loss (third column) of a fit's CSV log. */
static void
read_log (const char *path, double *first, double *best)
{
  char *text = NULL, **lines;
  guint i, n = 0;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], "step,train_loss,val_loss"));
  for (i = 1; lines[i] && lines[i][0]; i++) {
    char **f = g_strsplit (lines[i], ",", -1);
    double v;

    g_assert_cmpuint (g_strv_length (f), >=, 3);
    v = g_ascii_strtod (f[2], NULL);
    if (n++ == 0)
      *first = *best = v;
    *best = MIN (*best, v);
    g_strfreev (f);
  }
  g_assert_cmpuint (n, >=, 3);
  g_strfreev (lines);
  g_free (text);
}

typedef struct
{
  const char *kind;
  const char *extra[8];
} FitCase;

static const FitCase fit_cases[] = {
  {"basic", {"--loss", "mse", NULL}},
  {"denoising", {"--loss", "mse", "--mask-prob", "0.25", NULL}},
  {"sparse", {"--loss", "l1", "--sparsity-target", "0.1", NULL}},
  {"contractive", {"--loss", "mse", "--contractive-weight", "0.05", NULL}},
  {"variational", {"--loss", "bce", "--kl-warmup", "100", "--kl-weight",
          "0.1", NULL}},
};

static void
test_fit (gconstpointer data)
{
  const FitCase *c = data;
  char *model = work_path (c->kind), *log, *err = NULL, *model_file;
  const char *args[40] = { "fit", "--task", "reconstruct", "--kind", c->kind,
    "--images", image_dir, "--patch", "8", "--code", "6", "--hidden", "24",
    "--steps", "500", "--val-every", "50", "--batch", "32", "--lr", "0.003",
    "--val-patches", "128", "-o", NULL
  };
  int n = 24, i, status;
  double first = 0.0, best = 0.0;

  model_file = g_strconcat (model, ".safetensors", NULL);
  log = g_strconcat (model, ".csv", NULL);
  args[n++] = model_file;
  args[n++] = "--log";
  args[n++] = log;
  for (i = 0; c->extra[i]; i++)
    args[n++] = c->extra[i];
  args[n] = NULL;
  status = run_ae_train (args, &err);
  if (status != 0)
    g_error ("fit --kind %s failed (%d): %s", c->kind, status, err);
  /* The corrupt file is skipped with a counted warning, not fatal. */
  g_assert_nonnull (strstr (err, "skipped 1 unreadable file"));
  g_assert_nonnull (strstr (err, "broken.png"));
  read_log (log, &first, &best);
  if (!(best <= 0.5 * first))
    g_error ("--kind %s: validation loss %.5f -> %.5f, not halved", c->kind,
        first, best);
  g_assert_true (g_file_test (model_file, G_FILE_TEST_IS_REGULAR));
  g_free (err);
  g_free (model);
  g_free (model_file);
  g_free (log);
}

/* --audio: examples are stretches of band features; the loss must halve
 * and the model say it is an audio model with the features' settings. */
static void
test_fit_audio (void)
{
  char *audio_dir, *model = work_path ("audio.safetensors");
  char *log = work_path ("audio.csv"), *err = NULL;
  const char *args[] = { "fit", "--task", "reconstruct", "--kind", "basic",
    "--audio", NULL, "--code", "8", "--hidden", "64", "--steps", "300",
    "--val-every", "50", "--batch", "16", "--lr", "3e-3", "--val-fraction",
    "0.3", "-o", model, "--log", log, NULL
  };
  double first = 0.0, best = 0.0;
  char *text = NULL;

  if (!g_find_program_in_path ("sox")) {
    g_test_skip ("sox not found");
    goto done;
  }
  audio_dir = make_audio_corpus ();
  args[6] = audio_dir;
  if (run_ae_train (args, &err) != 0)
    g_error ("fit --audio failed: %s", err);
  read_log (log, &first, &best);
  g_test_message ("val loss %.5f -> %.5f", first, best);
  g_assert_cmpfloat (best, <=, 0.5 * first);
  {
    const char *info[] = { "info", model, NULL };
    g_assert_cmpint (tool_run_out (ae_train, info, &text, NULL), ==, 0);
  }
  g_assert_true (g_regex_match_simple ("^ae\\.modality +audio$", text,
          G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^ae\\.sample_rate +16000$", text,
          G_REGEX_MULTILINE, 0));
  g_assert_true (g_regex_match_simple ("^ae\\.frames +8$", text,
          G_REGEX_MULTILINE, 0));
  g_free (text);
  text = NULL;
  /* encode cuts each 2 s clip into non-overlapping 8-frame examples
   * (span 7 hops + a window = 1440 samples, step 1280): 24 per clip */
  {
    char *npy = work_path ("audio-codes.npy"), *data = NULL;
    const char *enc[] = { "encode", "--model", model, "--audio", audio_dir,
      "-o", npy, NULL
    };
    gsize len;
    g_assert_cmpint (run_ae_train (enc, NULL), ==, 0);
    g_assert_true (g_file_get_contents (npy, &data, &len, NULL));
    g_assert_cmpuint (len, >, 10);   /* magic, version, header length */
    g_assert_nonnull (g_strstr_len (data + 10, MIN (len, 128) - 10,
            "'shape': (96, 8)"));
    g_assert_cmpuint (len, ==, 128 + 96 * 8 * 4);
    g_free (data);
    g_free (npy);
  }
  g_free (text);
  g_free (audio_dir);
done:
  g_free (err);
  g_free (model);
  g_free (log);
}

/* Stopped at step 30 and resumed to 60, a run leaves the checkpoint an
 * uninterrupted one does, byte for byte. */
static void
test_resume (void)
{
  char *ck_a = work_path ("straight.ckpt"), *ck_b = work_path ("split.ckpt");
  char *model = work_path ("resume.safetensors"), *err = NULL;
  char *da, *db;
  gsize la, lb;
  const char *base[] = { "fit", "--task", "reconstruct", "--kind",
    "denoising", "--images", image_dir, "--patch", "8", "--code", "6",
    "--hidden", "24", "--val-every", "10", "--batch", "16", "-o", model,
    "--steps", NULL, "--checkpoint", NULL, NULL, NULL, NULL
  };
  const char *args[G_N_ELEMENTS (base)];

  memcpy (args, base, sizeof (base));
  args[20] = "60";
  args[22] = ck_a;
  g_assert_cmpint (run_ae_train (args, NULL), ==, 0);
  args[20] = "30";
  args[22] = ck_b;
  g_assert_cmpint (run_ae_train (args, NULL), ==, 0);
  args[20] = "60";
  args[23] = "--resume";
  args[24] = ck_b;
  g_assert_cmpint (run_ae_train (args, &err), ==, 0);
  g_assert_nonnull (strstr (err, "resumed from"));
  g_assert_nonnull (strstr (err, "at step 30"));
  g_assert_true (g_file_get_contents (ck_a, &da, &la, NULL));
  g_assert_true (g_file_get_contents (ck_b, &db, &lb, NULL));
  g_assert_cmpmem (da, la, db, lb);
  g_free (da);
  g_free (db);
  g_free (err);
  g_free (ck_a);
  g_free (ck_b);
  g_free (model);
}

/* --ema: the model written is the weights' average, swapped into the
 * layers for validation and out again (tool_check_weight_average; its
 * checkpoint comparison shows the swap put the live weights back): three
 * runs of 3 steps from one seed, frozen (rate 1e-12), plain and averaged
 * (D = 0.999, so at most 0.3% of the way in three steps). */
static void
test_ema (void)
{
  char *models[3], *cks[3];
  const char *base[] = { "fit", "--task", "reconstruct", "--kind",
    "denoising", "--images", image_dir, "--patch", "8", "--code", "6",
    "--hidden", "24", "--val-every", "3", "--batch", "16", "--steps", "3",
    "--warmup", "0", "--lr", NULL, "-o", NULL, "--checkpoint", NULL, NULL,
    NULL, NULL
  };
  const char *args[G_N_ELEMENTS (base)];
  char *err = NULL;
  int i;

  for (i = 0; i < 3; i++) {
    static const char *const names[3] = { "frozen", "plain", "avg" };
    char *leaf = g_strdup_printf ("ema-%s.safetensors", names[i]);
    char *ck = g_strdup_printf ("ema-%s.ckpt", names[i]);

    models[i] = work_path (leaf);
    cks[i] = work_path (ck);
    g_free (leaf);
    g_free (ck);
    memcpy (args, base, sizeof (base));
    args[22] = i == 0 ? "1e-12" : "1e-2";
    args[24] = models[i];
    args[26] = cks[i];
    if (i == 2) {
      args[27] = "--ema";
      args[28] = "0.999";
    }
    g_assert_cmpint (run_ae_train (args, i == 2 ? &err : NULL), ==, 0);
  }
  g_assert_nonnull (strstr (err, "moving average (decay 0.999)"));
  tool_check_weight_average (models[0], models[1], models[2], cks[1],
      cks[2]);
  for (i = 0; i < 3; i++) {
    g_free (models[i]);
    g_free (cks[i]);
  }
  g_free (err);
}

static void
test_sample (void)
{
  char *model = work_path ("variational.safetensors");
  char *out = work_path ("samples");
  const char *args[] = { "sample", "--model", model, "-n", "3", "-o", out,
    NULL
  };
  int i;

  if (!g_file_test (model, G_FILE_TEST_EXISTS)) {
    g_test_skip ("the variational fit did not run");
    goto done;
  }
  g_assert_cmpint (run_ae_train (args, NULL), ==, 0);
  for (i = 0; i < 4; i++) {
    char name[32], *path, *text = NULL;
    gsize len = 0;

    g_snprintf (name, sizeof (name), "sample-%04d.pgm", i);
    path = g_build_filename (out, name, NULL);
    if (i == 3) {
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    } else {
      g_assert_true (g_file_get_contents (path, &text, &len, NULL));
      g_assert_cmpuint (len, ==, strlen ("P5\n8 8\n255\n") + 64);
      g_assert_true (g_str_has_prefix (text, "P5\n8 8\n255\n"));
      g_unlink (path);
    }
    g_free (text);
    g_free (path);
  }
  g_rmdir (out);
done:
  g_free (model);
  g_free (out);
}

/* The little-endian float32 data of a 2-D .npy file ae-train wrote, with
 * its shape. */
static float *
read_npy (const char *path, guint * rows, guint * cols)
{
  char *data = NULL;
  gsize len;
  guint hlen;
  float *out;
  const char *shape;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, >, 10);
  hlen = (guint8) data[8] | (guint) (guint8) data[9] << 8;
  shape = g_strstr_len (data + 10, hlen, "'shape': (");
  g_assert_nonnull (shape);
  g_assert_cmpint (sscanf (shape, "'shape': (%u, %u)", rows, cols), ==, 2);
  g_assert_cmpuint (len, ==, 10 + hlen + (gsize) *rows * *cols * 4);
  out = g_memdup2 (data + 10 + hlen, (gsize) *rows * *cols * 4);
  g_free (data);
  return out;
}

/* sample on an audio VAE: a WAV per draw, and the decoded features in
 * samples.npy.  The sound carries the features: re-analysed here with the
 * project's own spectrum code from what libsndfile reads back, its band
 * energies follow the drawn ones far better than each frame's flat mean
 * does.  Only bands within 24 dB of the frame's loudest are compared: a
 * draw from the prior may ask for a band far quieter than its neighbour,
 * which no signal can show through the analysis window's leakage. */
static void
test_sample_audio (void)
{
  char *audio_dir, *model = work_path ("audio-vae.safetensors");
  char *out = work_path ("audio-samples"), *npy, *err = NULL;
  const char *fit[] = { "fit", "--task", "reconstruct", "--kind",
    "variational", "--loss", "bce", "--audio", NULL, "--code", "8",
    "--hidden", "64", "--steps", "300", "--val-every", "100", "--batch",
    "16", "--lr", "3e-3", "--val-fraction", "0.3", "-o", model, NULL
  };
  const char *sample[] = { "sample", "--model", model, "-n", "3", "-o", out,
    "--seed", "5", NULL
  };
  AeSpectrum sp;
  float *rows, *window, *spec, *energy;
  guint n_rows, n_cols, i;
  int t, b, n_bands, frames;
  double err_render = 0.0, err_flat = 0.0;
  guint n_compared = 0;

  if (!g_find_program_in_path ("sox")) {
    g_test_skip ("sox not found");
    goto done;
  }
  audio_dir = make_audio_corpus ();
  fit[8] = audio_dir;
  if (run_ae_train (fit, &err) != 0)
    g_error ("fit --audio --kind variational failed: %s", err);
  g_free (audio_dir);
  g_assert_cmpint (run_ae_train (sample, NULL), ==, 0);

  g_assert_true (ae_spectrum_init (&sp, 16000, 160, 2.0f, NULL));
  n_bands = sp.n_bands;
  npy = g_build_filename (out, "samples.npy", NULL);
  rows = read_npy (npy, &n_rows, &n_cols);
  frames = (int) n_cols / n_bands;
  g_assert_cmpuint (n_rows, ==, 3);
  g_assert_cmpint (frames, ==, 8);      /* the default --frames */
  g_assert_cmpuint (n_cols, ==, (guint) (frames * n_bands));
  window = g_new (float, sp.window);
  spec = g_new (float, 2 * sp.n_bins);
  energy = g_new (float, n_bands);
  for (i = 0; i < 4; i++) {
    char name[32], *path;
    SF_INFO info = { 0 };
    SNDFILE *f;
    float sound[9 * 160];
    double rms = 0.0;

    g_snprintf (name, sizeof (name), "sample-%04u.wav", i);
    path = g_build_filename (out, name, NULL);
    if (i == 3) {
      g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
      g_free (path);
      continue;
    }
    f = sf_open (path, SFM_READ, &info);
    g_assert_nonnull (f);
    g_assert_cmpint (info.samplerate, ==, 16000);
    g_assert_cmpint (info.channels, ==, 1);
    g_assert_cmpint (info.frames, ==, (frames + 1) * 160);
    g_assert_cmpint (sf_readf_float (f, sound, info.frames), ==, info.frames);
    sf_close (f);
    for (t = 0; t < (frames + 1) * 160; t++) {
      g_assert_true (isfinite (sound[t]));
      rms += (double) sound[t] * sound[t];
    }
    g_assert_cmpfloat (rms, >, 0.0);
    for (t = 0; t < frames; t++) {
      const float *want = rows + (gsize) i * n_cols + (gsize) t * n_bands;
      double mean = 0.0;
      float loudest = 0.0f;

      memcpy (window, sound + t * 160, sizeof (float) * sp.window);
      ae_spectrum_analyze (&sp, spec, window);
      ae_spectrum_band_energy (&sp, energy, spec);
      ae_spectrum_features (&sp, energy, energy);
      for (b = 0; b < n_bands; b++) {
        mean += want[b] / n_bands;
        loudest = MAX (loudest, want[b]);
      }
      for (b = 0; b < n_bands; b++) {
        /* mapped feature 0.2 = 0.6 log10 units of energy x 4 = 24 dB */
        float got = CLAMP (energy[b] / 3.0f + 0.5f, 0.0f, 1.0f);
        if (want[b] < loudest - 0.2f)
          continue;
        n_compared++;
        err_render += fabs (got - want[b]);
        err_flat += fabs (mean - want[b]);
      }
    }
    g_free (path);
  }
  g_test_message ("%u bands compared, mean |error| of the features: "
      "rendered %.4f, flat %.4f", n_compared, err_render / MAX (n_compared,
          1), err_flat / MAX (n_compared, 1));
  g_assert_cmpfloat (err_render, <, 0.5 * err_flat);
  g_assert_cmpfloat (err_render / MAX (n_compared, 1), <, 0.1);
  g_free (window);
  g_free (spec);
  g_free (energy);
  g_free (rows);
  g_free (npy);
  ae_spectrum_clear (&sp);
done:
  g_free (err);
  g_free (model);
  g_free (out);
}

static void
test_encode (void)
{
  char *model = work_path ("basic.safetensors");
  char *out = work_path ("codes.npy");
  const char *args[] = { "encode", "--model", model, "--images", image_dir,
    "-o", out, NULL
  };
  char *data = NULL, *header, *shape;
  gsize len = 0, hlen;
  guint64 rows, cols;
  char *end;

  if (!g_file_test (model, G_FILE_TEST_EXISTS)) {
    g_test_skip ("the basic fit did not run");
    goto done;
  }
  g_assert_cmpint (run_ae_train (args, NULL), ==, 0);
  g_assert_true (g_file_get_contents (out, &data, &len, NULL));
  g_assert_cmpuint (len, >, 10);
  g_assert_cmpmem (data, 8, "\x93NUMPY\x01\x00", 8);
  hlen = (guchar) data[8] | ((gsize) (guchar) data[9] << 8);
  g_assert_cmpuint ((10 + hlen) % 16, ==, 0);
  g_assert_cmpuint (len, >=, 10 + hlen);
  g_assert_cmpint (data[10 + hlen - 1], ==, '\n');
  header = g_strndup (data + 10, hlen);
  g_assert_nonnull (strstr (header, "'descr': '<f4'"));
  g_assert_nonnull (strstr (header, "'fortran_order': False"));
  shape = strstr (header, "'shape': (");
  g_assert_nonnull (shape);
  rows = g_ascii_strtoull (shape + 10, &end, 10);
  g_assert_true (end[0] == ',' && end[1] == ' ');
  cols = g_ascii_strtoull (end + 2, &end, 10);
  g_assert_cmpint (end[0], ==, ')');
  /* 12 PNG frames of 32x32 and 2 video frames: 16 tiles of 8x8 each. */
  g_assert_cmpuint (rows, ==, 14 * 16);
  g_assert_cmpuint (cols, ==, 6);
  g_assert_cmpuint (len, ==, 10 + hlen + rows * cols * 4);
  g_free (header);
  g_unlink (out);
done:
  g_free (data);
  g_free (model);
  g_free (out);
}

typedef struct
{
  const char *what;
  const char *args[12];
  const char *expect;           /* in stderr */
} Refusal;

static void
test_refusals (void)
{
  char *empty = work_path ("empty");
  char *model = work_path ("refused.safetensors");
  char *basic = work_path ("basic.safetensors");
  char *samples = work_path ("refused-samples");
  const char *fit[] = { "fit", "--task", "reconstruct", "--images", image_dir,
    "-o", model, "--steps", "1", NULL
  };
  const Refusal cases[] = {
    {"sparsity weight without sparse",
        {"--kind", "basic", "--sparsity-weight", "0.1"}, "--sparsity-weight"},
    {"noise on a sparse model",
        {"--kind", "sparse", "--noise-sigma", "0.1"}, "--noise-sigma"},
    {"KL weight without variational",
        {"--kind", "denoising", "--kl-weight", "0.5"}, "--kl-weight"},
    {"KL warm-up without variational",
        {"--kind", "basic", "--kl-warmup", "10"}, "--kl-warmup"},
    {"two corruptions",
        {"--kind", "denoising", "--noise-sigma", "0.1", "--mask-prob", "0.2"},
        "pick one"},
    {"bce with a linear output",
        {"--loss", "bce", "--output-act", "linear"}, "sigmoid"},
    {"contractive with relu", {"--kind", "contractive", "--activation",
            "relu"}, "sigmoid or tanh"},
    {"linear variational code only",
        {"--kind", "variational", "--code-act", "tanh"}, "linear"},
    {"unknown kind", {"--kind", "fancy"}, "fancy"},
    {"unknown loss", {"--loss", "gain"}, "gain"},
    {"empty folder", {"--images", empty}, empty},
  };
  guint i, j;
  int n;

  g_assert_cmpint (g_mkdir (empty, 0755), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (cases); i++) {
    const char *args[32];
    char *err = NULL;

    for (n = 0; fit[n]; n++)
      args[n] = fit[n];
    for (j = 0; cases[i].args[j]; j++)
      args[n++] = cases[i].args[j];
    args[n] = NULL;
    g_assert_cmpint (run_ae_train (args, &err), !=, 0);
    if (!strstr (err, cases[i].expect))
      g_error ("%s: stderr \"%s\" does not mention \"%s\"", cases[i].what,
          err, cases[i].expect);
    g_free (err);
    g_assert_false (g_file_test (model, G_FILE_TEST_EXISTS));
  }

  /* The audio task keeps its own refusals. */
  {
    const char *args[] = { "fit", "--task", "audio-denoise", "--kind",
      "sparse", NULL
    };
    char *err = NULL;
    g_assert_cmpint (run_ae_train (args, &err), !=, 0);
    g_assert_nonnull (strstr (err, "--kind sparse"));
    g_free (err);
  }
  /* Sampling needs a variational model. */
  if (g_file_test (basic, G_FILE_TEST_EXISTS)) {
    const char *args[] = { "sample", "--model", basic, "-n", "2", "-o",
      samples, NULL
    };
    char *err = NULL;
    g_assert_cmpint (run_ae_train (args, &err), !=, 0);
    g_assert_nonnull (strstr (err, "variational"));
    g_assert_false (g_file_test (samples, G_FILE_TEST_EXISTS));
    g_free (err);
  }
  g_rmdir (empty);
  g_free (empty);
  g_free (model);
  g_free (basic);
  g_free (samples);
}

int
main (int argc, char **argv)
{
  guint i;
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr ("usage: %s PATH-TO-ae-train\n", argv[0]);
    return 2;
  }
  ae_train = argv[1];
  {
    char *gst_launch_path = g_find_program_in_path ("gst-launch-1.0");
    if (!gst_launch_path) {
      g_printerr ("gst-launch-1.0 not found\n");
      return 77;
    }
    g_free (gst_launch_path);
  }
  g_setenv ("OPENBLAS_NUM_THREADS", "1", TRUE);
  make_corpus ();
  for (i = 0; i < G_N_ELEMENTS (fit_cases); i++) {
    char *name = g_strdup_printf ("/reconstruct/fit/%s", fit_cases[i].kind);
    g_test_add_data_func (name, &fit_cases[i], test_fit);
    g_free (name);
  }
  g_test_add_func ("/reconstruct/fit/audio", test_fit_audio);
  g_test_add_func ("/reconstruct/fit/resume", test_resume);
  g_test_add_func ("/reconstruct/fit/ema", test_ema);
  g_test_add_func ("/reconstruct/tools/sample", test_sample);
  g_test_add_func ("/reconstruct/tools/sample-audio", test_sample_audio);
  g_test_add_func ("/reconstruct/tools/encode", test_encode);
  g_test_add_func ("/reconstruct/tools/refusals", test_refusals);
  ret = g_test_run ();
  tool_remove_tree (work_dir);
  g_free (work_dir);
  g_free (image_dir);
  return ret;
}
