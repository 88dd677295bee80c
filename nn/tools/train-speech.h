/* train-speech.h: ae-train's audio-denoise task.
 *
 * Trains the speech autoencoder of speechnet.h to predict, per 10 ms frame
 * and ERB band, the gain that turns the noisy band energy into the clean
 * one (sqrt (E_clean / E_noisy), at most 1), plus a speech probability.
 * Examples are mixed on the fly by mixer.c, so no epoch repeats; the
 * validation set is mixed once from held-out voices and noise recordings.
 */
#ifndef AE_TRAIN_SPEECH_H
#define AE_TRAIN_SPEECH_H

#include <glib.h>

#include "model.h"
#include "optim.h"

G_BEGIN_DECLS

typedef struct
{
  /* Data. */
  const char *clean_dir;
  const char *noise_dir;
  const char *heldout_file;     /* NULL: a seeded split by folder */
  float snr_min_db, snr_max_db;
  gboolean augment;
  float noise_change;           /* AeMixConfig.p_noise_change, when
                                 * augmenting */
  float val_noise_change;       /* the same for the validation mixtures
                                 * (otherwise unaugmented); 0 keeps them
                                 * comparable with earlier runs */

  /* Model. */
  AeSpeechConfig config;

  /* Optimisation. */
  int batch;                    /* sequences per step */
  int seq_frames;               /* frames per sequence */
  guint64 steps;
  double epochs;                /* > 0: steps from the clean speech hours */
  AeOptimConfig optim;
  float lr;
  AeScheduleKind schedule;
  guint64 warmup;
  float clip;                   /* gradient norm limit; <= 0: none */
  float vad_weight;
  float distortion_weight;      /* weight of gains below target (>= 1:
                                 * suppressing speech costs more than
                                 * leaving noise) */
  float spectral_weight;        /* synthloss.h's terms on the rebuilt */
  float sisdr_weight;           /* signal; 0: off */
  guint64 seed;
  int threads;

  /* Validation and output. */
  guint64 val_every;
  int val_examples;
  float val_seconds;
  int patience;                 /* validations without gain; 0: never stop */
  const char *output;           /* best model so far */
  const char *log_path;         /* CSV curves, or NULL */
  const char *checkpoint;       /* written at each validation and on ^C */
  const char *resume;           /* checkpoint to continue from, or NULL */
  const char *init;             /* weights to start from (fine-tuning) */
  const char *command_line;     /* recorded in the model's metadata */
} AeSpeechTrainOptions;

void ae_speech_train_options_init (AeSpeechTrainOptions * o);

/* Runs the whole training.  FALSE with @error set on bad data, options or
 * I/O; a NaN loss also stops it with an error, leaving the last good model
 * in place. */
gboolean ae_train_speech (const AeSpeechTrainOptions * o, GError ** error);

/* Set from a signal handler: stop after the current step, write a
 * checkpoint, return TRUE. */
extern volatile gint ae_train_interrupted;

G_END_DECLS
#endif /* AE_TRAIN_SPEECH_H */
