/* train-video.h: ae-train's video-denoise task.
 *
 *   ae-train fit --task video-denoise --images DIR -o MODEL
 *
 * Trains the U-Net of videonet.h on grey patches of images and video
 * frames (image-data.h) to predict the noise it is given, with the noise
 * level as an input map.  Each example gets its own noise, synthesised on
 * the loader thread: Gaussian with sigma drawn from [sigma-min,
 * sigma-max], or (a --camera-noise share of them) Poisson-Gaussian camera
 * noise whose variance is a * x + b^2 with the same total at mid-grey;
 * noisy pixels are clipped and rounded to 8 bits, as a camera's are.  The
 * level map the model sees is computed from the noisy pixels (the element
 * has nothing else).  Random crops, flips and 90-degree rotations.
 *
 * Validation: held-out files (a seeded split by file), fixed patches with
 * fixed Gaussian noise at sigma 15, 25 and 50; the loss is the mean of the
 * three MSEs and the log has each one's PSNR.
 */
#ifndef AE_TRAIN_VIDEO_H
#define AE_TRAIN_VIDEO_H

#include <glib.h>

#include "optim.h"
#include "rng.h"
#include "videonet.h"

G_BEGIN_DECLS

typedef struct
{
  /* Data. */
  const char *images_dir;
  double val_fraction;
  int val_patches;
  double frame_interval_s;
  guint max_frames_per_file;

  /* Model and noise. */
  AeVideoArch arch;
  int patch;                    /* side; a multiple of 2 * unshuffle */
  float sigma_min, sigma_max;   /* 8-bit units */
  float camera_share;           /* of examples with Poisson-Gaussian noise */
  gboolean l1;                  /* L1 loss instead of MSE */

  /* Optimisation. */
  int batch;
  guint64 steps;
  double epochs;                /* > 0: steps from the training images */
  AeOptimConfig optim;
  float lr;
  AeScheduleKind schedule;
  guint64 warmup;
  float clip;
  guint64 seed;
  int threads;

  /* Validation and output. */
  guint64 val_every;
  int patience;
  const char *output;
  const char *log_path;
  const char *checkpoint;
  const char *resume;
  const char *command_line;
} AeVideoTrainOptions;

void ae_video_train_options_init (AeVideoTrainOptions * o);

/* noisy (n) = clean + noise, clipped and rounded to 8 bits, as a camera's
 * pixels are; level (n) = the noise's standard deviation per pixel as the
 * model is told it, computed from the noisy pixel (the element has only
 * that).  The noise: variance a x + b^2 with sigma^2 at mid-grey, the
 * shot (Poisson) part @shot_share of it; 0 is plain Gaussian noise of
 * @sigma.  One normal draw from @rng per pixel, in order. */
void ae_video_corrupt (const float *clean, float *noisy, float *level,
    gsize n, float sigma, float shot_share, AeRng * rng);

/* FALSE with @error set on bad data, options, I/O or a non-finite loss
 * (the last good model stays in place); TRUE also when interrupted (a
 * checkpoint is written). */
gboolean ae_train_video (const AeVideoTrainOptions * o, GError ** error);

/* `ae-train fit --task video-denoise ...`: parses, runs, returns the exit
 * status with @error set on failure. */
int ae_video_cmd_fit (int argc, char **argv, GError ** error);

G_END_DECLS
#endif /* AE_TRAIN_VIDEO_H */
