/* denseae.c: fully connected autoencoders, forward, loss and backward.
 *
 * Backward runs the layers in reverse with two ping-pong buffers, g0 for
 * the gradient at a layer's pre-activation and g1 at its input, so the
 * work space is two (rows, max_width) arrays whatever the depth.  The
 * penalties (sparsity, contraction, KL) add into g1 where their variable
 * lives.  Not here: training loops, data, printing.
 */
#include "denseae.h"

#include "ae.h"
#include "dense.h"
#include "tensor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Each tensor starts on a 64-byte boundary. */
#define PAD_FLOATS(n) (((gsize) (n) + 15) & ~(gsize) 15)

static const char *const kind_names[] = {
  "basic", "denoising", "sparse", "contractive", "variational"
};

static const char *const loss_names[] = { "mse", "bce", "l1" };

const char *
ae_dense_ae_kind_to_string (AeDenseAeKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

/* Index of @s in @names (@n of them), or -1. */
static int
name_index (const char *const *names, guint n, const char *s)
{
  guint i;

  for (i = 0; s && i < n; i++)
    if (!strcmp (s, names[i]))
      return (int) i;
  return -1;
}

gboolean
ae_dense_ae_kind_from_string (const char *s, AeDenseAeKind * kind)
{
  int i = name_index (kind_names, G_N_ELEMENTS (kind_names), s);

  if (i >= 0)
    *kind = (AeDenseAeKind) i;
  return i >= 0;
}

const char *
ae_recon_loss_to_string (AeReconLoss loss)
{
  g_return_val_if_fail ((guint) loss < G_N_ELEMENTS (loss_names), NULL);
  return loss_names[loss];
}

gboolean
ae_recon_loss_from_string (const char *s, AeReconLoss * loss)
{
  int i = name_index (loss_names, G_N_ELEMENTS (loss_names), s);

  if (i >= 0)
    *loss = (AeReconLoss) i;
  return i >= 0;
}

/* Widths of encoder layer @l: in and out. */
static void
enc_dims (const AeDenseAeConfig * c, int l, int *c_in, int *c_out)
{
  *c_in = l == 0 ? c->n_in : c->hidden[l - 1];
  *c_out = l < c->n_hidden ? c->hidden[l] : c->code;
}

static void
dec_dims (const AeDenseAeConfig * c, int l, int *c_in, int *c_out)
{
  int nh = c->n_hidden;

  *c_in = l == 0 ? c->code : c->hidden[nh - l];
  *c_out = l < nh ? c->hidden[nh - 1 - l] : c->n_in;
}

static AeAct
enc_act (const AeDenseAeConfig * c, int l)
{
  if (l < c->n_hidden)
    return c->hidden_act;
  return c->kind == AE_DENSE_AE_VARIATIONAL ? AE_ACT_NONE : c->code_act;
}

static AeAct
dec_act (const AeDenseAeConfig * c, int l)
{
  return l < c->n_hidden ? c->hidden_act : c->out_act;
}

static gboolean
width_ok (int w)
{
  return w >= 1 && w <= AE_DENSE_AE_MAX_WIDTH;
}

gboolean
ae_dense_ae_config_check (const AeDenseAeConfig * c, GError ** error)
{
  AeAct first;
  int l;

  g_return_val_if_fail (c != NULL, FALSE);

  if ((guint) c->kind >= G_N_ELEMENTS (kind_names)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH, "dense-ae: unknown kind %d",
        (int) c->kind);
    return FALSE;
  }
  if (!width_ok (c->n_in) || !width_ok (c->code)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "dense-ae: input %d and code %d must be in 1 .. %d", c->n_in,
        c->code, AE_DENSE_AE_MAX_WIDTH);
    return FALSE;
  }
  if (c->n_hidden < 0 || c->n_hidden > AE_DENSE_AE_MAX_HIDDEN) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "dense-ae: %d hidden layers; 0 .. %d supported", c->n_hidden,
        AE_DENSE_AE_MAX_HIDDEN);
    return FALSE;
  }
  for (l = 0; l < c->n_hidden; l++) {
    if (!width_ok (c->hidden[l])) {
      g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
          "dense-ae: hidden layer %d has width %d; 1 .. %d supported", l,
          c->hidden[l], AE_DENSE_AE_MAX_WIDTH);
      return FALSE;
    }
  }
  if (c->hidden_act == AE_ACT_PRELU || c->code_act == AE_ACT_PRELU
      || c->out_act == AE_ACT_PRELU || (guint) c->hidden_act > AE_ACT_SOFTPLUS
      || (guint) c->code_act > AE_ACT_SOFTPLUS
      || (guint) c->out_act > AE_ACT_SOFTPLUS) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "dense-ae: activations must be parameter-free (not prelu)");
    return FALSE;
  }
  if (c->kind == AE_DENSE_AE_VARIATIONAL && c->code_act != AE_ACT_NONE) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "dense-ae: a variational code is linear (mean and log-variance), "
        "not %s", ae_act_to_string (c->code_act));
    return FALSE;
  }
  first = enc_act (c, 0);
  if (c->kind == AE_DENSE_AE_CONTRACTIVE && first != AE_ACT_SIGMOID
      && first != AE_ACT_TANH) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "dense-ae: the contractive penalty needs a sigmoid or tanh first "
        "encoder layer, not %s", ae_act_to_string (first));
    return FALSE;
  }
  return TRUE;
}

/* Visits every tensor in file and memory order. */
typedef void (*TensorFunc) (const char *name, int c_in, int c_out,
    float **w, float **b, gpointer user_data);

static void
foreach_layer (const AeDenseAeConfig * c, AeDenseAeParams * p,
    TensorFunc func, gpointer user_data)
{
  char name[32];
  int l, c_in, c_out;

  for (l = 0; l <= c->n_hidden; l++) {
    enc_dims (c, l, &c_in, &c_out);
    g_snprintf (name, sizeof (name), "enc.%d", l);
    func (name, c_in, c_out, &p->enc_w[l], &p->enc_b[l], user_data);
  }
  if (c->kind == AE_DENSE_AE_VARIATIONAL) {
    enc_dims (c, c->n_hidden, &c_in, &c_out);
    func ("enc.logvar", c_in, c_out, &p->logvar_w, &p->logvar_b, user_data);
  }
  for (l = 0; l <= c->n_hidden; l++) {
    dec_dims (c, l, &c_in, &c_out);
    g_snprintf (name, sizeof (name), "dec.%d", l);
    func (name, c_in, c_out, &p->dec_w[l], &p->dec_b[l], user_data);
  }
}

typedef struct
{
  float *base;
  gsize offset;
} PointState;

static void
point_layer (const char *name, int c_in, int c_out, float **w, float **b,
    gpointer user_data)
{
  PointState *s = user_data;

  *w = s->base ? s->base + s->offset : NULL;
  s->offset += PAD_FLOATS ((gsize) c_in * c_out);
  *b = s->base ? s->base + s->offset : NULL;
  s->offset += PAD_FLOATS (c_out);
}

gsize
ae_dense_ae_n_params (const AeDenseAeConfig * config)
{
  AeDenseAeParams p;
  PointState s = { NULL, 0 };

  foreach_layer (config, &p, point_layer, &s);
  return s.offset;
}

void
ae_dense_ae_point (const AeDenseAeConfig * config, float *base,
    AeDenseAeParams * p)
{
  PointState s = { base, 0 };

  memset (p, 0, sizeof (*p));
  foreach_layer (config, p, point_layer, &s);
}

gboolean
ae_dense_ae_init (AeDenseAe * ae, const AeDenseAeConfig * config,
    GError ** error)
{
  g_return_val_if_fail (ae != NULL && config != NULL, FALSE);

  memset (ae, 0, sizeof (*ae));
  if (!ae_dense_ae_config_check (config, error))
    return FALSE;
  ae->config = *config;
  ae->n_params = ae_dense_ae_n_params (config);
  ae->params = ae_alloc_floats (ae->n_params);
  if (!ae->params) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "dense-ae: no memory for %" G_GSIZE_FORMAT " parameters",
        ae->n_params);
    return FALSE;
  }
  ae_dense_ae_point (config, ae->params, &ae->p);
  return TRUE;
}

void
ae_dense_ae_clear (AeDenseAe * ae)
{
  g_return_if_fail (ae != NULL);

  ae_free (ae->params);
  memset (ae, 0, sizeof (*ae));
}

typedef struct
{
  const AeDenseAeConfig *config;
  AeRng *rng;
} InitState;

static void
init_layer (const char *name, int c_in, int c_out, float **w, float **b,
    gpointer user_data)
{
  InitState *s = user_data;
  AeAct act;
  double limit;
  gsize i, n = (gsize) c_in * c_out;

  /* The act that follows this layer picks the scale: He for ReLU-like
   * units, Glorot otherwise.  The log-variance head starts small so the
   * first codes are near the mean. */
  if (g_str_has_prefix (name, "enc.logvar"))
    act = AE_ACT_NONE;
  else if (name[0] == 'e')
    act = enc_act (s->config, atoi (name + 4));
  else
    act = dec_act (s->config, atoi (name + 4));
  if (act == AE_ACT_RELU || act == AE_ACT_LEAKY_RELU || act == AE_ACT_SOFTPLUS)
    limit = sqrt (6.0 / c_in);
  else
    limit = sqrt (6.0 / (c_in + c_out));
  if (g_str_has_prefix (name, "enc.logvar"))
    limit *= 0.1;
  for (i = 0; i < n; i++)
    (*w)[i] = (float) ae_rng_range (s->rng, -limit, limit);
  memset (*b, 0, sizeof (float) * c_out);
}

void
ae_dense_ae_init_weights (AeDenseAe * ae, AeRng * rng)
{
  InitState s = { &ae->config, rng };
  AeDenseAeParams p = ae->p;

  g_return_if_fail (ae->params != NULL);
  foreach_layer (&ae->config, &p, init_layer, &s);
}

static int
max_width (const AeDenseAeConfig * c)
{
  int l, w = MAX (c->n_in, c->code);

  for (l = 0; l < c->n_hidden; l++)
    w = MAX (w, c->hidden[l]);
  return w;
}

gboolean
ae_dense_ae_work_init (AeDenseAeWork * w, const AeDenseAeConfig * c,
    int max_rows, GError ** error)
{
  gsize total = 0, rows = (gsize) MAX (max_rows, 1), off = 0;
  int l, c_in, c_out, nh = c->n_hidden;
  gboolean vae = c->kind == AE_DENSE_AE_VARIATIONAL;

  memset (w, 0, sizeof (*w));
  if (!ae_dense_ae_config_check (c, error))
    return FALSE;
  w->max_rows = (int) rows;
  w->max_width = max_width (c);
  /* Pre and post per layer (doubled even for linear layers: simpler, and
   * the widths are small), plus the two scratch arrays. */
  for (l = 0; l <= nh; l++) {
    enc_dims (c, l, &c_in, &c_out);
    total += 2 * PAD_FLOATS (rows * c_out);
    dec_dims (c, l, &c_in, &c_out);
    total += 2 * PAD_FLOATS (rows * c_out);
  }
  total += 4 * PAD_FLOATS (rows * c->code);
  total += 2 * PAD_FLOATS (rows * w->max_width);
  w->block = ae_alloc_floats (total);
  if (!w->block) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "dense-ae: no memory for %d rows of activations", max_rows);
    return FALSE;
  }
#define TAKE(n) (off += PAD_FLOATS (n), w->block + off - PAD_FLOATS (n))
  for (l = 0; l <= nh; l++) {
    enc_dims (c, l, &c_in, &c_out);
    w->enc_pre[l] = TAKE (rows * c_out);
    w->enc_post[l] = TAKE (rows * c_out);
  }
  for (l = 0; l <= nh; l++) {
    dec_dims (c, l, &c_in, &c_out);
    w->dec_pre[l] = TAKE (rows * c_out);
    w->dec_post[l] = TAKE (rows * c_out);
  }
  w->logvar = TAKE (rows * c->code);
  w->code = vae ? TAKE (rows * c->code) : w->enc_post[nh];
  w->dmu = TAKE (rows * c->code);
  w->dlogvar = TAKE (rows * c->code);
  w->g0 = TAKE (rows * w->max_width);
  w->g1 = TAKE (rows * w->max_width);
#undef TAKE
  w->out = w->dec_post[nh];
  return TRUE;
}

void
ae_dense_ae_work_clear (AeDenseAeWork * w)
{
  ae_free (w->block);
  memset (w, 0, sizeof (*w));
}

void
ae_dense_ae_decode (const AeDenseAe * ae, AeDenseAeWork * w,
    const float *code, int rows)
{
  const AeDenseAeConfig *c = &ae->config;
  const float *x = code;
  int l, c_in, c_out;

  g_return_if_fail (rows <= w->max_rows);
  for (l = 0; l <= c->n_hidden; l++) {
    dec_dims (c, l, &c_in, &c_out);
    ae_dense_forward (w->dec_pre[l], x, ae->p.dec_w[l], ae->p.dec_b[l],
        rows, c_in, c_out);
    ae_act_forward (dec_act (c, l), w->dec_post[l], w->dec_pre[l],
        (gsize) rows * c_out);
    x = w->dec_post[l];
  }
}

/* in (rows, n_in); eps (rows, code) or NULL. */
void
ae_dense_ae_forward (const AeDenseAe * ae, AeDenseAeWork * w,
    const float *in, const float *eps, int rows)
{
  const AeDenseAeConfig *c = &ae->config;
  const float *x = in;
  int l, c_in, c_out, nh = c->n_hidden;
  gsize i, n;

  g_return_if_fail (rows <= w->max_rows);
  for (l = 0; l <= nh; l++) {
    enc_dims (c, l, &c_in, &c_out);
    ae_dense_forward (w->enc_pre[l], x, ae->p.enc_w[l], ae->p.enc_b[l],
        rows, c_in, c_out);
    ae_act_forward (enc_act (c, l), w->enc_post[l], w->enc_pre[l],
        (gsize) rows * c_out);
    x = w->enc_post[l];
  }
  if (c->kind == AE_DENSE_AE_VARIATIONAL) {
    enc_dims (c, nh, &c_in, &c_out);
    ae_dense_forward (w->logvar, nh ? w->enc_post[nh - 1] : in,
        ae->p.logvar_w, ae->p.logvar_b, rows, c_in, c_out);
    n = (gsize) rows * c->code;
    for (i = 0; i < n; i++)
      w->code[i] = w->enc_post[nh][i]
          + (eps ? expf (0.5f * w->logvar[i]) * eps[i] : 0.0f);
  }
  ae_dense_ae_decode (ae, w, w->code, rows);
}

gboolean
ae_dense_ae_loss_check (const AeDenseAeConfig * c, const AeDenseAeLoss * l,
    GError ** error)
{
  if ((guint) l->recon >= G_N_ELEMENTS (loss_names)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT, "unknown loss %d",
        (int) l->recon);
    return FALSE;
  }
  if (l->recon == AE_RECON_BCE && c->out_act != AE_ACT_SIGMOID) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "the bce loss needs a sigmoid output, not %s",
        ae_act_to_string (c->out_act));
    return FALSE;
  }
  if (!(l->sparsity_weight >= 0.0f) || !(l->contractive_weight >= 0.0f)
      || !(l->kl_weight >= 0.0f)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "penalty weights must be >= 0");
    return FALSE;
  }
  if (c->kind == AE_DENSE_AE_SPARSE && l->sparsity == AE_SPARSITY_KL) {
    if (c->code_act != AE_ACT_SIGMOID) {
      g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
          "KL sparsity needs a sigmoid code, not %s",
          ae_act_to_string (c->code_act));
      return FALSE;
    }
    if (!(l->sparsity_rho > 0.0f && l->sparsity_rho < 1.0f)) {
      g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
          "sparsity target %g is not in (0, 1)", l->sparsity_rho);
      return FALSE;
    }
  }
  return TRUE;
}

/* d act / d pre as a function of post, for sigmoid and tanh, and its
 * derivative by post. */
static inline float
slope_of (AeAct act, float h)
{
  return act == AE_ACT_SIGMOID ? h * (1.0f - h) : 1.0f - h * h;
}

static inline float
slope_dh (AeAct act, float h)
{
  return act == AE_ACT_SIGMOID ? 1.0f - 2.0f * h : -2.0f * h;
}

/* ||W_j||^2 for each column j of weight (C_in, C_out) into norms (C_out). */
static void
column_norms (double *norms, const float *weight, int c_in, int c_out)
{
  int k, j;

  for (j = 0; j < c_out; j++)
    norms[j] = 0.0;
  for (k = 0; k < c_in; k++)
    for (j = 0; j < c_out; j++)
      norms[j] += (double) weight[(gsize) k * c_out + j] *
          weight[(gsize) k * c_out + j];
}

static double
recon_loss (AeReconLoss kind, const float *pre, const float *out,
    const float *target, gsize n)
{
  double sum = 0.0;
  gsize i;

  for (i = 0; i < n; i++) {
    double d = (double) out[i] - target[i], z = pre[i];

    if (kind == AE_RECON_MSE)
      sum += d * d;
    else if (kind == AE_RECON_L1)
      sum += fabs (d);
    else                        /* from logits: no log (0) at saturation */
      sum += MAX (z, 0.0) - target[i] * z + log1p (exp (-fabs (z)));
  }
  return sum / (double) n;
}

static double
penalty (const AeDenseAe * ae, const AeDenseAeWork * w,
    const AeDenseAeLoss * loss, int rows)
{
  const AeDenseAeConfig *c = &ae->config;
  gsize i, n = (gsize) rows * c->code;
  double sum = 0.0;
  int b, j;

  switch (c->kind) {
    case AE_DENSE_AE_SPARSE:
      if (loss->sparsity == AE_SPARSITY_L1) {
        for (i = 0; i < n; i++)
          sum += fabs (w->code[i]);
        return loss->sparsity_weight * sum / rows;
      }
      for (j = 0; j < c->code; j++) {
        double rho = loss->sparsity_rho, mean = 0.0;
        for (b = 0; b < rows; b++)
          mean += w->code[(gsize) b * c->code + j];
        mean = CLAMP (mean / rows, 1e-6, 1.0 - 1e-6);
        sum += rho * log (rho / mean) + (1 - rho) * log ((1 - rho) / (1 -
                mean));
      }
      return loss->sparsity_weight * sum;
    case AE_DENSE_AE_CONTRACTIVE:{
      int c_in, c_out;
      AeAct act = enc_act (c, 0);
      double *norms;

      enc_dims (c, 0, &c_in, &c_out);
      norms = g_new (double, c_out);
      column_norms (norms, ae->p.enc_w[0], c_in, c_out);
      for (b = 0; b < rows; b++)
        for (j = 0; j < c_out; j++) {
          double s = slope_of (act, w->enc_post[0][(gsize) b * c_out + j]);
          sum += s * s * norms[j];
        }
      g_free (norms);
      return loss->contractive_weight * sum / rows;
    }
    case AE_DENSE_AE_VARIATIONAL:
      for (i = 0; i < n; i++) {
        double mu = w->enc_post[c->n_hidden][i], lv = w->logvar[i];
        sum += -0.5 * (1.0 + lv - mu * mu - exp (lv));
      }
      return loss->kl_weight * sum / ((double) rows * c->n_in);
    default:
      return 0.0;
  }
}

double
ae_dense_ae_loss (const AeDenseAe * ae, const AeDenseAeWork * w,
    const AeDenseAeLoss * loss, const float *target, int rows,
    AeDenseAeLossParts * parts)
{
  int nh = ae->config.n_hidden;
  double r = recon_loss (loss->recon, w->dec_pre[nh], w->out, target,
      (gsize) rows * ae->config.n_in);
  double p = penalty (ae, w, loss, rows);

  if (parts) {
    parts->recon = r;
    parts->penalty = p;
    parts->total = r + p;
  }
  return r + p;
}

/* dpre (n) = d recon / d output pre-activation. */
static void
recon_backward (AeReconLoss kind, AeAct out_act, float *dpre, float *dout,
    const float *pre, const float *out, const float *target, gsize n)
{
  float scale = 1.0f / (float) n;
  gsize i;

  if (kind == AE_RECON_BCE) {
    /* d/dz [softplus (z) - t z] = sigmoid (z) - t = y - t. */
    for (i = 0; i < n; i++)
      dpre[i] = (out[i] - target[i]) * scale;
    return;
  }
  for (i = 0; i < n; i++) {
    float d = out[i] - target[i];
    if (kind == AE_RECON_MSE)
      dout[i] = 2.0f * d * scale;
    else
      dout[i] = d > 0.0f ? scale : d < 0.0f ? -scale : 0.0f;
  }
  memset (dpre, 0, sizeof (float) * n);
  ae_act_backward (out_act, dpre, dout, pre, out, n);
}

/* Adds the contraction's gradient: into dpost (rows, C_out), the first
 * encoder layer's output, and into dweight (C_in, C_out). */
static void
contractive_backward (const AeDenseAe * ae, const AeDenseAeWork * w,
    float weight, float *dpost, float *dweight, int rows)
{
  const AeDenseAeConfig *c = &ae->config;
  AeAct act = enc_act (c, 0);
  const float *h = w->enc_post[0], *wt = ae->p.enc_w[0];
  double *norms, *s2;
  int c_in, c_out, b, j, k;
  double scale = (double) weight / rows;

  enc_dims (c, 0, &c_in, &c_out);
  norms = g_new (double, c_out);
  s2 = g_new0 (double, c_out);
  column_norms (norms, wt, c_in, c_out);
  for (b = 0; b < rows; b++)
    for (j = 0; j < c_out; j++) {
      gsize i = (gsize) b * c_out + j;
      float s = slope_of (act, h[i]);
      s2[j] += (double) s *s;
      if (dpost)
        dpost[i] += (float) (scale * 2.0 * s * slope_dh (act, h[i]) *
            norms[j]);
    }
  if (dweight)
    for (k = 0; k < c_in; k++)
      for (j = 0; j < c_out; j++)
        dweight[(gsize) k * c_out + j] += (float) (scale * s2[j] * 2.0 *
            wt[(gsize) k * c_out + j]);
  g_free (norms);
  g_free (s2);
}

/* Adds the sparsity gradient into dcode (rows, code). */
static void
sparse_backward (const AeDenseAe * ae, const AeDenseAeWork * w,
    const AeDenseAeLoss * loss, float *dcode, int rows)
{
  int code = ae->config.code, b, j;
  float wgt = loss->sparsity_weight;

  if (loss->sparsity == AE_SPARSITY_L1) {
    gsize i, n = (gsize) rows * code;
    for (i = 0; i < n; i++)
      dcode[i] += w->code[i] > 0.0f ? wgt / rows
          : w->code[i] < 0.0f ? -wgt / rows : 0.0f;
    return;
  }
  for (j = 0; j < code; j++) {
    double rho = loss->sparsity_rho, mean = 0.0, g;
    for (b = 0; b < rows; b++)
      mean += w->code[(gsize) b * code + j];
    mean = CLAMP (mean / rows, 1e-6, 1.0 - 1e-6);
    g = wgt * (-rho / mean + (1.0 - rho) / (1.0 - mean)) / rows;
    for (b = 0; b < rows; b++)
      dcode[(gsize) b * code + j] += (float) g;
  }
}

void
ae_dense_ae_backward (const AeDenseAe * ae, AeDenseAeWork * w,
    const AeDenseAeLoss * loss, float *grads, float *din, const float *in,
    const float *eps, const float *target, int rows)
{
  const AeDenseAeConfig *c = &ae->config;
  AeDenseAeParams g;
  int l, c_in, c_out, nh = c->n_hidden;
  gsize i, n_code = (gsize) rows * c->code;
  gboolean vae = c->kind == AE_DENSE_AE_VARIATIONAL;

  g_return_if_fail (rows <= w->max_rows);
  if (grads)
    ae_dense_ae_point (c, grads, &g);
  else
    memset (&g, 0, sizeof (g));

  /* Output: g0 = d loss / d output pre-activation (g1 as scratch). */
  recon_backward (loss->recon, c->out_act, w->g0, w->g1, w->dec_pre[nh],
      w->out, target, (gsize) rows * c->n_in);

  /* Decoder, last layer first: g0 holds d pre, dense writes d input to g1,
   * and the previous layer's activation turns g1 back into g0. */
  for (l = nh; l >= 0; l--) {
    dec_dims (c, l, &c_in, &c_out);
    memset (w->g1, 0, sizeof (float) * rows * c_in);
    ae_dense_backward (w->g1, g.dec_w[l], g.dec_b[l], w->g0,
        l ? w->dec_post[l - 1] : w->code, ae->p.dec_w[l], rows, c_in, c_out);
    if (l > 0) {
      memset (w->g0, 0, sizeof (float) * rows * c_in);
      ae_act_backward (dec_act (c, l - 1), w->g0, w->g1, w->dec_pre[l - 1],
          w->dec_post[l - 1], (gsize) rows * c_in);
    }
  }
  /* g1 = d loss / d code. */
  enc_dims (c, nh, &c_in, &c_out);
  if (vae) {
    float kl = loss->kl_weight / ((float) rows * c->n_in);
    const float *mu = w->enc_post[nh];

    for (i = 0; i < n_code; i++) {
      float lv = w->logvar[i];
      w->dmu[i] = w->g1[i] + kl * mu[i];
      w->dlogvar[i] = 0.5f * kl * (expf (lv) - 1.0f)
          + (eps ? w->g1[i] * eps[i] * 0.5f * expf (0.5f * lv) : 0.0f);
    }
    memset (w->g1, 0, sizeof (float) * rows * c_in);
    ae_dense_backward (nh ? w->g1 : din, g.enc_w[nh], g.enc_b[nh], w->dmu,
        nh ? w->enc_post[nh - 1] : in, ae->p.enc_w[nh], rows, c_in, c_out);
    ae_dense_backward (nh ? w->g1 : din, g.logvar_w, g.logvar_b, w->dlogvar,
        nh ? w->enc_post[nh - 1] : in, ae->p.logvar_w, rows, c_in, c_out);
  } else {
    if (c->kind == AE_DENSE_AE_SPARSE)
      sparse_backward (ae, w, loss, w->g1, rows);
    if (c->kind == AE_DENSE_AE_CONTRACTIVE && nh == 0)
      contractive_backward (ae, w, loss->contractive_weight, w->g1,
          g.enc_w[0], rows);
    memset (w->g0, 0, sizeof (float) * n_code);
    ae_act_backward (enc_act (c, nh), w->g0, w->g1, w->enc_pre[nh],
        w->enc_post[nh], n_code);
    memset (w->g1, 0, sizeof (float) * rows * c_in);
    ae_dense_backward (nh ? w->g1 : din, g.enc_w[nh], g.enc_b[nh], w->g0,
        nh ? w->enc_post[nh - 1] : in, ae->p.enc_w[nh], rows, c_in, c_out);
  }
  /* Hidden encoder layers: g1 holds d post of layer l. */
  for (l = nh - 1; l >= 0; l--) {
    enc_dims (c, l, &c_in, &c_out);
    if (l == 0 && c->kind == AE_DENSE_AE_CONTRACTIVE)
      contractive_backward (ae, w, loss->contractive_weight, w->g1,
          g.enc_w[0], rows);
    memset (w->g0, 0, sizeof (float) * rows * c_out);
    ae_act_backward (enc_act (c, l), w->g0, w->g1, w->enc_pre[l],
        w->enc_post[l], (gsize) rows * c_out);
    if (l > 0)
      memset (w->g1, 0, sizeof (float) * rows * c_in);
    ae_dense_backward (l ? w->g1 : din, g.enc_w[l], g.enc_b[l], w->g0,
        l ? w->enc_post[l - 1] : in, ae->p.enc_w[l], rows, c_in, c_out);
  }
}

void
ae_dense_ae_corrupt (AeCorruption corruption, float level, AeRng * rng,
    float *out, const float *in, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++) {
    if (corruption == AE_CORRUPT_GAUSSIAN)
      out[i] = in[i] + level * (float) ae_rng_normal (rng);
    else
      out[i] = ae_rng_uniform (rng) < level ? 0.0f : in[i];
  }
}

void
ae_dense_ae_draw_normal (AeRng * rng, float *eps, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++)
    eps[i] = (float) ae_rng_normal (rng);
}

/* --- Weight files --- */

static void
add_layer (const char *name, int c_in, int c_out, float **w, float **b,
    gpointer user_data)
{
  AeSafetensorsWriter *wr = user_data;
  gint64 shape[2] = { c_in, c_out };
  char *n;

  n = g_strconcat (name, ".weight", NULL);
  ae_safetensors_writer_add_f32 (wr, n, 2, shape, *w);
  g_free (n);
  n = g_strconcat (name, ".bias", NULL);
  ae_safetensors_writer_add_f32 (wr, n, 1, shape + 1, *b);
  g_free (n);
}

static char *
dims_to_string (const AeDenseAeConfig * c)
{
  GString *s = g_string_new (NULL);
  int l;

  g_string_append_printf (s, "%d", c->n_in);
  for (l = 0; l < c->n_hidden; l++)
    g_string_append_printf (s, ",%d", c->hidden[l]);
  g_string_append_printf (s, ",%d", c->code);
  return g_string_free (s, FALSE);
}

AeSafetensorsWriter *
ae_dense_ae_writer_new (const AeDenseAe * ae, const char *modality)
{
  AeSafetensorsWriter *wr;
  AeDenseAeParams p = ae->p;
  char *dims;

  g_return_val_if_fail (ae->params != NULL && modality != NULL, NULL);

  wr = ae_safetensors_writer_new ();
  dims = dims_to_string (&ae->config);
  ae_safetensors_writer_add_metadata (wr, "ae.arch", AE_DENSE_AE_ARCH);
  ae_safetensors_writer_add_metadata (wr, "ae.modality", modality);
  ae_safetensors_writer_add_metadata (wr, "ae.kind",
      ae_dense_ae_kind_to_string (ae->config.kind));
  ae_safetensors_writer_add_metadata (wr, "ae.dims", dims);
  ae_safetensors_writer_add_metadata (wr, "ae.hidden_act",
      ae_act_to_string (ae->config.hidden_act));
  ae_safetensors_writer_add_metadata (wr, "ae.code_act",
      ae_act_to_string (ae->config.code_act));
  ae_safetensors_writer_add_metadata (wr, "ae.out_act",
      ae_act_to_string (ae->config.out_act));
  g_free (dims);
  foreach_layer (&ae->config, &p, add_layer, wr);
  return wr;
}

static gboolean
parse_dims (const char *s, AeDenseAeConfig * c)
{
  char **parts;
  int n, i;
  gboolean ok = TRUE;
  int v[AE_DENSE_AE_MAX_HIDDEN + 2];

  parts = g_strsplit (s, ",", -1);
  n = (int) g_strv_length (parts);
  if (n < 2 || n > AE_DENSE_AE_MAX_HIDDEN + 2)
    ok = FALSE;
  for (i = 0; ok && i < n; i++) {
    guint64 x;
    if (!g_ascii_string_to_unsigned (parts[i], 10, 1, AE_DENSE_AE_MAX_WIDTH,
            &x, NULL))
      ok = FALSE;
    else
      v[i] = (int) x;
  }
  g_strfreev (parts);
  if (!ok)
    return FALSE;
  c->n_in = v[0];
  c->n_hidden = n - 2;
  for (i = 0; i < n - 2; i++)
    c->hidden[i] = v[i + 1];
  c->code = v[n - 1];
  return TRUE;
}

typedef struct
{
  const AeSafetensors *st;
  GError **error;
  gboolean ok;
  guint n_tensors;
} BindState;

static void
bind_layer (const char *name, int c_in, int c_out, float **w, float **b,
    gpointer user_data)
{
  BindState *s = user_data;
  gint64 shape[2] = { c_in, c_out };
  char *n;

  if (!s->ok)
    return;
  n = g_strconcat (name, ".weight", NULL);
  s->ok = ae_safetensors_copy_f32 (s->st, n, 2, shape, *w, s->error);
  g_free (n);
  if (!s->ok)
    return;
  n = g_strconcat (name, ".bias", NULL);
  s->ok = ae_safetensors_copy_f32 (s->st, n, 1, shape + 1, *b, s->error);
  g_free (n);
  s->n_tensors += 2;
}

static gboolean
meta_act (const AeSafetensors * st, const char *key, AeAct * act,
    GError ** error)
{
  const char *v = ae_safetensors_get_metadata (st, key);

  if (!v || !ae_act_from_string (v, act)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: metadata %s is %s%s%s; expected an activation name",
        ae_safetensors_get_name (st), key, v ? "\"" : "missing",
        v ? v : "", v ? "\"" : "");
    return FALSE;
  }
  return TRUE;
}

gboolean
ae_dense_ae_init_from_safetensors (AeDenseAe * ae, const AeSafetensors * st,
    GError ** error)
{
  const char *name = ae_safetensors_get_name (st);
  const char *arch = ae_safetensors_get_metadata (st, "ae.arch");
  const char *kind = ae_safetensors_get_metadata (st, "ae.kind");
  const char *dims = ae_safetensors_get_metadata (st, "ae.dims");
  AeDenseAeConfig c = { 0 };
  BindState s = { st, error, TRUE, 0 };
  AeDenseAeParams p;

  memset (ae, 0, sizeof (*ae));
  if (g_strcmp0 (arch, AE_DENSE_AE_ARCH) != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: ae.arch is %s%s%s; expected \"%s\"", name,
        arch ? "\"" : "missing", arch ? arch : "", arch ? "\"" : "",
        AE_DENSE_AE_ARCH);
    return FALSE;
  }
  if (!ae_dense_ae_kind_from_string (kind, &c.kind)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: ae.kind \"%s\" is unknown (basic, denoising, sparse, "
        "contractive, variational)", name, kind ? kind : "");
    return FALSE;
  }
  if (!dims || !parse_dims (dims, &c)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: ae.dims \"%s\" is not \"in,hidden...,code\" (at most %d hidden, "
        "each 1 .. %d)", name, dims ? dims : "", AE_DENSE_AE_MAX_HIDDEN,
        AE_DENSE_AE_MAX_WIDTH);
    return FALSE;
  }
  if (!meta_act (st, "ae.hidden_act", &c.hidden_act, error)
      || !meta_act (st, "ae.code_act", &c.code_act, error)
      || !meta_act (st, "ae.out_act", &c.out_act, error))
    return FALSE;
  if (!ae_dense_ae_init (ae, &c, error)) {
    g_prefix_error (error, "%s: ", name);
    return FALSE;
  }
  p = ae->p;
  foreach_layer (&c, &p, bind_layer, &s);
  if (s.ok && s.n_tensors != ae_safetensors_get_n_tensors (st)) {
    g_set_error (error, AE_ERROR, AE_ERROR_SHAPE,
        "%s: %u tensors; a %s dense-ae with dims %s has %u", name,
        ae_safetensors_get_n_tensors (st), kind, dims, s.n_tensors);
    s.ok = FALSE;
  }
  if (!s.ok)
    ae_dense_ae_clear (ae);
  return s.ok;
}
