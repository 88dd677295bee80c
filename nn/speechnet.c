/* speechnet.c: the speech autoencoder as a table of causal conv1d layers. */
#include "speechnet.h"

#include <math.h>
#include <string.h>

#include "ae.h"
#include "conv1d.h"
#include "rng.h"
#include "tensor.h"

static int
add_buffer (AeSpeechNet * net, int cols)
{
  int i = net->n_buffers++;

  net->buffers[i].cols = cols;
  net->buffers[i].pad = 0;
  return i;
}

static void
add_layer (AeSpeechNet * net, const char *name, int in_buf, int in_col,
    int c_in, int out_buf, int out_col, int c_out, int kernel, int dilation,
    AeAct act)
{
  AeSpeechLayer *l = &net->layers[net->n_layers++];
  int span = (kernel - 1) * dilation;

  memset (l, 0, sizeof (*l));
  g_strlcpy (l->name, name, sizeof (l->name));
  l->in_buf = in_buf;
  l->in_col = in_col;
  l->c_in = c_in;
  l->out_buf = out_buf;
  l->out_col = out_col;
  l->c_out = c_out;
  l->kernel = kernel;
  l->dilation = dilation;
  l->act = act;
  l->res_src = l->res_dst = -1;
  /* Keep parameters 16-float (64-byte) aligned for the vector loops. */
  l->weight_offset = net->n_params;
  net->n_params += ((gsize) kernel * c_in * c_out + 15) & ~(gsize) 15;
  l->bias_offset = net->n_params;
  net->n_params += ((gsize) c_out + 15) & ~(gsize) 15;
  if (net->buffers[in_buf].pad < span)
    net->buffers[in_buf].pad = span;
}

gboolean
ae_speechnet_init (AeSpeechNet * net, const AeSpeechArch * a,
    GError ** error)
{
  int cat, e2, d2, z, i;

#define CHECK_RANGE(field, lo, hi) \
  if (a->field < (lo) || a->field > (hi)) { \
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH, \
        "speech architecture: %s = %d, expected %d to %d", \
        #field, a->field, lo, hi); \
    return FALSE; \
  }
  CHECK_RANGE (n_bands, 2, 1024);
  CHECK_RANGE (width, 1, 4096);
  CHECK_RANGE (code, 1, 4096);
  CHECK_RANGE (n_blocks, 0, AE_SPEECH_MAX_BLOCKS);
  CHECK_RANGE (kernel, 1, 9);
#undef CHECK_RANGE

  memset (net, 0, sizeof (*net));
  net->arch = *a;
  net->in_buf = add_buffer (net, a->n_bands);
  cat = add_buffer (net, 2 * a->width);
  e2 = add_buffer (net, a->width);
  z = add_buffer (net, a->code);
  net->code_buf = z;

  add_layer (net, "enc1", net->in_buf, 0, a->n_bands, cat, 0, a->width,
      a->kernel, 1, AE_ACT_RELU);
  add_layer (net, "enc2", cat, 0, a->width, e2, 0, a->width, a->kernel, 2,
      AE_ACT_RELU);
  add_layer (net, "code", e2, 0, a->width, z, 0, a->code, 1, 1, AE_ACT_TANH);
  for (i = 0; i < a->n_blocks; i++) {
    char name[16];
    int r = add_buffer (net, a->code);
    int z_next = add_buffer (net, a->code);
    AeSpeechLayer *l;

    g_snprintf (name, sizeof (name), "block%d", i);
    add_layer (net, name, z, 0, a->code, r, 0, a->code, a->kernel, 1 << i,
        AE_ACT_RELU);
    l = &net->layers[net->n_layers - 1];
    l->res_src = z;
    l->res_dst = z_next;
    z = z_next;
  }
  add_layer (net, "dec1", z, 0, a->code, cat, a->width, a->width, 1, 1,
      AE_ACT_RELU);
  d2 = add_buffer (net, a->width);
  add_layer (net, "dec2", cat, 0, 2 * a->width, d2, 0, a->width, a->kernel,
      1, AE_ACT_RELU);
  net->out_buf = add_buffer (net, a->n_bands + 1);
  add_layer (net, "out", d2, 0, a->width, net->out_buf, 0, a->n_bands + 1,
      1, 1, AE_ACT_SIGMOID);
  return TRUE;
}

gboolean
ae_speechnet_copy_layers (const AeSpeechNet * dst, float *dst_params,
    const AeSpeechNet * src, const float *src_params, GError ** error)
{
  AeSpeechArch grown = src->arch;
  int i, j;

  grown.n_blocks = dst->arch.n_blocks;
  if (src->arch.n_blocks > dst->arch.n_blocks
      || memcmp (&grown, &dst->arch, sizeof (grown)) != 0) {
    g_set_error (error, AE_ERROR, AE_ERROR_ARCH,
        "speech architecture: only the number of blocks may grow (from "
        "%d bands, width %d, code %d, %d blocks, kernel %d to %d, %d, %d, "
        "%d, %d)", src->arch.n_bands, src->arch.width, src->arch.code,
        src->arch.n_blocks, src->arch.kernel, dst->arch.n_bands,
        dst->arch.width, dst->arch.code, dst->arch.n_blocks,
        dst->arch.kernel);
    return FALSE;
  }
  for (i = 0; i < src->n_layers; i++) {
    const AeSpeechLayer *s = &src->layers[i];

    for (j = 0; j < dst->n_layers; j++)
      if (strcmp (dst->layers[j].name, s->name) == 0)
        break;
    /* Equal architectures but for the block count give equal shapes. */
    g_assert (j < dst->n_layers && dst->layers[j].c_in == s->c_in
        && dst->layers[j].c_out == s->c_out
        && dst->layers[j].kernel == s->kernel);
    memcpy (dst_params + dst->layers[j].weight_offset,
        src_params + s->weight_offset,
        sizeof (float) * s->kernel * s->c_in * s->c_out);
    memcpy (dst_params + dst->layers[j].bias_offset,
        src_params + s->bias_offset, sizeof (float) * s->c_out);
  }
  return TRUE;
}

gsize
ae_speechnet_macs_per_frame (const AeSpeechNet * net)
{
  gsize macs = 0;
  int i;

  for (i = 0; i < net->n_layers; i++)
    macs += (gsize) net->layers[i].kernel * net->layers[i].c_in *
        net->layers[i].c_out;
  return macs;
}

static gsize
seq_floats (const AeSpeechNet * net, int buffer, int t)
{
  const AeSpeechBuffer *b = &net->buffers[buffer];

  return (gsize) (b->pad + t) * b->cols;
}

gboolean
ae_speech_acts_alloc (AeSpeechActs * acts, const AeSpeechNet * net, int n,
    int t, gboolean with_grad)
{
  int i;

  memset (acts, 0, sizeof (*acts));
  acts->n = n;
  acts->t = t;
  for (i = 0; i < net->n_buffers; i++) {
    gsize size;
    if (!ae_size_mul (seq_floats (net, i, t), n, &size))
      goto fail;
    acts->buf[i] = ae_alloc_floats (size);
    if (!acts->buf[i])
      goto fail;
    if (with_grad) {
      acts->grad[i] = ae_alloc_floats (size);
      if (!acts->grad[i])
        goto fail;
    }
  }
  return TRUE;

fail:
  ae_speech_acts_free (acts);
  return FALSE;
}

void
ae_speech_acts_free (AeSpeechActs * acts)
{
  int i;

  for (i = 0; i < AE_SPEECH_MAX_BUFFERS; i++) {
    ae_free (acts->buf[i]);
    ae_free (acts->grad[i]);
  }
  memset (acts, 0, sizeof (*acts));
}

float *
ae_speech_acts_row (const AeSpeechActs * acts, const AeSpeechNet * net,
    int buffer, int seq)
{
  const AeSpeechBuffer *b = &net->buffers[buffer];

  return acts->buf[buffer] + seq * seq_floats (net, buffer, acts->t) +
      (gsize) b->pad * b->cols;
}

/* The conv1d shape and base pointers of layer @l over @t frames. */
static void
layer_shape (const AeSpeechNet * net, const AeSpeechLayer * l, int n, int t,
    AeConv1dShape * s, gsize * in_offset, gsize * out_offset)
{
  const AeSpeechBuffer *in = &net->buffers[l->in_buf];
  const AeSpeechBuffer *out = &net->buffers[l->out_buf];
  int span = (l->kernel - 1) * l->dilation;

  memset (s, 0, sizeof (*s));
  s->n = n;
  s->t_in = t + span;
  s->c_in = l->c_in;
  s->c_out = l->c_out;
  s->kernel = l->kernel;
  s->dilation = l->dilation;
  s->stride = 1;
  s->in_ld = in->cols;
  s->out_ld = out->cols;
  s->in_seq_rows = in->pad + t;
  s->out_seq_rows = out->pad + t;
  *in_offset = (gsize) (in->pad - span) * in->cols + l->in_col;
  *out_offset = (gsize) out->pad * out->cols + l->out_col;
}

/* Applies f to the c columns at col of each of the n * t frame rows. */
static void
act_rows_forward (AeAct act, float *buf, const AeSpeechBuffer * b, int n,
    int t, int col, int c)
{
  int s, r;

  for (s = 0; s < n; s++)
    for (r = 0; r < t; r++) {
      float *row = buf + ((gsize) s * (b->pad + t) + b->pad + r) * b->cols
          + col;
      ae_act_forward (act, row, row, c);
    }
}

/* grad *= f'(.) in place, from the forward output (relu, tanh, sigmoid
 * all have derivatives expressible in their output). */
static void
act_rows_backward (AeAct act, float *grad, const float *out,
    const AeSpeechBuffer * b, int n, int t, int col, int c)
{
  float tmp[4096];
  int s, r;

  for (s = 0; s < n; s++)
    for (r = 0; r < t; r++) {
      gsize off = ((gsize) s * (b->pad + t) + b->pad + r) * b->cols + col;
      memset (tmp, 0, sizeof (float) * c);
      ae_act_backward (act, tmp, grad + off, out + off, out + off, c);
      memcpy (grad + off, tmp, sizeof (float) * c);
    }
}

/* dst = src + dst over frame rows (all columns; both buffers same cols). */
static void
add_rows (float *dst, const float *src, const AeSpeechBuffer * bd,
    const AeSpeechBuffer * bs, int n, int t)
{
  int s, r, c;

  for (s = 0; s < n; s++)
    for (r = 0; r < t; r++) {
      float *d = dst + ((gsize) s * (bd->pad + t) + bd->pad + r) * bd->cols;
      const float *x = src + ((gsize) s * (bs->pad + t) + bs->pad + r) *
          bs->cols;
      for (c = 0; c < bd->cols; c++)
        d[c] += x[c];
    }
}

static void
copy_rows (float *dst, const float *src, const AeSpeechBuffer * bd,
    const AeSpeechBuffer * bs, int n, int t)
{
  int s, r;

  for (s = 0; s < n; s++)
    for (r = 0; r < t; r++)
      memcpy (dst + ((gsize) s * (bd->pad + t) + bd->pad + r) * bd->cols,
          src + ((gsize) s * (bs->pad + t) + bs->pad + r) * bs->cols,
          sizeof (float) * bd->cols);
}

void
ae_speechnet_forward (const AeSpeechNet * net, AeSpeechActs * acts,
    const float *params)
{
  int i;

  for (i = 0; i < net->n_layers; i++) {
    const AeSpeechLayer *l = &net->layers[i];
    const AeSpeechBuffer *ob = &net->buffers[l->out_buf];
    AeConv1dShape s;
    gsize in_off, out_off;

    layer_shape (net, l, acts->n, acts->t, &s, &in_off, &out_off);
    ae_conv1d_forward (acts->buf[l->out_buf] + out_off,
        acts->buf[l->in_buf] + in_off, params + l->weight_offset,
        params + l->bias_offset, &s);
    act_rows_forward (l->act, acts->buf[l->out_buf], ob, acts->n, acts->t,
        l->out_col, l->c_out);
    if (l->res_dst >= 0) {
      copy_rows (acts->buf[l->res_dst], acts->buf[l->res_src],
          &net->buffers[l->res_dst], &net->buffers[l->res_src], acts->n,
          acts->t);
      add_rows (acts->buf[l->res_dst], acts->buf[l->out_buf],
          &net->buffers[l->res_dst], ob, acts->n, acts->t);
    }
  }
}

void
ae_speech_acts_zero_grad (AeSpeechActs * acts, const AeSpeechNet * net)
{
  int i;

  for (i = 0; i < net->n_buffers; i++)
    if (acts->grad[i])
      memset (acts->grad[i], 0,
          sizeof (float) * seq_floats (net, i, acts->t) * acts->n);
}

void
ae_speechnet_backward (const AeSpeechNet * net, AeSpeechActs * acts,
    const float *params, float *dparams)
{
  int i;

  for (i = net->n_layers - 1; i >= 0; i--) {
    const AeSpeechLayer *l = &net->layers[i];
    const AeSpeechBuffer *ob = &net->buffers[l->out_buf];
    AeConv1dShape s;
    gsize in_off, out_off;

    if (l->res_dst >= 0) {
      /* res_dst = res_src + out: both receive res_dst's gradient. */
      add_rows (acts->grad[l->out_buf], acts->grad[l->res_dst], ob,
          &net->buffers[l->res_dst], acts->n, acts->t);
      add_rows (acts->grad[l->res_src], acts->grad[l->res_dst],
          &net->buffers[l->res_src], &net->buffers[l->res_dst], acts->n,
          acts->t);
    }
    act_rows_backward (l->act, acts->grad[l->out_buf], acts->buf[l->out_buf],
        ob, acts->n, acts->t, l->out_col, l->c_out);
    layer_shape (net, l, acts->n, acts->t, &s, &in_off, &out_off);
    ae_conv1d_backward (acts->grad[l->in_buf] + in_off,
        dparams + l->weight_offset, dparams + l->bias_offset,
        acts->grad[l->out_buf] + out_off, acts->buf[l->in_buf] + in_off,
        params + l->weight_offset, &s);
  }
}

void
ae_speech_acts_advance (AeSpeechActs * acts, const AeSpeechNet * net)
{
  int i;

  g_return_if_fail (acts->n == 1 && acts->t == 1);
  for (i = 0; i < net->n_buffers; i++) {
    const AeSpeechBuffer *b = &net->buffers[i];
    if (b->pad > 0)
      memmove (acts->buf[i], acts->buf[i] + b->cols,
          sizeof (float) * b->pad * b->cols);
  }
}

void
ae_speech_acts_reset (AeSpeechActs * acts, const AeSpeechNet * net)
{
  int i;

  for (i = 0; i < net->n_buffers; i++)
    memset (acts->buf[i], 0,
        sizeof (float) * seq_floats (net, i, acts->t) * acts->n);
}

void
ae_speechnet_init_params (const AeSpeechNet * net, float *params,
    guint64 seed)
{
  AeRng rng;
  int i;

  ae_rng_init (&rng, seed);
  memset (params, 0, sizeof (float) * net->n_params);
  for (i = 0; i < net->n_layers; i++) {
    const AeSpeechLayer *l = &net->layers[i];
    gsize n = (gsize) l->kernel * l->c_in * l->c_out, k;
    /* He-uniform for ReLU layers; residual branches start small so each
     * block begins near the identity. */
    double bound = sqrt (6.0 / ((double) l->kernel * l->c_in));
    if (l->res_dst >= 0)
      bound *= 0.1;
    if (l->act == AE_ACT_SIGMOID || l->act == AE_ACT_TANH)
      bound = sqrt (3.0 / ((double) l->kernel * l->c_in));
    for (k = 0; k < n; k++)
      params[l->weight_offset + k] = (float) ae_rng_range (&rng, -bound,
          bound);
  }
}
