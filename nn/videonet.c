/* videonet.c: the video U-Net of videonet.h: layout, forward, backward
 * and weight files. */
#include "videonet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "ae.h"
#include "ops.h"
#include "resample2d.h"
#include "rng.h"
#include "safetensors.h"
#include "tensor.h"

/* Layer indices in net->layers. */
#define HEAD 0
#define DOWN 1
#define BLOCK(i) (2 + (i))
#define UP(net) (2 + (net)->arch.n_blocks)
#define TAIL(net) (3 + (net)->arch.n_blocks)
#define OUT(net) (4 + (net)->arch.n_blocks)

static void
add_layer (AeVideoNet * net, const char *name, int c_in, int c_out,
    int kernel, int stride, int scale)
{
  AeVideoLayer *l = &net->layers[net->n_layers++];

  g_strlcpy (l->name, name, sizeof (l->name));
  l->c_in = c_in;
  l->c_out = c_out;
  l->kernel = kernel;
  l->stride = stride;
  l->scale = scale;
  l->weight_offset = net->n_params;
  net->n_params += (gsize) c_out * c_in * kernel * kernel;
  l->bias_offset = net->n_params;
  net->n_params += c_out;
}

gboolean
ae_videonet_init (AeVideoNet * net, const AeVideoArch * arch, GError ** error)
{
  int r = arch->unshuffle, c1 = arch->width, i;

  if (r != 1 && r != 2 && r != 4) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "video unshuffle %d: must be 1, 2 or 4", r);
    return FALSE;
  }
  if (c1 < 1 || c1 > 512 || arch->code < 1 || arch->code > 1024) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "video width %d / code %d: must be 1..512 / 1..1024", c1,
        arch->code);
    return FALSE;
  }
  if (arch->n_blocks < 0 || arch->n_blocks > AE_VIDEO_MAX_BLOCKS) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "video blocks %d: must be 0..%d", arch->n_blocks,
        AE_VIDEO_MAX_BLOCKS);
    return FALSE;
  }
  memset (net, 0, sizeof (*net));
  net->arch = *arch;
  add_layer (net, "head", 2 * r * r, c1, 3, 1, r);
  add_layer (net, "down", c1, arch->code, 3, 2, r);
  for (i = 0; i < arch->n_blocks; i++) {
    char name[16];
    g_snprintf (name, sizeof (name), "block%d", i);
    add_layer (net, name, arch->code, arch->code, 3, 1, 2 * r);
  }
  add_layer (net, "up", arch->code, 4 * c1, 1, 1, 2 * r);
  add_layer (net, "tail", c1, c1, 3, 1, r);
  add_layer (net, "out", c1, r * r, 3, 1, r);
  return TRUE;
}

void
ae_videonet_init_params (const AeVideoNet * net, float *params, guint64 seed)
{
  AeRng rng;
  int i;

  ae_rng_init (&rng, seed);
  memset (params, 0, sizeof (float) * net->n_params);
  for (i = 0; i < net->n_layers; i++) {
    const AeVideoLayer *l = &net->layers[i];
    gsize fan_in = (gsize) l->c_in * l->kernel * l->kernel, k;
    double bound = sqrt (6.0 / fan_in);
    /* Residual branches and the output start small: each block begins
     * near the identity and the model near "no noise". */
    if (i >= BLOCK (0) && i < UP (net))
      bound *= 0.1;
    if (i == OUT (net))
      bound *= 0.01;
    for (k = 0; k < fan_in * l->c_out; k++)
      params[l->weight_offset + k] = (float) ae_rng_range (&rng, -bound,
          bound);
  }
}

double
ae_videonet_macs_per_pixel (const AeVideoNet * net)
{
  double macs = 0.0;
  int i;

  for (i = 0; i < net->n_layers; i++) {
    const AeVideoLayer *l = &net->layers[i];
    int out_scale = l->scale * l->stride;
    macs += (double) l->c_in * l->c_out * l->kernel * l->kernel /
        ((double) out_scale * out_scale);
  }
  return macs;
}

/* --- activations --- */

struct _AeVideoActs
{
  int n, h, w;                  /* full resolution */
  AeConv2dShape shape[AE_VIDEO_MAX_LAYERS];
  float *input;                 /* (N, 2, H, W) */
  float *u;                     /* (N, 2 r^2, H/r, W/r) */
  float *a1;                    /* head output, the skip */
  float *z[AE_VIDEO_MAX_BLOCKS + 1];    /* z[0]: down output */
  float *rb[AE_VIDEO_MAX_BLOCKS];       /* relu (block conv) */
  float *p;                     /* up conv output (N, 4 C1, H/2r) */
  float *s;                     /* relu (shuffle (p) + a1) */
  float *t;                     /* tail output */
  float *o;                     /* out conv output (N, r^2, H/r) */
  /* Gradients: one per role, reused where the backward allows. */
  float *da1, *dz, *dpre2, *dp, *ds, *dpre1, *dt, *dout;
  float *work;
  gsize work_floats;
};

static AeConv2dShape
layer_shape (const AeVideoLayer * l, int n, int h, int w)
{
  AeConv2dShape s = { 0 };

  s.n = n;
  s.c_in = l->c_in;
  s.h_in = h / l->scale;
  s.w_in = w / l->scale;
  s.c_out = l->c_out;
  s.kernel_h = s.kernel_w = l->kernel;
  s.stride_h = s.stride_w = l->stride;
  s.pad_h = s.pad_w = l->kernel / 2;
  return s;
}

void
ae_video_acts_free (AeVideoActs * a)
{
  int i;

  if (!a)
    return;
  ae_free (a->input);
  ae_free (a->u);
  ae_free (a->a1);
  for (i = 0; i <= AE_VIDEO_MAX_BLOCKS; i++)
    ae_free (a->z[i]);
  for (i = 0; i < AE_VIDEO_MAX_BLOCKS; i++)
    ae_free (a->rb[i]);
  ae_free (a->p);
  ae_free (a->s);
  ae_free (a->t);
  ae_free (a->o);
  ae_free (a->da1);
  ae_free (a->dz);
  ae_free (a->dpre2);
  ae_free (a->dp);
  ae_free (a->ds);
  ae_free (a->dpre1);
  ae_free (a->dt);
  ae_free (a->dout);
  ae_free (a->work);
  g_free (a);
}

AeVideoActs *
ae_video_acts_new (const AeVideoNet * net, int n, int h, int w,
    gboolean with_grad, int n_threads, GError ** error)
{
  int r = net->arch.unshuffle, c1 = net->arch.width, c2 = net->arch.code;
  int i, m = 2 * r;
  gsize full, lo1, lo2;
  AeVideoActs *a;

  if (n < 1 || h < m || w < m || h % m || w % m || (gsize) h * w > (1u << 26)) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
        "video batch %d x %dx%d: sides must be positive multiples of %d",
        n, w, h, m);
    return NULL;
  }
  a = g_new0 (AeVideoActs, 1);
  a->n = n;
  a->h = h;
  a->w = w;
  full = (gsize) n * h * w;
  lo1 = full / (r * r);
  lo2 = lo1 / 4;
  for (i = 0; i < net->n_layers; i++) {
    a->shape[i] = layer_shape (&net->layers[i], n, h, w);
    a->work_floats = MAX (a->work_floats,
        ae_conv2d_workspace_floats (&a->shape[i], n_threads));
  }
  a->input = ae_alloc_floats (2 * full);
  a->u = ae_alloc_floats (2 * full);
  a->a1 = ae_alloc_floats (lo1 * c1);
  for (i = 0; i <= net->arch.n_blocks; i++)
    a->z[i] = ae_alloc_floats (lo2 * c2);
  for (i = 0; i < net->arch.n_blocks; i++)
    a->rb[i] = ae_alloc_floats (lo2 * c2);
  a->p = ae_alloc_floats (lo2 * 4 * c1);
  a->s = ae_alloc_floats (lo1 * c1);
  a->t = ae_alloc_floats (lo1 * c1);
  a->o = ae_alloc_floats (full);
  if (with_grad) {
    a->da1 = ae_alloc_floats (lo1 * c1);
    a->dz = ae_alloc_floats (lo2 * c2);
    a->dpre2 = ae_alloc_floats (lo2 * c2);
    a->dp = ae_alloc_floats (lo2 * 4 * c1);
    a->ds = ae_alloc_floats (lo1 * c1);
    a->dpre1 = ae_alloc_floats (lo1 * c1);
    a->dt = ae_alloc_floats (lo1 * c1);
    a->dout = ae_alloc_floats (full);
  }
  if (a->work_floats)
    a->work = ae_alloc_floats (a->work_floats);
  return a;
}

/* --- forward and backward --- */

static void
conv (const AeVideoNet * net, AeVideoActs * a, int layer, float *out,
    const float *in, const float *params, AeAct act, AeThreadPool * pool)
{
  const AeVideoLayer *l = &net->layers[layer];

  ae_conv2d_forward_act (out, in, params + l->weight_offset,
      params + l->bias_offset, act, &a->shape[layer], pool, a->work);
}

static void
conv_backward (const AeVideoNet * net, AeVideoActs * a, int layer,
    float *din, const float *dout, const float *in, const float *params,
    float *dparams, AeThreadPool * pool)
{
  const AeVideoLayer *l = &net->layers[layer];

  ae_conv2d_backward (din, dparams + l->weight_offset,
      dparams + l->bias_offset, dout, in, params + l->weight_offset,
      &a->shape[layer], pool, a->work);
}

/* dpre = dpost where post > 0 (ReLU's derivative; post > 0 iff pre > 0). */
static void
relu_backward (float *dpre, const float *dpost, const float *post, gsize n)
{
  gsize i;

  for (i = 0; i < n; i++) {
    /* loaded unconditionally, so GCC can make it a vector select */
    float d = dpost[i];
    dpre[i] = post[i] > 0.0f ? d : 0.0f;
  }
}

/* The steps between convolutions, one image per task so the pool shares
 * them too (serial, they were a tenth of a two-thread step).  Every image's
 * slice of every buffer is contiguous (NCHW), and the ops are elementwise
 * or within one image, so the split changes no bits. */
typedef enum
{
  STAGE_INPUT,                  /* input = [x, level]; u = unshuffle */
  STAGE_RESIDUAL,               /* z[block + 1] = z[block] + rb[block] */
  STAGE_SKIP,                   /* s = relu (shuffle (p) + a1) */
  STAGE_OUTPUT,                 /* noise = shuffle (o) */
  STAGE_D_OUTPUT,               /* dout = shuffle' (dnoise); dt = 0 */
  STAGE_D_TAIL,                 /* dpre1 = relu' (dt); ds = 0 */
  STAGE_D_SKIP,                 /* da1 = relu' (ds); dp = shuffle' (da1);
                                 * dz = 0 */
  STAGE_D_BLOCK,                /* dpre2 = relu' (dz) at rb[block] */
  STAGE_D_DOWN,                 /* dpre2 = relu' (dz) at z[0] */
  STAGE_D_HEAD,                 /* dpre1 = relu' (da1) */
} Stage;

typedef struct
{
  const AeVideoNet *net;
  AeVideoActs *a;
  Stage stage;
  int block;
  const float *x, *level, *dnoise;
  float *noise;
} StageJob;

static void
stage_task (int b, int thread, gpointer data)
{
  const StageJob *j = data;
  const AeVideoNet *net = j->net;
  AeVideoActs *a = j->a;
  int r = net->arch.unshuffle, c1 = net->arch.width, c2 = net->arch.code;
  int h1 = a->h / r, w1 = a->w / r;
  gsize full = (gsize) a->h * a->w;     /* per image, from here on */
  gsize n1 = (gsize) h1 * w1 * c1, n2 = (gsize) h1 * w1 / 4 * c2;
  gsize f = b * full, o1 = b * n1, o2 = b * n2;

  (void) thread;
  switch (j->stage) {
    case STAGE_INPUT:
      ae_concat_forward (a->input + 2 * f, j->x + f, j->level + f, 1, 1, 1,
          full);
      ae_pixel_unshuffle_forward (a->u + 2 * f, a->input + 2 * f, 1, 2,
          a->h, a->w, r);
      break;
    case STAGE_RESIDUAL:
      ae_add_forward (a->z[j->block + 1] + o2, a->z[j->block] + o2,
          a->rb[j->block] + o2, n2);
      break;
    case STAGE_SKIP:
      ae_pixel_shuffle_forward (a->s + o1, a->p + o1, 1, c1, h1 / 2, w1 / 2,
          2);
      ae_add_forward (a->s + o1, a->s + o1, a->a1 + o1, n1);
      ae_act_forward (AE_ACT_RELU, a->s + o1, a->s + o1, n1);
      break;
    case STAGE_OUTPUT:
      ae_pixel_shuffle_forward (j->noise + f, a->o + f, 1, 1, h1, w1, r);
      break;
    case STAGE_D_OUTPUT:
      memset (a->dout + f, 0, sizeof (float) * full);
      ae_pixel_shuffle_backward (a->dout + f, j->dnoise + f, 1, 1, h1, w1,
          r);
      memset (a->dt + o1, 0, sizeof (float) * n1);
      break;
    case STAGE_D_TAIL:
      relu_backward (a->dpre1 + o1, a->dt + o1, a->t + o1, n1);
      memset (a->ds + o1, 0, sizeof (float) * n1);
      break;
    case STAGE_D_SKIP:
      /* both addends of the skip get the same gradient */
      relu_backward (a->da1 + o1, a->ds + o1, a->s + o1, n1);
      memset (a->dp + o1, 0, sizeof (float) * n1);  /* 4 C1 at H/2r: n1 */
      ae_pixel_shuffle_backward (a->dp + o1, a->da1 + o1, 1, c1, h1 / 2,
          w1 / 2, 2);
      memset (a->dz + o2, 0, sizeof (float) * n2);
      break;
    case STAGE_D_BLOCK:
      relu_backward (a->dpre2 + o2, a->dz + o2, a->rb[j->block] + o2, n2);
      break;
    case STAGE_D_DOWN:
      relu_backward (a->dpre2 + o2, a->dz + o2, a->z[0] + o2, n2);
      break;
    case STAGE_D_HEAD:
      relu_backward (a->dpre1 + o1, a->da1 + o1, a->a1 + o1, n1);
      break;
  }
}

static void
run_stage (StageJob * j, Stage stage, int block, AeThreadPool * pool)
{
  j->stage = stage;
  j->block = block;
  ae_threadpool_run (pool, j->a->n, stage_task, j);
}

void
ae_videonet_forward (const AeVideoNet * net, AeVideoActs * a,
    const float *params, const float *x, const float *level, float *noise,
    AeThreadPool * pool)
{
  StageJob j = { net, a, STAGE_INPUT, 0, x, level, NULL, noise };
  int i;

  run_stage (&j, STAGE_INPUT, 0, pool);
  conv (net, a, HEAD, a->a1, a->u, params, AE_ACT_RELU, pool);
  conv (net, a, DOWN, a->z[0], a->a1, params, AE_ACT_RELU, pool);
  for (i = 0; i < net->arch.n_blocks; i++) {
    conv (net, a, BLOCK (i), a->rb[i], a->z[i], params, AE_ACT_RELU, pool);
    run_stage (&j, STAGE_RESIDUAL, i, pool);
  }
  conv (net, a, UP (net), a->p, a->z[net->arch.n_blocks], params,
      AE_ACT_NONE, pool);
  run_stage (&j, STAGE_SKIP, 0, pool);
  conv (net, a, TAIL (net), a->t, a->s, params, AE_ACT_RELU, pool);
  conv (net, a, OUT (net), a->o, a->t, params, AE_ACT_NONE, pool);
  run_stage (&j, STAGE_OUTPUT, 0, pool);
}

void
ae_videonet_backward (const AeVideoNet * net, AeVideoActs * a,
    const float *params, const float *dnoise, float *dparams,
    AeThreadPool * pool)
{
  StageJob j = { net, a, STAGE_D_OUTPUT, 0, NULL, NULL, dnoise, NULL };
  int nb = net->arch.n_blocks, i;

  g_return_if_fail (a->dout != NULL);
  /* noise = shuffle (o) -> out conv -> tail relu */
  run_stage (&j, STAGE_D_OUTPUT, 0, pool);
  conv_backward (net, a, OUT (net), a->dt, a->dout, a->t, params, dparams,
      pool);
  run_stage (&j, STAGE_D_TAIL, 0, pool);
  conv_backward (net, a, TAIL (net), a->ds, a->dpre1, a->s, params, dparams,
      pool);
  run_stage (&j, STAGE_D_SKIP, 0, pool);
  conv_backward (net, a, UP (net), a->dz, a->dp, a->z[nb], params, dparams,
      pool);
  /* z[i+1] = z[i] + relu (conv z[i]): dz carries d z[i+1], then d z[i] */
  for (i = nb - 1; i >= 0; i--) {
    run_stage (&j, STAGE_D_BLOCK, i, pool);
    conv_backward (net, a, BLOCK (i), a->dz, a->dpre2, a->z[i], params,
        dparams, pool);
  }
  run_stage (&j, STAGE_D_DOWN, 0, pool);
  conv_backward (net, a, DOWN, a->da1, a->dpre2, a->a1, params, dparams,
      pool);
  run_stage (&j, STAGE_D_HEAD, 0, pool);
  conv_backward (net, a, HEAD, NULL, a->dpre1, a->u, params, dparams, pool);
}

/* --- weight files --- */

#define META_UNSHUFFLE "ae.arch.unshuffle"
#define META_WIDTH "ae.arch.width"
#define META_CODE "ae.arch.code"
#define META_BLOCKS "ae.arch.blocks"

static void
layer_tensor_shapes (const AeVideoLayer * l, gint64 w[4], gint64 b[1])
{
  w[0] = l->c_out;
  w[1] = l->c_in;
  w[2] = w[3] = l->kernel;
  b[0] = l->c_out;
}

gboolean
ae_videonet_save (const AeVideoNet * net, const float *params,
    const char *path, const char *const *metadata, GError ** error)
{
  AeSafetensorsWriter *wr = ae_safetensors_writer_new ();
  char buf[4][16];
  gboolean ok;
  int i;

  g_snprintf (buf[0], 16, "%d", net->arch.unshuffle);
  g_snprintf (buf[1], 16, "%d", net->arch.width);
  g_snprintf (buf[2], 16, "%d", net->arch.code);
  g_snprintf (buf[3], 16, "%d", net->arch.n_blocks);
  ae_safetensors_writer_add_metadata (wr, "ae.modality", "video");
  ae_safetensors_writer_add_metadata (wr, "ae.arch", AE_ARCH_VIDEO);
  ae_safetensors_writer_add_metadata (wr, META_UNSHUFFLE, buf[0]);
  ae_safetensors_writer_add_metadata (wr, META_WIDTH, buf[1]);
  ae_safetensors_writer_add_metadata (wr, META_CODE, buf[2]);
  ae_safetensors_writer_add_metadata (wr, META_BLOCKS, buf[3]);
  for (i = 0; metadata && metadata[i] && metadata[i + 1]; i += 2)
    ae_safetensors_writer_add_metadata (wr, metadata[i], metadata[i + 1]);
  for (i = 0; i < net->n_layers; i++) {
    const AeVideoLayer *l = &net->layers[i];
    gint64 ws[4], bs[1];
    char name[32];
    layer_tensor_shapes (l, ws, bs);
    g_snprintf (name, sizeof (name), "%s.weight", l->name);
    ae_safetensors_writer_add_f32 (wr, name, 4, ws,
        params + l->weight_offset);
    g_snprintf (name, sizeof (name), "%s.bias", l->name);
    ae_safetensors_writer_add_f32 (wr, name, 1, bs, params + l->bias_offset);
  }
  ok = ae_safetensors_writer_write_file (wr, path, error);
  ae_safetensors_writer_free (wr);
  return ok;
}

/* An arch number from metadata: present, an integer, within 0..9999. */
static gboolean
meta_int (const AeSafetensors * st, const char *key, int *value,
    GError ** error)
{
  const char *s = ae_safetensors_get_metadata (st, key);
  char *end = NULL;
  gint64 v;

  if (!s) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH, "%s: metadata %s missing",
        ae_safetensors_get_name (st), key);
    return FALSE;
  }
  v = g_ascii_strtoll (s, &end, 10);
  if (end == s || *end != '\0' || v < 0 || v > 9999) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: metadata %s = \"%s\" is not an integer in 0..9999",
        ae_safetensors_get_name (st), key, s);
    return FALSE;
  }
  *value = (int) v;
  return TRUE;
}

gboolean
ae_videonet_load (const char *path, AeVideoNet * net, float **params,
    GError ** error)
{
  AeSafetensors *st = ae_safetensors_new_from_file (path, error);
  const char *arch_name;
  AeVideoArch arch;
  float *p = NULL;
  gboolean ok = FALSE;
  int i;

  if (!st)
    return FALSE;
  arch_name = ae_safetensors_get_metadata (st, "ae.arch");
  if (g_strcmp0 (arch_name, AE_ARCH_VIDEO) != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "%s: architecture \"%s\" is not %s", path,
        arch_name ? arch_name : "(none)", AE_ARCH_VIDEO);
    goto out;
  }
  if (!meta_int (st, META_UNSHUFFLE, &arch.unshuffle, error)
      || !meta_int (st, META_WIDTH, &arch.width, error)
      || !meta_int (st, META_CODE, &arch.code, error)
      || !meta_int (st, META_BLOCKS, &arch.n_blocks, error)
      || !ae_videonet_init (net, &arch, error))
    goto out;
  if (ae_safetensors_get_n_tensors (st) != 2u * net->n_layers) {
    g_set_error (error, AE_ERROR, AE_ERROR_SHAPE,
        "%s: %u tensors where the architecture has %d", path,
        ae_safetensors_get_n_tensors (st), 2 * net->n_layers);
    goto out;
  }
  p = ae_alloc_floats (net->n_params);
  for (i = 0; i < net->n_layers; i++) {
    const AeVideoLayer *l = &net->layers[i];
    gint64 ws[4], bs[1];
    char name[32];
    layer_tensor_shapes (l, ws, bs);
    g_snprintf (name, sizeof (name), "%s.weight", l->name);
    if (!ae_safetensors_copy_f32 (st, name, 4, ws, p + l->weight_offset,
            error))
      goto out;
    g_snprintf (name, sizeof (name), "%s.bias", l->name);
    if (!ae_safetensors_copy_f32 (st, name, 1, bs, p + l->bias_offset,
            error))
      goto out;
  }
  *params = p;
  p = NULL;
  ok = TRUE;
out:
  ae_free (p);
  ae_safetensors_free (st);
  return ok;
}
