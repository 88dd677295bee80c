/* progress.c: see progress.h. */
#include "progress.h"

#include <unistd.h>

void
ae_progress_init (AeProgress * p, guint64 start_step, guint64 total,
    double examples_per_step, double flops_per_step)
{
  p->t_start = g_get_monotonic_time ();
  p->start_step = start_step;
  p->total = total;
  p->examples_per_step = examples_per_step;
  p->flops_per_step = flops_per_step;
  p->tty = isatty (STDERR_FILENO);
}

double
ae_progress_seconds (const AeProgress * p)
{
  return (g_get_monotonic_time () - p->t_start) / 1e6;
}

double
ae_progress_gflops (const AeProgress * p, guint64 step)
{
  return (step - p->start_step) * p->flops_per_step /
      MAX (ae_progress_seconds (p), 1e-9) / 1e9;
}

void
ae_progress_step (AeProgress * p, guint64 step, double loss, float lr)
{
  double rate;
  int eta;

  if (!(step % (p->tty ? 10 : 100) == 0 || step == p->total))
    return;
  rate = (step - p->start_step) / MAX (ae_progress_seconds (p), 1e-9);
  eta = (int) MAX ((p->total - step) / MAX (rate, 1e-9), 0.0);
  g_printerr ("%sstep %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT
      "  loss %.4f  lr %.2e  %.1f ex/s  %.1f GFLOP/s  eta %d:%02d:%02d%s",
      p->tty ? "\r" : "", step, p->total, loss, lr,
      rate * p->examples_per_step, rate * p->flops_per_step / 1e9,
      eta / 3600, eta / 60 % 60, eta % 60, p->tty ? "  " : "\n");
}

void
ae_progress_break (const AeProgress * p)
{
  if (p->tty)
    g_printerr ("\n");
}
