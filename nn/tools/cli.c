/* cli.c: ae-train's shared command-line pieces (see cli.h). */
#include "cli.h"

#include <math.h>
#include <string.h>

#include "ae.h"

gboolean
ae_cli_parse (GOptionContext * ctx, int *argc, char ***argv, GError ** error)
{
  gboolean ok = g_option_context_parse (ctx, argc, argv, error);

  if (ok && *argc > 1) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "unexpected argument \"%s\"", (*argv)[1]);
    ok = FALSE;
  }
  return ok;
}

void
ae_cli_optim_add_entries (GOptionContext * ctx, AeCliOptim * a)
{
  /* GLib copies the array; the pointers into @a must outlive parsing. */
  GOptionEntry entries[] = {
    {"steps", 0, 0, G_OPTION_ARG_INT, &a->steps, "optimiser steps", "N"},
    {"epochs", 0, 0, G_OPTION_ARG_DOUBLE, &a->epochs,
        "or passes over the training data (turned into steps once the "
        "data is loaded)", "N"},
    {"optimizer", 0, 0, G_OPTION_ARG_STRING, &a->optimizer,
        "adam, adamw or sgd", "NAME"},
    {"lr", 0, 0, G_OPTION_ARG_DOUBLE, &a->lr, "base learning rate", "X"},
    {"schedule", 0, 0, G_OPTION_ARG_STRING, &a->schedule,
        "constant, step or cosine", "NAME"},
    {"warmup", 0, 0, G_OPTION_ARG_INT, &a->warmup, "warm-up steps", "N"},
    {"clip", 0, 0, G_OPTION_ARG_DOUBLE, &a->clip,
        "gradient norm limit (0: none)", "X"},
    {"weight-decay", 0, 0, G_OPTION_ARG_DOUBLE, &a->weight_decay,
        "weight decay", "X"},
    {"momentum", 0, 0, G_OPTION_ARG_DOUBLE, &a->momentum, "SGD momentum",
        "X"},
    {"ema", 0, 0, G_OPTION_ARG_DOUBLE, &a->ema,
        "keep a moving average of the weights with this decay per step "
        "(e.g. 0.999) and validate and save it instead of the last "
        "step's weights (0: off)", "DECAY"},
    {"seed", 0, 0, G_OPTION_ARG_INT64, &a->seed, "random seed", "N"},
    {"threads", 0, 0, G_OPTION_ARG_INT, &a->threads, "threads (audio-denoise and video-denoise: all cores by default, and the same bits for any count; reconstruct: 1)", "N"},
    {"val-every", 0, 0, G_OPTION_ARG_INT, &a->val_every,
        "steps between validations", "N"},
    {NULL}
  };

  g_option_context_add_main_entries (ctx, entries, NULL);
}

gboolean
ae_cli_optim_resolve (const AeCliOptim * a, AeOptimConfig * optim,
    AeScheduleKind * schedule, GError ** error)
{
  if (a->optimizer && !ae_optim_kind_from_string (a->optimizer, &optim->kind)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--optimizer %s is unknown (adam, adamw, sgd)", a->optimizer);
    return FALSE;
  }
  if (a->schedule && !ae_schedule_from_string (a->schedule, schedule)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--schedule %s is unknown (constant, step, cosine)", a->schedule);
    return FALSE;
  }
  if (!(a->ema >= 0.0 && a->ema < 1.0)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--ema %g: the decay must be at least 0 and below 1", a->ema);
    return FALSE;
  }
  if (optim->kind == AE_OPTIM_SGD)
    optim->beta1 = (float) a->momentum;
  optim->ema_decay = (float) a->ema;
  optim->weight_decay = (float) a->weight_decay;
  return TRUE;
}

void
ae_cli_optim_clear (AeCliOptim * a)
{
  g_clear_pointer (&a->optimizer, g_free);
  g_clear_pointer (&a->schedule, g_free);
}

gboolean
ae_cli_task_is (int argc, char **argv, const char *task)
{
  int i;

  for (i = 1; i < argc; i++) {
    if (g_str_has_prefix (argv[i], "--task=") && !strcmp (argv[i] + 7, task))
      return TRUE;
    if (!strcmp (argv[i], "--task") && i + 1 < argc
        && !strcmp (argv[i + 1], task))
      return TRUE;
  }
  return FALSE;
}

gboolean
ae_cli_has_option (int argc, char **argv, const char *option)
{
  gsize len = strlen (option);
  int i;

  for (i = 1; i < argc; i++)
    if (!strncmp (argv[i], option, len) && (argv[i][len] == '\0'
            || argv[i][len] == '='))
      return TRUE;
  return FALSE;
}

gboolean
ae_cli_steps_resolve (AeCliOptim * a, int default_steps, GError ** error)
{
  if (a->steps != 0 && a->epochs != 0.0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--steps %d and --epochs %g: give one", a->steps, a->epochs);
    return FALSE;
  }
  if (a->steps < 0 || a->epochs < 0.0 || !(a->epochs < 1e6)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--steps and --epochs must be positive");
    return FALSE;
  }
  if (a->steps == 0 && a->epochs == 0.0)
    a->steps = default_steps;
  else if (a->steps == 0)
    a->steps = 1;               /* a placeholder until the data is loaded */
  return TRUE;
}

guint64
ae_cli_epochs_to_steps (double epochs, double examples, int batch)
{
  double steps = ceil (epochs * examples / MAX (batch, 1));

  return (guint64) CLAMP (steps, 1.0, 1e12);
}

void
ae_cli_run_add_entries (GOptionContext * ctx, AeCliRun * r)
{
  GOptionEntry entries[] = {
    {"log", 0, 0, G_OPTION_ARG_FILENAME, &r->log,
        "CSV of the curves (ae-train plot draws it)", "FILE"},
    {"patience", 0, 0, G_OPTION_ARG_INT, &r->patience,
        "stop after N validations without improvement (0: never)", "N"},
    {"checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &r->checkpoint,
        "checkpoint written at each validation and on Ctrl-C", "FILE"},
    {"resume", 0, 0, G_OPTION_ARG_FILENAME, &r->resume,
        "continue from a checkpoint", "FILE"},
    {NULL}
  };

  g_option_context_add_main_entries (ctx, entries, NULL);
}

gboolean
ae_cli_run_check (const AeCliRun * r, GError ** error)
{
  if (r->resume && !r->checkpoint) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--resume needs --checkpoint (where to keep saving)");
    return FALSE;
  }
  if (r->patience < 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--patience %d: 0 (never stop) or more", r->patience);
    return FALSE;
  }
  return TRUE;
}

void
ae_cli_run_clear (AeCliRun * r)
{
  g_clear_pointer (&r->log, g_free);
  g_clear_pointer (&r->checkpoint, g_free);
  g_clear_pointer (&r->resume, g_free);
}

void
ae_cli_image_add_entries (GOptionContext * ctx, double *val_fraction,
    double *frame_interval_s, int *max_frames)
{
  GOptionEntry entries[] = {
    {"val-fraction", 0, 0, G_OPTION_ARG_DOUBLE, val_fraction,
        "share of the files held out", "X"},
    {"frame-interval", 0, 0, G_OPTION_ARG_DOUBLE, frame_interval_s,
        "videos: seconds between frames taken", "S"},
    {"max-frames", 0, 0, G_OPTION_ARG_INT, max_frames,
        "videos: frames taken per file", "N"},
    {NULL}
  };

  g_option_context_add_main_entries (ctx, entries, NULL);
}

gboolean
ae_cli_image_check (double val_fraction, double frame_interval_s,
    int max_frames, GError ** error)
{
  if (!(val_fraction > 0.0 && val_fraction < 1.0)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--val-fraction %g is not in (0, 1)", val_fraction);
    return FALSE;
  }
  if (max_frames < 1 || !(frame_interval_s >= 0.0)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "--max-frames %d / --frame-interval %g: at least 1 / 0", max_frames,
        frame_interval_s);
    return FALSE;
  }
  return TRUE;
}

gboolean
ae_cli_parse_training (GOptionContext * ctx, int *argc, char ***argv,
    AeCliOptim * optim, AeCliRun * run, int default_steps, GError ** error)
{
  ae_cli_optim_add_entries (ctx, optim);
  ae_cli_run_add_entries (ctx, run);
  return ae_cli_parse (ctx, argc, argv, error)
      && ae_cli_steps_resolve (optim, default_steps, error)
      && ae_cli_run_check (run, error);
}
