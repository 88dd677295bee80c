/* conv2d.h: 2-D convolution over images, NCHW, forward and backward.
 *
 * Layout is (N, C, H, W); the weight is (C_out, C_in / groups, KH, KW) and
 * the bias (C_out), as in PyTorch, so exported weights bind unchanged.
 * Stride, zero padding, dilation and groups are supported; groups ==
 * C_in == C_out is a depthwise convolution.
 *
 * Two paths, chosen by shape only: im2col + cblas_sgemm when both GEMM
 * dimensions of a group are big enough, a direct loop otherwise (depthwise
 * and tiny layers).  Either path splits its work into tasks fixed by the
 * shape, so the optional AeThreadPool changes the speed, never the bits.
 *
 * Not here: activation, transposed convolution (resample2d.h), and any
 * allocation: the sgemm path uses caller-provided workspace.
 */
#ifndef AE_CONV2D_H
#define AE_CONV2D_H

#include <glib.h>

#include "act.h"
#include "threadpool.h"

G_BEGIN_DECLS

typedef struct
{
  int n;                        /* images in the batch */
  int c_in;
  int h_in;
  int w_in;
  int c_out;
  int kernel_h;
  int kernel_w;
  int stride_h;                 /* 0 = 1 */
  int stride_w;                 /* 0 = 1 */
  int pad_h;                    /* zero rows above and below */
  int pad_w;                    /* zero columns left and right */
  int dilation_h;               /* 0 = 1 */
  int dilation_w;               /* 0 = 1 */
  int groups;                   /* 0 = 1; divides c_in and c_out */
} AeConv2dShape;

/* Output size: (h_in + 2 pad - dilation (kernel - 1) - 1) / stride + 1,
 * or 0 when the padded input is smaller than the receptive field. */
int ae_conv2d_h_out (const AeConv2dShape * s);
int ae_conv2d_w_out (const AeConv2dShape * s);

/* Floats of workspace the sgemm path needs for a pool of @n_threads
 * (ae_threadpool_get_n_threads; 1 without a pool), or 0 when the shape
 * takes the direct path.  Allocate it once with ae_alloc_floats. */
gsize ae_conv2d_workspace_floats (const AeConv2dShape * s, int n_threads);

/* out (N, C_out, H_out, W_out) = bias + conv (in, weight)
 *   in (N, C_in, H_in, W_in); weight (C_out, C_in/groups, KH, KW);
 *   bias (C_out) or NULL; work (ae_conv2d_workspace_floats) or NULL, in
 *   which case the direct path runs; pool or NULL (inline).
 * Overwrites out. */
void ae_conv2d_forward (float *out, const float *in, const float *weight,
    const float *bias, const AeConv2dShape * s, AeThreadPool * pool,
    float *work);

/* out = act (bias + conv (in, weight)): ae_conv2d_forward with the
 * activation applied to each block while it is still in cache. */
void ae_conv2d_forward_act (float *out, const float *in, const float *weight,
    const float *bias, AeAct act, const AeConv2dShape * s,
    AeThreadPool * pool, float *work);

/* out (N, C_out, H_out, W_out) += conv (in, weight), no bias; otherwise as
 * ae_conv2d_forward.  The backward of a transposed convolution. */
void ae_conv2d_forward_add (float *out, const float *in, const float *weight,
    const AeConv2dShape * s, AeThreadPool * pool, float *work);

/* The forward written plainly, one output at a time: the reference. */
void ae_conv2d_forward_naive (float *out, const float *in,
    const float *weight, const float *bias, const AeConv2dShape * s);

/* Adds into din (N, C_in, H_in, W_in), dweight (C_out, C_in/groups, KH,
 * KW), dbias (C_out) the gradients of the loss given dout (N, C_out, H_out,
 * W_out).  Any of the three may be NULL; in (the forward's input) may be
 * NULL when dweight is.  work and pool as for ae_conv2d_forward. */
void ae_conv2d_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConv2dShape * s, AeThreadPool * pool, float *work);

/* The backward written plainly: the reference. */
void ae_conv2d_backward_naive (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConv2dShape * s);

/* The sgemm path runs when C_out/groups and C_in/groups * KH * KW are both
 * at least @dim (default 8).  0 forces sgemm wherever there is workspace,
 * G_MAXINT forces the direct loop.  Set once, at setup. */
void ae_conv2d_set_sgemm_min_dim (int dim);

G_END_DECLS
#endif /* AE_CONV2D_H */
