/* optim.h: optimisers over one flat parameter array.
 *
 * Parameters, gradients and the optimiser's moments share one layout
 * (llm.c's gpt2_update), so every optimiser is a single loop.  Learning
 * rate schedules and gradient clipping live here too.
 */
#ifndef AE_OPTIM_H
#define AE_OPTIM_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  AE_OPTIM_SGD,                 /* with momentum and L2 weight decay */
  AE_OPTIM_ADAM,                /* weight decay added to the gradient */
  AE_OPTIM_ADAMW,               /* decoupled weight decay */
} AeOptimKind;

typedef enum
{
  AE_SCHEDULE_CONSTANT,
  AE_SCHEDULE_STEP,             /* x0.1 at 50% and 75% of the steps */
  AE_SCHEDULE_COSINE,           /* to 1% of the base rate */
} AeScheduleKind;

typedef struct
{
  AeOptimKind kind;
  float beta1;                  /* Adam; SGD uses it as momentum */
  float beta2;
  float eps;
  float weight_decay;
  float ema_decay;              /* > 0: keep an average of the weights */
} AeOptimConfig;

typedef struct
{
  AeOptimConfig config;
  gsize n_params;
  float *m;                     /* first moment / momentum (n_params) */
  float *v;                     /* second moment (n_params); Adam only */
  float *ema;                   /* the weights' moving average (n_params),
                                 * NULL when config.ema_decay is 0 */
  guint64 step;                 /* updates done */
} AeOptimizer;

gboolean ae_optim_kind_from_string (const char *s, AeOptimKind * kind);
gboolean ae_schedule_from_string (const char *s, AeScheduleKind * kind);

gboolean ae_optimizer_init (AeOptimizer * opt, const AeOptimConfig * config,
    gsize n_params);
void ae_optimizer_clear (AeOptimizer * opt);

/* params (n) -= update (grads (n), lr); advances opt->step.  With an
 * average kept, then ema = decay ema + (1 - decay) params. */
void ae_optimizer_step (AeOptimizer * opt, float *params, const float *grads,
    float lr);

/* Starts the average at @params (the initial or --init weights): a
 * fine-tune's average then never holds the zeros a fresh one would. */
void ae_optimizer_start_average (AeOptimizer * opt, const float *params);

/* The weights to validate and ship: the average when one is kept (Polyak
 * averaging: late in a run it generalises better than the last step's
 * weights, which jitter with the rate), else @params. */
const float *ae_optimizer_eval_params (const AeOptimizer * opt,
    const float *params);

/* The rate at @step of @total: linear warm-up over @warmup steps, then the
 * schedule. */
float ae_schedule_lr (AeScheduleKind kind, float base_lr, guint64 step,
    guint64 total, guint64 warmup);

/* Scales grads (n) so their L2 norm is at most @max_norm (<= 0: no limit).
 * Returns the norm before scaling. */
float ae_clip_grad_norm (float *grads, gsize n, float max_norm);

G_END_DECLS
#endif /* AE_OPTIM_H */
