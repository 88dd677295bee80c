/* checkpoint.c: see checkpoint.h. */
#include "checkpoint.h"

#include <stdlib.h>

#include "ae.h"
#include "safetensors.h"

gboolean
ae_checkpoint_save (const char *path, const char *task, const float *params,
    const AeOptimizer * opt, const AeCheckpointState * state,
    GError ** error)
{
  AeSafetensorsWriter *w = ae_safetensors_writer_new ();
  gint64 shape[1] = { (gint64) opt->n_params };
  char buf[64];
  gboolean ok;

  ae_safetensors_writer_add_metadata (w, "ae.checkpoint", task);
  g_snprintf (buf, sizeof (buf), "%" G_GUINT64_FORMAT, state->step);
  ae_safetensors_writer_add_metadata (w, "ae.checkpoint.step", buf);
  g_ascii_dtostr (buf, sizeof (buf), state->best_val);
  ae_safetensors_writer_add_metadata (w, "ae.checkpoint.best_val", buf);
  g_snprintf (buf, sizeof (buf), "%d", state->bad_vals);
  ae_safetensors_writer_add_metadata (w, "ae.checkpoint.bad_vals", buf);
  ae_safetensors_writer_add_f32 (w, "params", 1, shape, params);
  ae_safetensors_writer_add_f32 (w, "optim.m", 1, shape, opt->m);
  if (opt->v)                   /* Adam's second moment; SGD has none */
    ae_safetensors_writer_add_f32 (w, "optim.v", 1, shape, opt->v);
  if (opt->ema)
    ae_safetensors_writer_add_f32 (w, "optim.ema", 1, shape, opt->ema);
  ok = ae_safetensors_writer_write_file (w, path, error);
  ae_safetensors_writer_free (w);
  return ok;
}

gboolean
ae_checkpoint_load (const char *path, const char *task, float *params,
    AeOptimizer * opt, AeCheckpointState * state, GError ** error)
{
  AeSafetensors *st = ae_safetensors_new_from_file (path, error);
  gint64 shape[1] = { (gint64) opt->n_params };
  const char *s_task, *s_step, *s_best, *s_bad;
  gboolean ok = FALSE;

  if (!st)
    return FALSE;
  s_task = ae_safetensors_get_metadata (st, "ae.checkpoint");
  s_step = ae_safetensors_get_metadata (st, "ae.checkpoint.step");
  s_best = ae_safetensors_get_metadata (st, "ae.checkpoint.best_val");
  s_bad = ae_safetensors_get_metadata (st, "ae.checkpoint.bad_vals");
  if (g_strcmp0 (s_task, task) != 0 || !s_step || !s_best || !s_bad) {
    g_set_error (error, AE_ERROR, AE_ERROR_FORMAT,
        "%s: not an ae-train %s checkpoint", path, task);
    goto out;
  }
  if (!ae_safetensors_copy_f32 (st, "params", 1, shape, params, error)
      || !ae_safetensors_copy_f32 (st, "optim.m", 1, shape, opt->m, error)
      || (opt->v && !ae_safetensors_copy_f32 (st, "optim.v", 1, shape,
              opt->v, error)))
    goto out;
  /* A run that keeps no average ignores one; a checkpoint without one
   * starts the average at its weights. */
  if (opt->ema && ae_safetensors_find_tensor (st, "optim.ema") >= 0) {
    if (!ae_safetensors_copy_f32 (st, "optim.ema", 1, shape, opt->ema, error))
      goto out;
  } else {
    ae_optimizer_start_average (opt, params);
  }
  state->step = g_ascii_strtoull (s_step, NULL, 10);
  state->best_val = g_ascii_strtod (s_best, NULL);
  state->bad_vals = atoi (s_bad);
  opt->step = state->step;
  ok = TRUE;
out:
  ae_safetensors_free (st);
  return ok;
}

gboolean
ae_checkpoint_resume (const char *path, const char *task, float *params,
    AeOptimizer * opt, AeCheckpointState * state, GError ** error)
{
  if (!ae_checkpoint_load (path, task, params, opt, state, error))
    return FALSE;
  g_printerr ("ae-train: resumed from %s at step %" G_GUINT64_FORMAT "\n",
      path, state->step);
  return TRUE;
}

gboolean
ae_checkpoint_open_log (const char *path, gboolean resume,
    const char *header, FILE ** log, GError ** error)
{
  gboolean exists;

  *log = NULL;
  if (!path)
    return TRUE;
  exists = g_file_test (path, G_FILE_TEST_EXISTS);
  if (!(*log = fopen (path, resume ? "a" : "w"))) {
    g_set_error (error, AE_ERROR, AE_ERROR_IO, "cannot write log %s", path);
    return FALSE;
  }
  if (!resume || !exists)
    fprintf (*log, "%s\n", header);
  return TRUE;
}
