/* train-reconstruct.h: ae-train's reconstruct task and its tools.
 *
 *   ae-train fit --task reconstruct --kind KIND --images DIR -o MODEL
 *   ae-train sample --model VAE -n N -o DIR
 *   ae-train encode --model MODEL --images DIR -o CODES.npy
 *
 * Trains the fully connected autoencoders of denseae.h on grey image
 * patches (image-data.h) or on stretches of audio band features
 * (audio-frames.h, --audio DIR).  The validation split is by file (by
 * folder for audio, as the speech task does), decided on
 * the sorted paths with the seed before anything is decoded; validation
 * patches, their corruption and the variational noise are drawn once, so
 * successive validation losses compare.  The best model so far is written
 * atomically after each validation that improves.
 */
#ifndef AE_TRAIN_RECONSTRUCT_H
#define AE_TRAIN_RECONSTRUCT_H

#include <glib.h>

#include "denseae.h"
#include "optim.h"

G_BEGIN_DECLS

typedef struct
{
  /* Data. */
  const char *images_dir;       /* images and videos, or */
  const char *audio_dir;        /* audio files (one of the two) */
  int rate;                     /* audio: Hz */
  int frames;                   /* audio: 10 ms frames per example */
  double val_fraction;          /* of the files, at least one each side */
  int val_patches;
  double frame_interval_s;      /* videos */
  guint max_frames_per_file;    /* videos */

  /* Model and loss. */
  int patch;                    /* side, pixels; n_in = patch^2 */
  AeDenseAeConfig config;
  AeDenseAeLoss loss;           /* kl_weight: the value after warm-up */
  AeCorruption corruption;      /* denoising */
  float corruption_level;       /* sigma, or the masked fraction */
  guint64 kl_warmup;            /* steps of linear KL warm-up from 0 */

  /* Optimisation. */
  int batch;
  guint64 steps;
  double epochs;                /* > 0: steps from the training data */
  AeOptimConfig optim;
  float lr;
  AeScheduleKind schedule;
  guint64 warmup;
  float clip;
  guint64 seed;
  int threads;

  /* Output. */
  guint64 val_every;
  int patience;                 /* validations without gain; 0: never stop */
  const char *output;
  const char *log_path;
  const char *checkpoint;       /* written at each validation and on ^C */
  const char *resume;           /* checkpoint to continue from, or NULL */
  const char *command_line;
} AeReconTrainOptions;

void ae_recon_train_options_init (AeReconTrainOptions * o);

/* Runs the training; FALSE with @error set on bad data, options, I/O or a
 * non-finite loss (the last good model stays in place). */
gboolean ae_train_reconstruct (const AeReconTrainOptions * o,
    GError ** error);

/* The subcommands: parse argv (argv[0] is the subcommand's name), run, and
 * return an exit status, with @error set on failure. */
int ae_reconstruct_cmd_fit (int argc, char **argv, GError ** error);
int ae_reconstruct_cmd_sample (int argc, char **argv, GError ** error);
int ae_reconstruct_cmd_encode (int argc, char **argv, GError ** error);

G_END_DECLS
#endif /* AE_TRAIN_RECONSTRUCT_H */
