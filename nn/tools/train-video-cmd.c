/* train-video-cmd.c: the command line of `ae-train fit --task
 * video-denoise` (the task itself is train-video.c). */
#include <string.h>

#include "ae.h"
#include "cli.h"
#include "train-video.h"

/* Presets the element will know.  fast: most work at 1/16 of the pixels,
 * about 1.9k multiply-adds per pixel (720p30 is 105 GFLOP/s);
 * quality: four times the resolution inside and twice the depth. */
typedef struct
{
  const char *name;
  AeVideoArch arch;
} Preset;

static const Preset presets[] = {
  {"fast", {4, 24, 48, 2}},
  {"quality", {2, 48, 96, 4}},
};

#define UNSET -1

int
ae_video_cmd_fit (int argc, char **argv, GError ** error)
{
  AeVideoTrainOptions o;
  AeCliOptim oa = { 0 };
  char *task = NULL, *images = NULL, *output = NULL, *arch = NULL,
      *loss = NULL;
  AeCliRun run = { 0 };
  int unshuffle = UNSET, width = UNSET, code = UNSET, blocks = UNSET;
  int max_frames;
  double sigma_min, sigma_max, camera;
  gboolean ok = FALSE;
  char *cmdline = g_strjoinv (" ", argv);
  GOptionContext *ctx;
  guint i;

  ae_video_train_options_init (&o);
  o.arch = presets[0].arch;
  oa.steps = 0;                 /* not given */
  oa.val_every = (int) o.val_every;
  oa.warmup = (int) o.warmup;
  oa.lr = o.lr;
  oa.clip = o.clip;
  oa.momentum = 0.9;
  oa.threads = o.threads;
  oa.seed = (gint64) o.seed;
  max_frames = (int) o.max_frames_per_file;
  sigma_min = o.sigma_min;
  sigma_max = o.sigma_max;
  camera = o.camera_share;
  {
    GOptionEntry entries[] = {
      {"task", 0, 0, G_OPTION_ARG_STRING, &task, "video-denoise", "TASK"},
      {"images", 0, 0, G_OPTION_ARG_FILENAME, &images,
          "folder of images or videos (searched recursively)", "DIR"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output,
          "weight file to write (best validation loss so far)", "MODEL"},
      {"arch", 0, 0, G_OPTION_ARG_STRING, &arch,
          "preset: fast (default) or quality", "NAME"},
      {"unshuffle", 0, 0, G_OPTION_ARG_INT, &unshuffle,
          "pixel-unshuffle factor at the input: 1, 2 or 4", "R"},
      {"width", 0, 0, G_OPTION_ARG_INT, &width,
          "channels at 1/R resolution", "N"},
      {"code", 0, 0, G_OPTION_ARG_INT, &code,
          "channels of the latent code at 1/2R", "N"},
      {"blocks", 0, 0, G_OPTION_ARG_INT, &blocks,
          "residual blocks at 1/2R (0..8)", "N"},
      {"patch", 0, 0, G_OPTION_ARG_INT, &o.patch,
          "training patch side, pixels (a multiple of 2R)", "N"},
      {"batch", 0, 0, G_OPTION_ARG_INT, &o.batch, "patches per step", "N"},
      {"loss", 0, 0, G_OPTION_ARG_STRING, &loss, "mse (default) or l1",
          "NAME"},
      {"sigma-min", 0, 0, G_OPTION_ARG_DOUBLE, &sigma_min,
          "lowest noise sigma, 8-bit units (default 0)", "S"},
      {"sigma-max", 0, 0, G_OPTION_ARG_DOUBLE, &sigma_max,
          "highest noise sigma, 8-bit units (default 55)", "S"},
      {"camera-noise", 0, 0, G_OPTION_ARG_DOUBLE, &camera,
          "share of examples with Poisson-Gaussian camera noise (0.3)", "X"},
      {"val-patches", 0, 0, G_OPTION_ARG_INT, &o.val_patches,
          "validation patches per sigma (15, 25, 50)", "N"},
      {NULL}
    };
    ctx = g_option_context_new ("- train a video denoiser");
    g_option_context_add_main_entries (ctx, entries, NULL);
    ae_cli_image_add_entries (ctx, &o.val_fraction, &o.frame_interval_s,
        &max_frames);
    if (!ae_cli_parse_training (ctx, &argc, &argv, &oa, &run, (int) o.steps,
            error))
      goto out;
  }

#define REFUSE(...) do { \
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT, __VA_ARGS__); \
    goto out; } while (0)

  if (g_strcmp0 (task, "video-denoise") != 0)
    REFUSE ("--task %s is not video-denoise", task ? task : "(none)");
  if (!images || !output)
    REFUSE ("video-denoise needs --images DIR and -o MODEL");
  if (arch) {
    for (i = 0; i < G_N_ELEMENTS (presets); i++)
      if (!strcmp (arch, presets[i].name))
        break;
    if (i == G_N_ELEMENTS (presets))
      REFUSE ("--arch %s is unknown for video-denoise (fast, quality)", arch);
    o.arch = presets[i].arch;
  }
  if (unshuffle != UNSET)
    o.arch.unshuffle = unshuffle;
  if (width != UNSET)
    o.arch.width = width;
  if (code != UNSET)
    o.arch.code = code;
  if (blocks != UNSET)
    o.arch.n_blocks = blocks;
  {
    AeVideoNet probe;
    if (!ae_videonet_init (&probe, &o.arch, error)) {
      (*error)->code = AE_ERROR_ARGUMENT;
      goto out;
    }
  }
  if (o.patch < 2 * o.arch.unshuffle || o.patch > 512
      || o.patch % (2 * o.arch.unshuffle) != 0)
    REFUSE ("--patch %d: must be a multiple of %d (2 x unshuffle), at most "
        "512", o.patch, 2 * o.arch.unshuffle);
  if (loss && strcmp (loss, "mse") != 0 && strcmp (loss, "l1") != 0)
    REFUSE ("--loss %s is unknown for video-denoise (mse, l1)", loss);
  o.l1 = loss && !strcmp (loss, "l1");
  if (!(sigma_min >= 0.0 && sigma_min <= sigma_max && sigma_max <= 255.0))
    REFUSE ("--sigma-min %g / --sigma-max %g: need 0 <= min <= max <= 255",
        sigma_min, sigma_max);
  if (!(camera >= 0.0 && camera <= 1.0))
    REFUSE ("--camera-noise %g is not in [0, 1]", camera);
  if (o.batch < 1 || oa.steps < 1 || oa.val_every < 1 || o.val_patches < 1
      || oa.lr <= 0.0 || oa.threads < 1 || oa.threads > 256)
    REFUSE ("--batch, --steps, --val-every, --val-patches, --threads and "
        "--lr must be positive");
  if (!ae_cli_image_check (o.val_fraction, o.frame_interval_s, max_frames,
          error))
    goto out;
#undef REFUSE
  if (!ae_cli_optim_resolve (&oa, &o.optim, &o.schedule, error))
    goto out;

  o.images_dir = images;
  o.output = output;
  o.log_path = run.log;
  o.checkpoint = run.checkpoint;
  o.resume = run.resume;
  o.patience = run.patience;
  o.command_line = cmdline;
  o.max_frames_per_file = (guint) max_frames;
  o.sigma_min = (float) sigma_min;
  o.sigma_max = (float) sigma_max;
  o.camera_share = (float) camera;
  o.steps = oa.steps;
  o.epochs = oa.epochs;
  o.val_every = oa.val_every;
  o.warmup = oa.warmup;
  o.lr = (float) oa.lr;
  o.clip = (float) oa.clip;
  o.threads = oa.threads;
  o.seed = (guint64) oa.seed;
  ok = ae_train_video (&o, error);

out:
  g_option_context_free (ctx);
  g_free (task);
  g_free (images);
  g_free (output);
  ae_cli_run_clear (&run);
  g_free (arch);
  g_free (loss);
  ae_cli_optim_clear (&oa);
  g_free (cmdline);
  return ok ? 0 : 1;
}
