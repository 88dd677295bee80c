/* cli.h: what ae-train's subcommands share: the leftover-argument check
 * and the optimisation options every training task takes. */
#ifndef AE_CLI_H
#define AE_CLI_H

#include <glib.h>

#include "optim.h"

G_BEGIN_DECLS

/* g_option_context_parse, then refuses any argument left over, naming it
 * (AE_ERROR_ARGUMENT). */
gboolean ae_cli_parse (GOptionContext * ctx, int *argc, char ***argv,
    GError ** error);

/* --steps --optimizer --lr --schedule --warmup --clip --weight-decay
 * --momentum --ema --seed --threads --val-every, as parsed. */
typedef struct
{
  int steps, warmup, val_every, threads;
  double epochs;                /* > 0: the task turns it into steps */
  double lr, clip, weight_decay, momentum, ema;
  gint64 seed;
  char *optimizer;              /* NULL: the task's default */
  char *schedule;               /* NULL: the task's default */
} AeCliOptim;

/* Adds the entries above to @ctx's main group, pointing into @args, whose
 * fields the caller has set to the task's defaults. */
void ae_cli_optim_add_entries (GOptionContext * ctx, AeCliOptim * args);

/* Resolves the names into @optim and @schedule (left alone when not
 * given); SGD takes --momentum as beta1.  FALSE with a message naming the
 * option for an unknown name or an --ema outside [0, 1). */
gboolean ae_cli_optim_resolve (const AeCliOptim * args, AeOptimConfig * optim,
    AeScheduleKind * schedule, GError ** error);

void ae_cli_optim_clear (AeCliOptim * args);

/* --steps or --epochs: refuses both at once, or either not positive.
 * @default_steps applies when neither is given (call with args->steps
 * preset to 0 before parsing). */
gboolean ae_cli_steps_resolve (AeCliOptim * args, int default_steps,
    GError ** error);

/* The steps that @epochs passes over @examples (what one epoch holds:
 * images, or speech seconds over example seconds) take at @batch. */
guint64 ae_cli_epochs_to_steps (double epochs, double examples, int batch);

/* --log --patience --checkpoint --resume: how every training run is kept
 * and continued. */
typedef struct
{
  char *log, *checkpoint, *resume;
  int patience;
} AeCliRun;

void ae_cli_run_add_entries (GOptionContext * ctx, AeCliRun * run);
/* Refuses --resume without --checkpoint and a negative --patience. */
gboolean ae_cli_run_check (const AeCliRun * run, GError ** error);
void ae_cli_run_clear (AeCliRun * run);

/* What every training task's parser ends with: adds the optimisation and
 * run options to @ctx (which holds the task's own), parses, and checks
 * --steps/--epochs (@default_steps when neither is given) and the run
 * options. */
gboolean ae_cli_parse_training (GOptionContext * ctx, int *argc,
    char ***argv, AeCliOptim * optim, AeCliRun * run, int default_steps,
    GError ** error);

/* --val-fraction --frame-interval --max-frames: how the image tasks split
 * and read their folder, added with pointers into the task's options, and
 * their range check. */
void ae_cli_image_add_entries (GOptionContext * ctx, double *val_fraction,
    double *frame_interval_s, int *max_frames);
gboolean ae_cli_image_check (double val_fraction, double frame_interval_s,
    int max_frames, GError ** error);

/* TRUE when argv (argv[0] the subcommand) has --task @task or
 * --task=@task: how `fit` picks the task's own parser. */
gboolean ae_cli_task_is (int argc, char **argv, const char *task);

/* TRUE when argv has @option (as "--name" or "--name=..."). */
gboolean ae_cli_has_option (int argc, char **argv, const char *option);

G_END_DECLS
#endif /* AE_CLI_H */
