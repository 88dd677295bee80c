/* test-train-video.c: ae-train fit --task video-denoise, end to end
 * through the binary.
 *
 *   - the corpus: PNGs of videotestsrc patterns the test makes, plus an
 *     unreadable file (skipped with a warning);
 *   - a short fit lowers the validation loss and lifts the PSNR at sigma
 *     25 above the noisy input's;
 *   - two runs with the same seed and two threads write the same bytes;
 *   - a run stopped at step 20 and resumed to 40 leaves the same
 *     checkpoint as an uninterrupted one;
 *   - with --ema the model written is the weights' average and the
 *     training path is unchanged;
 *   - bad options are refused with a message naming the problem;
 *   - ae-train plot draws the fit's log as a PNG;
 *   - eval --images denoises whole frames better than their input, and
 *     info reports the video model's cost.
 *
 * Usage: test-train-video PATH-TO-ae-train (meson passes it).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "test-tool-util.h"

static const char *ae_train;
static char *work_dir, *image_dir, *empty_dir;

static void
make_corpus (void)
{
  static const char *const patterns[] = { "ball", "zone-plate", "circular",
    "pinwheel", "spokes", "checkers-8", "smpte", "gamut"
  };
  char *cmd, *broken;
  guint i;

  work_dir = g_dir_make_tmp ("test-train-video-XXXXXX", NULL);
  g_assert_nonnull (work_dir);
  image_dir = g_build_filename (work_dir, "images", NULL);
  empty_dir = g_build_filename (work_dir, "empty", NULL);
  g_assert_cmpint (g_mkdir (image_dir, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (empty_dir, 0755), ==, 0);
  for (i = 0; i < G_N_ELEMENTS (patterns); i++) {
    cmd = g_strdup_printf ("videotestsrc pattern=%s num-buffers=1 ! "
        "video/x-raw,width=72,height=64 ! pngenc ! filesink "
        "location=%s/%s.png", patterns[i], image_dir, patterns[i]);
    tool_gst_launch (cmd);
    g_free (cmd);
  }
  broken = g_build_filename (image_dir, "broken.png", NULL);
  g_assert_true (g_file_set_contents (broken, "not a png", -1, NULL));
  g_free (broken);
}

/* fit --task video-denoise on the corpus with a tiny model, then @extra
 * (NULL-terminated), run in folder @dir with relative file names, so that
 * runs in two folders record the same command. */
static int
fit (const char *dir, const char *const *extra, char **err)
{
  const char *args[48] = { "fit", "--task", "video-denoise", "--images",
    image_dir, "--unshuffle", "2", "--width", "16", "--code", "16",
    "--blocks", "1", "--patch", "32", "--batch", "8", "--val-patches", "8",
    "--val-fraction", "0.25", "--lr", "3e-3", "--warmup", "10", "-o",
    "model.safetensors", "--log", "log.csv", NULL
  };
  int n = 0, i;

  while (args[n])
    n++;
  for (i = 0; extra && extra[i]; i++)
    args[n++] = extra[i];
  args[n] = NULL;
  g_assert_cmpint (g_chdir (dir), ==, 0);
  return tool_run (ae_train, args, err);
}

static char *
new_dir (const char *name)
{
  char *dir = g_build_filename (work_dir, name, NULL);

  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  return dir;
}

/* Column @col of every row of a log. */
static GArray *
log_column (const char *dir, int col)
{
  char *path = g_build_filename (dir, "log.csv", NULL), *text = NULL;
  char **lines;
  GArray *v = g_array_new (FALSE, FALSE, sizeof (double));
  guint i;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "step,train_loss,val_loss,val_psnr_15,"
      "val_psnr_25,val_psnr_50,lr,grad_norm,seconds");
  for (i = 1; lines[i] && lines[i][0]; i++) {
    char **f = g_strsplit (lines[i], ",", -1);
    double x;
    g_assert_cmpuint (g_strv_length (f), ==, 9);
    x = g_ascii_strtod (f[col], NULL);
    g_array_append_val (v, x);
    g_strfreev (f);
  }
  g_strfreev (lines);
  g_free (text);
  g_free (path);
  return v;
}

static void
test_fit_learns (void)
{
  char *dir = new_dir ("fit"), *err = NULL;
  const char *extra[] = { "--steps", "800", "--val-every", "200", NULL };
  GArray *loss, *psnr25;
  const char *p;
  double input25 = 0.0, input_mse = 0.0, last_loss, last25;
  int i;

  if (fit (dir, extra, &err) != 0)
    g_error ("fit failed: %s", err);
  g_assert_nonnull (strstr (err, "skipped 1 unreadable file"));
  /* "validation input PSNR A / B / C dB at sigma 15 / 25 / 50": the
   * untrained model's loss is about the input's mean MSE over the three. */
  p = strstr (err, "validation input PSNR ");
  g_assert_nonnull (p);
  p += strlen ("validation input PSNR ");
  for (i = 0; i < 3; i++) {
    double psnr = g_ascii_strtod (p, (char **) &p);
    input_mse += pow (10.0, -psnr / 10.0) / 3.0;
    if (i == 1)
      input25 = psnr;
    p += strlen (" / ");
  }
  loss = log_column (dir, 2);
  psnr25 = log_column (dir, 4);
  last_loss = g_array_index (loss, double, loss->len - 1);
  last25 = g_array_index (psnr25, double, psnr25->len - 1);
  g_test_message ("val loss: input %.5f, after training %.5f; PSNR at 25: "
      "input %.2f, output %.2f dB", input_mse, last_loss, input25, last25);
  g_assert_cmpuint (loss->len, ==, 4);
  g_assert_cmpfloat (last_loss, <, 0.75 * input_mse);
  g_assert_cmpfloat (last25, >, input25 + 1.0);
  g_array_unref (loss);
  g_array_unref (psnr25);
  g_free (err);
  g_free (dir);
}

static char *
read_file (const char *dir, const char *name, gsize * len)
{
  char *path = g_build_filename (dir, name, NULL), *data = NULL;

  g_assert_true (g_file_get_contents (path, &data, len, NULL));
  g_free (path);
  return data;
}

static void
test_deterministic (void)
{
  char *a = new_dir ("same-a"), *b = new_dir ("same-b");
  const char *extra[] = { "--steps", "30", "--val-every", "15",
    "--threads", "2", "--seed", "9", NULL
  };
  char *da, *db;
  gsize la, lb;

  g_assert_cmpint (fit (a, extra, NULL), ==, 0);
  g_assert_cmpint (fit (b, extra, NULL), ==, 0);
  da = read_file (a, "model.safetensors", &la);
  db = read_file (b, "model.safetensors", &lb);
  g_assert_cmpmem (da, la, db, lb);
  g_free (da);
  g_free (db);
  g_free (a);
  g_free (b);
}

static void
test_resume (void)
{
  char *straight = new_dir ("straight"), *split = new_dir ("split");
  char *ck_s, *ck_p, *err = NULL;
  gsize ls, lp;
  const char *common[] = { "--schedule", "constant", "--val-every", "10",
    "--checkpoint", "ck.safetensors", NULL
  };
  const char *full[16], *first[16], *rest[16];
  int i, n = 0;

  for (i = 0; common[i]; i++, n++)
    full[n] = first[n] = rest[n] = common[i];
  full[n] = "--steps";
  full[n + 1] = "40";
  full[n + 2] = NULL;
  first[n] = "--steps";
  first[n + 1] = "20";
  first[n + 2] = NULL;
  rest[n] = "--steps";
  rest[n + 1] = "40";
  rest[n + 2] = "--resume";
  rest[n + 3] = "ck.safetensors";
  rest[n + 4] = NULL;
  g_assert_cmpint (fit (straight, full, NULL), ==, 0);
  g_assert_cmpint (fit (split, first, NULL), ==, 0);
  g_assert_cmpint (fit (split, rest, &err), ==, 0);
  g_assert_nonnull (strstr (err, "ae-train: 20 steps in"));
  ck_s = read_file (straight, "ck.safetensors", &ls);
  ck_p = read_file (split, "ck.safetensors", &lp);
  g_assert_cmpmem (ck_s, ls, ck_p, lp);
  g_free (ck_s);
  g_free (ck_p);
  g_free (err);
  g_free (straight);
  g_free (split);
}

/* --ema: the model written is the weights' average
 * (tool_check_weight_average): three runs of 3 steps from one seed,
 * frozen (rate 1e-12), plain and averaged (D = 0.999, so at most 0.3% of
 * the way in three steps). */
static void
test_ema (void)
{
  static const char *const names[3] = { "frozen", "plain", "avg" };
  char *dirs[3], *models[3], *cks[3], *err = NULL;
  int i;

  for (i = 0; i < 3; i++) {
    const char *extra[] = { "--steps", "3", "--val-every", "3", "--warmup",
      "0", "--lr", i == 0 ? "1e-12" : "3e-3", "--checkpoint",
      "ck.safetensors", i == 2 ? "--ema" : NULL, "0.999", NULL
    };
    char *leaf = g_strdup_printf ("ema-%s", names[i]);

    dirs[i] = new_dir (leaf);
    g_free (leaf);
    g_assert_cmpint (fit (dirs[i], extra, i == 2 ? &err : NULL), ==, 0);
    models[i] = g_build_filename (dirs[i], "model.safetensors", NULL);
    cks[i] = g_build_filename (dirs[i], "ck.safetensors", NULL);
  }
  g_assert_nonnull (strstr (err, "moving average (decay 0.999)"));
  tool_check_weight_average (models[0], models[1], models[2], cks[1],
      cks[2]);
  for (i = 0; i < 3; i++) {
    g_free (dirs[i]);
    g_free (models[i]);
    g_free (cks[i]);
  }
  g_free (err);
}

/* The fit's model through `eval --images` on the corpus at sigma 25 (an
 * independent noise draw on whole frames, not patches): it must clean,
 * and --output writes one PGM per frame; `info` reports its cost. */
static void
test_eval_and_info (void)
{
  char *model = g_build_filename (work_dir, "fit", "model.safetensors", NULL);
  char *out_dir = g_build_filename (work_dir, "denoised", NULL);
  char *pgm = g_build_filename (out_dir, "0000.pgm", NULL);
  char *out = NULL, *err = NULL, *line;
  const char *eval[] = { "eval", "--model", model, "--images", image_dir,
    "--sigma", "25", "--output", out_dir, NULL
  };
  const char *info[] = { "info", model, NULL };
  double p_in, p_out;

  if (!g_file_test (model, G_FILE_TEST_EXISTS)) {
    g_test_skip ("the fit did not run");
    goto done;
  }
  g_assert_cmpint (tool_run_out (ae_train, eval, &out, &err), ==, 0);
  g_test_message ("%s", out);
  line = strstr (out, "mean of 8 frames at sigma 25: PSNR in ");
  g_assert_nonnull (line);
  p_in = g_ascii_strtod (line + strlen ("mean of 8 frames at sigma 25: "
          "PSNR in "), &line);
  line = strstr (line, "out ");
  g_assert_nonnull (line);
  p_out = g_ascii_strtod (line + 4, NULL);
  g_assert_cmpfloat (p_in, >, 19.0);
  g_assert_cmpfloat (p_in, <, 23.0);    /* sigma 25 is about 20.2 dB */
  g_assert_cmpfloat (p_out, >, p_in + 1.0);
  g_assert_true (g_file_test (pgm, G_FILE_TEST_IS_REGULAR));
  g_free (out);
  g_free (err);

  g_assert_cmpint (tool_run_out (ae_train, info, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "video-unet-v1"));
  g_assert_nonnull (strstr (out, "multiply-adds per pixel"));
  g_free (out);
  g_free (err);
done:
  g_free (model);
  g_free (out_dir);
  g_free (pgm);
}

/* Pixels of exactly @rgb in a raw RGB image. */
static gsize
count_colour (const guint8 * px, gsize len, guint32 rgb)
{
  gsize i, n = 0;

  for (i = 0; i + 2 < len; i += 3)
    n += px[i] == (rgb >> 16) && px[i + 1] == ((rgb >> 8) & 0xff)
        && px[i + 2] == (rgb & 0xff);
  return n;
}

/* plot draws the fit's log: the PNG decodes (with GStreamer's pngdec) to
 * the documented size and holds both loss curves' colours; a missing
 * column and a malformed log are refused. */
static void
test_plot (void)
{
  char *fit_dir = g_build_filename (work_dir, "fit", NULL);
  char *log = g_build_filename (fit_dir, "log.csv", NULL);
  char *png = g_build_filename (work_dir, "curves.png", NULL);
  char *raw = g_build_filename (work_dir, "curves.rgb", NULL);
  char *bad = g_build_filename (work_dir, "bad.csv", NULL);
  char *cmd, *err = NULL, *pixels;
  gsize len;
  const char *plot[] = { "plot", log, "-o", png, NULL };
  const char *missing[] = { "plot", log, "-o", png, "--columns", "nope",
    NULL
  };
  const char *malformed[] = { "plot", bad, "-o", png, NULL };

  if (!g_file_test (log, G_FILE_TEST_EXISTS)) {
    g_test_skip ("the fit did not run");
    goto done;
  }
  g_assert_cmpint (tool_run (ae_train, plot, &err), ==, 0);
  g_free (err);
  cmd = g_strdup_printf ("filesrc location=%s ! pngdec ! videoconvert ! "
      "video/x-raw,format=RGB ! filesink location=%s", png, raw);
  tool_gst_launch (cmd);
  g_free (cmd);
  g_assert_true (g_file_get_contents (raw, &pixels, &len, NULL));
  g_assert_cmpuint (len, ==, 960 * 540 * 3);
  /* train_loss and val_loss: the first two curve colours */
  g_assert_cmpuint (count_colour ((guint8 *) pixels, len, 0x1f77b4), >,
      100);
  g_assert_cmpuint (count_colour ((guint8 *) pixels, len, 0xd62728), >,
      100);
  g_free (pixels);

  g_assert_cmpint (tool_run (ae_train, missing, &err), !=, 0);
  g_assert_nonnull (strstr (err, "has no column \"nope\""));
  g_free (err);
  g_assert_true (g_file_set_contents (bad, "step,loss\n1,2\n3\n", -1,
          NULL));
  g_assert_cmpint (tool_run (ae_train, malformed, &err), !=, 0);
  g_assert_nonnull (strstr (err, "line 3: 1 cells where the header has 2"));
  g_free (err);
done:
  g_free (fit_dir);
  g_free (log);
  g_free (png);
  g_free (raw);
  g_free (bad);
}

typedef struct
{
  const char *what;
  const char *args[8];
  const char *expect;
} Refusal;

static const Refusal refusals[] = {
  {"patch", {"--patch", "30", NULL}, "--patch 30: must be a multiple of 4"},
  {"arch", {"--arch", "huge", NULL}, "--arch huge is unknown"},
  {"unshuffle", {"--unshuffle", "3", NULL}, "video unshuffle 3"},
  {"sigmas", {"--sigma-min", "30", "--sigma-max", "10", NULL},
      "--sigma-min 30 / --sigma-max 10"},
  {"camera", {"--camera-noise", "2", NULL}, "--camera-noise 2 is not in"},
  {"loss", {"--loss", "bce", NULL}, "--loss bce is unknown"},
  {"resume", {"--resume", "x.safetensors", NULL},
      "--resume needs --checkpoint"},
};

static void
test_refusals (void)
{
  char *dir = new_dir ("refusals"), *err = NULL;
  const char *empty_args[] = { "fit", "--task", "video-denoise", "--images",
    empty_dir, "-o", "m.safetensors", NULL
  };
  guint i;

  for (i = 0; i < G_N_ELEMENTS (refusals); i++) {
    g_assert_cmpint (fit (dir, refusals[i].args, &err), !=, 0);
    g_test_message ("%s: %s", refusals[i].what, err);
    g_assert_nonnull (strstr (err, refusals[i].expect));
    g_free (err);
  }
  g_assert_cmpint (tool_run (ae_train, empty_args, &err), !=, 0);
  g_assert_nonnull (strstr (err, empty_dir));
  g_free (err);

  /* --epochs becomes ceil (epochs * training images / batch) steps */
  {
    const char *epochs[] = { "--epochs", "4", "--val-every", "100", NULL };
    const char *both[] = { "--epochs", "4", "--steps", "9", NULL };
    const char *p;
    guint64 n_images, steps;

    g_assert_cmpint (fit (dir, epochs, &err), ==, 0);
    p = strstr (err, "4 epochs = ");
    g_assert_nonnull (p);
    steps = g_ascii_strtoull (p + strlen ("4 epochs = "), NULL, 10);
    p = strstr (err, " training frames from ");
    g_assert_nonnull (p);
    while (p > err && g_ascii_isdigit (p[-1]))
      p--;
    n_images = g_ascii_strtoull (p, NULL, 10);
    g_test_message ("%" G_GUINT64_FORMAT " images, %" G_GUINT64_FORMAT
        " steps", n_images, steps);
    g_assert_cmpuint (steps, ==, (4 * n_images + 7) / 8);
    g_free (err);
    g_assert_cmpint (fit (dir, both, &err), !=, 0);
    g_assert_nonnull (strstr (err, "--steps 9 and --epochs 4: give one"));
    g_free (err);
  }
  g_free (dir);
}

int
main (int argc, char **argv)
{
  char *cwd = g_get_current_dir ();
  int ret;

  g_test_init (&argc, &argv, NULL);
  if (argc < 2) {
    g_printerr ("usage: %s PATH-TO-ae-train\n", argv[0]);
    return 2;
  }
  ae_train = argv[1];
  g_setenv ("OPENBLAS_NUM_THREADS", "1", TRUE);
  make_corpus ();
  g_test_add_func ("/train-video/fit/learns", test_fit_learns);
  g_test_add_func ("/train-video/plot", test_plot);
  g_test_add_func ("/train-video/eval-and-info", test_eval_and_info);
  g_test_add_func ("/train-video/fit/deterministic", test_deterministic);
  g_test_add_func ("/train-video/fit/resume", test_resume);
  g_test_add_func ("/train-video/fit/ema", test_ema);
  g_test_add_func ("/train-video/fit/refusals", test_refusals);
  ret = g_test_run ();
  g_chdir (cwd);
  tool_remove_tree (work_dir);
  g_free (cwd);
  g_free (work_dir);
  g_free (image_dir);
  g_free (empty_dir);
  return ret;
}
