/* resample2d.h: 2-D down- and upsampling of NCHW images.
 *
 * Pixel shuffle moves r x r blocks of channels into space (upsampling by r
 * with no arithmetic); pixel unshuffle is its inverse.  Both follow
 * PyTorch's channel order: out[b, c, h r + i, w r + j] =
 * in[b, c r r + i r + j, h, w].  The transposed convolution is the adjoint
 * of conv2d, computed by conv2d's own backward kernel, so it shares its
 * weight layout (C_in, C_out / groups, KH, KW), paths and determinism.
 *
 * Not here: interpolating resizers (bilinear, nearest); a model that wants
 * one composes pixel shuffle with a convolution.
 */
#ifndef AE_RESAMPLE2D_H
#define AE_RESAMPLE2D_H

#include <glib.h>

#include "conv2d.h"
#include "threadpool.h"

G_BEGIN_DECLS

/* out (N, C, H r, W r) = shuffle (in (N, C r r, H, W)). */
void ae_pixel_shuffle_forward (float *out, const float *in, int n, int c,
    int h, int w, int r);
/* din (N, C r r, H, W) += unshuffle (dout (N, C, H r, W r)). */
void ae_pixel_shuffle_backward (float *din, const float *dout, int n, int c,
    int h, int w, int r);

/* out (N, C r r, H / r, W / r) = unshuffle (in (N, C, H, W)); r divides H
 * and W. */
void ae_pixel_unshuffle_forward (float *out, const float *in, int n, int c,
    int h, int w, int r);
/* din (N, C, H, W) += shuffle (dout (N, C r r, H / r, W / r)). */
void ae_pixel_unshuffle_backward (float *din, const float *dout, int n,
    int c, int h, int w, int r);

typedef struct
{
  int n;
  int c_in;
  int h_in;
  int w_in;
  int c_out;
  int kernel_h;
  int kernel_w;
  int stride_h;                 /* 0 = 1 */
  int stride_w;                 /* 0 = 1 */
  int pad_h;                    /* rows cropped from each side */
  int pad_w;
  int output_pad_h;             /* rows added at the bottom; < stride_h */
  int output_pad_w;
  int dilation_h;               /* 0 = 1 */
  int dilation_w;               /* 0 = 1 */
  int groups;                   /* 0 = 1; divides c_in and c_out */
} AeConvTranspose2dShape;

/* (h_in - 1) stride - 2 pad + dilation (kernel - 1) + output_pad + 1. */
int ae_conv_transpose2d_h_out (const AeConvTranspose2dShape * s);
int ae_conv_transpose2d_w_out (const AeConvTranspose2dShape * s);

/* The conv2d whose backward-input is this layer's forward: its input is
 * our output and its output our input.  FALSE if @s is inconsistent. */
gboolean ae_conv_transpose2d_as_conv2d (const AeConvTranspose2dShape * s,
    AeConv2dShape * conv);

/* As ae_conv2d_workspace_floats. */
gsize ae_conv_transpose2d_workspace_floats (const AeConvTranspose2dShape * s,
    int n_threads);

/* out (N, C_out, H_out, W_out) = bias + conv_transpose (in, weight)
 *   in (N, C_in, H_in, W_in); weight (C_in, C_out/groups, KH, KW);
 *   bias (C_out) or NULL; pool and work as for ae_conv2d_forward.
 * Overwrites out. */
void ae_conv_transpose2d_forward (float *out, const float *in,
    const float *weight, const float *bias,
    const AeConvTranspose2dShape * s, AeThreadPool * pool, float *work);

/* Adds into din (N, C_in, H_in, W_in), dweight (C_in, C_out/groups, KH,
 * KW), dbias (C_out) the gradients given dout (N, C_out, H_out, W_out);
 * any may be NULL; in may be NULL when dweight is. */
void ae_conv_transpose2d_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConvTranspose2dShape * s, AeThreadPool * pool, float *work);

/* Both written plainly, as a scatter from each input pixel: the
 * reference. */
void ae_conv_transpose2d_forward_naive (float *out, const float *in,
    const float *weight, const float *bias,
    const AeConvTranspose2dShape * s);
void ae_conv_transpose2d_backward_naive (float *din, float *dweight,
    float *dbias, const float *dout, const float *in, const float *weight,
    const AeConvTranspose2dShape * s);

G_END_DECLS
#endif /* AE_RESAMPLE2D_H */
