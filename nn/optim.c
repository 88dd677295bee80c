/* optim.c: SGD, Adam and AdamW over a flat parameter array. */
#include "optim.h"

#include <math.h>
#include <string.h>

#include "tensor.h"

gboolean
ae_optim_kind_from_string (const char *s, AeOptimKind * kind)
{
  if (!g_strcmp0 (s, "sgd"))
    *kind = AE_OPTIM_SGD;
  else if (!g_strcmp0 (s, "adam"))
    *kind = AE_OPTIM_ADAM;
  else if (!g_strcmp0 (s, "adamw"))
    *kind = AE_OPTIM_ADAMW;
  else
    return FALSE;
  return TRUE;
}

gboolean
ae_schedule_from_string (const char *s, AeScheduleKind * kind)
{
  if (!g_strcmp0 (s, "constant"))
    *kind = AE_SCHEDULE_CONSTANT;
  else if (!g_strcmp0 (s, "step"))
    *kind = AE_SCHEDULE_STEP;
  else if (!g_strcmp0 (s, "cosine"))
    *kind = AE_SCHEDULE_COSINE;
  else
    return FALSE;
  return TRUE;
}

gboolean
ae_optimizer_init (AeOptimizer * opt, const AeOptimConfig * config,
    gsize n_params)
{
  memset (opt, 0, sizeof (*opt));
  opt->config = *config;
  opt->n_params = n_params;
  opt->m = ae_alloc_floats (n_params);
  opt->v = ae_alloc_floats (n_params);
  if (config->ema_decay > 0.0f)
    opt->ema = ae_alloc_floats (n_params);
  return opt->m && opt->v && (config->ema_decay <= 0.0f || opt->ema);
}

void
ae_optimizer_clear (AeOptimizer * opt)
{
  ae_free (opt->m);
  ae_free (opt->v);
  ae_free (opt->ema);
  memset (opt, 0, sizeof (*opt));
}

void
ae_optimizer_step (AeOptimizer * opt, float *params, const float *grads,
    float lr)
{
  const AeOptimConfig *c = &opt->config;
  gsize i;

  opt->step++;
  if (c->kind == AE_OPTIM_SGD) {
    for (i = 0; i < opt->n_params; i++) {
      float g = grads[i] + c->weight_decay * params[i];
      opt->m[i] = c->beta1 * opt->m[i] + g;
      params[i] -= lr * opt->m[i];
    }
  } else {
    /* Bias corrections folded into the step size (Kingma and Ba, 2.1). */
    double bc1 = 1.0 - pow (c->beta1, (double) opt->step);
    double bc2 = 1.0 - pow (c->beta2, (double) opt->step);
    float alpha = (float) (lr * sqrt (bc2) / bc1);
    float eps = (float) (c->eps * sqrt (bc2));
    gboolean decoupled = c->kind == AE_OPTIM_ADAMW;

    for (i = 0; i < opt->n_params; i++) {
      float g = grads[i] + (decoupled ? 0.0f : c->weight_decay * params[i]);
      opt->m[i] = c->beta1 * opt->m[i] + (1.0f - c->beta1) * g;
      opt->v[i] = c->beta2 * opt->v[i] + (1.0f - c->beta2) * g * g;
      if (decoupled)
        params[i] -= lr * c->weight_decay * params[i];
      params[i] -= alpha * opt->m[i] / (sqrtf (opt->v[i]) + eps);
    }
  }
  if (opt->ema) {
    float d = c->ema_decay;

    for (i = 0; i < opt->n_params; i++)
      opt->ema[i] = d * opt->ema[i] + (1.0f - d) * params[i];
  }
}

void
ae_optimizer_start_average (AeOptimizer * opt, const float *params)
{
  if (opt->ema)
    memcpy (opt->ema, params, sizeof (float) * opt->n_params);
}

const float *
ae_optimizer_eval_params (const AeOptimizer * opt, const float *params)
{
  return opt->ema ? opt->ema : params;
}

float
ae_schedule_lr (AeScheduleKind kind, float base_lr, guint64 step,
    guint64 total, guint64 warmup)
{
  double progress;

  if (step < warmup)
    return base_lr * (float) (step + 1) / (float) warmup;
  if (total <= warmup)
    return base_lr;
  progress = (double) (step - warmup) / (double) (total - warmup);
  progress = MIN (progress, 1.0);
  switch (kind) {
    case AE_SCHEDULE_CONSTANT:
      return base_lr;
    case AE_SCHEDULE_STEP:
      return base_lr * (progress < 0.5 ? 1.0f : progress < 0.75 ? 0.1f :
          0.01f);
    case AE_SCHEDULE_COSINE:
      return base_lr * (float) (0.01 + 0.99 * 0.5 * (1.0 + cos (G_PI *
                  progress)));
  }
  return base_lr;
}

float
ae_clip_grad_norm (float *grads, gsize n, float max_norm)
{
  double sum = 0.0;
  float norm;
  gsize i;

  for (i = 0; i < n; i++)
    sum += (double) grads[i] * grads[i];
  norm = (float) sqrt (sum);
  if (max_norm > 0.0f && norm > max_norm) {
    float scale = max_norm / norm;
    for (i = 0; i < n; i++)
      grads[i] *= scale;
  }
  return norm;
}
