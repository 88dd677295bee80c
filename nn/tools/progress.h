/* progress.h: ae-train's progress line, shared by every training task.
 *
 * On a terminal, one line redrawn every 10 steps; otherwise a plain log
 * line every 100 steps (so a log file stays readable):
 *   step 1200/6000  loss 0.1523  lr 9.1e-04  45.3 ex/s  19.8 GFLOP/s  eta 0:12:31
 */
#ifndef AE_PROGRESS_H
#define AE_PROGRESS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  gint64 t_start;               /* monotonic, us */
  guint64 start_step, total;
  double examples_per_step, flops_per_step;
  gboolean tty;
} AeProgress;

void ae_progress_init (AeProgress * p, guint64 start_step, guint64 total,
    double examples_per_step, double flops_per_step);

/* Call after each step. */
void ae_progress_step (AeProgress * p, guint64 step, double loss, float lr);

/* Call before printing anything else, so it starts on a fresh line. */
void ae_progress_break (const AeProgress * p);

/* Seconds since init, and the arithmetic rate so far (GFLOP/s). */
double ae_progress_seconds (const AeProgress * p);
double ae_progress_gflops (const AeProgress * p, guint64 step);

G_END_DECLS
#endif /* AE_PROGRESS_H */
