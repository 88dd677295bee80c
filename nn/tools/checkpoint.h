/* checkpoint.h: ae-train's checkpoints, shared by every training task.
 *
 * A checkpoint is a safetensors file holding the parameters, the
 * optimiser's moments (and weight average, with --ema) and the loop's
 * state (step, best validation loss, validations without improvement),
 * tagged with the task, so that --resume continues a run exactly and
 * refuses another task's file.  Written atomically, like models.
 */
#ifndef AE_CHECKPOINT_H
#define AE_CHECKPOINT_H

#include <glib.h>
#include <stdio.h>

#include "optim.h"

G_BEGIN_DECLS

typedef struct
{
  guint64 step;
  double best_val;
  int bad_vals;
} AeCheckpointState;

gboolean ae_checkpoint_save (const char *path, const char *task,
    const float *params, const AeOptimizer * opt,
    const AeCheckpointState * state, GError ** error);

/* Fills @params (opt->n_params floats), @opt's moments, weight average
 * (when @opt keeps one: the checkpoint's, or else @params) and step, and
 * @state.  AE_ERROR_FORMAT naming @path when it is not a checkpoint of
 * @task; AE_ERROR_SHAPE when its sizes differ from the model's. */
gboolean ae_checkpoint_load (const char *path, const char *task,
    float *params, AeOptimizer * opt, AeCheckpointState * state,
    GError ** error);

/* ae_checkpoint_load, then a line on stderr saying where the run goes
 * on from. */
gboolean ae_checkpoint_resume (const char *path, const char *task,
    float *params, AeOptimizer * opt, AeCheckpointState * state,
    GError ** error);

/* The --log CSV: a resumed run appends to it (writing @header only when
 * the file is new), a new run starts it with @header.  A NULL @path leaves
 * *log NULL.  AE_ERROR_IO naming the file when it cannot be written. */
gboolean ae_checkpoint_open_log (const char *path, gboolean resume,
    const char *header, FILE ** log, GError ** error);

G_END_DECLS
#endif /* AE_CHECKPOINT_H */
