/* conv1d.h: causal 1-D convolution over time, channels last.
 *
 * Layout is (N, T, C): N sequences, T time steps (rows), C channels
 * (columns).  Channels-last makes every tap of the kernel one GEMM over
 * contiguous rows, and makes streaming trivial: a layer's history is just
 * the rows before the current one.  The convolution is "valid": the caller
 * puts (kernel - 1) * dilation rows of history (or zeros) in front of each
 * sequence, which is what makes it causal.  Row strides (in_ld, out_ld) let
 * a layer read from or write into a slice of a wider buffer, so channel
 * concatenation for skip connections costs no copy.
 *
 * Not here: padding policy, activation, and the history shifting of
 * streaming; the model (speechnet.c) owns those.
 */
#ifndef AE_CONV1D_H
#define AE_CONV1D_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  int n;                        /* sequences in the batch */
  int t_in;                     /* input rows per sequence, history included */
  int c_in;
  int c_out;
  int kernel;                   /* taps */
  int dilation;                 /* rows between taps */
  int stride;                   /* rows between outputs */
  int in_ld;                    /* floats between input rows; 0 = c_in */
  int out_ld;                   /* floats between output rows; 0 = c_out */
  int in_seq_rows;              /* rows between input sequences; 0 = t_in */
  int out_seq_rows;             /* rows between output sequences; 0 = t_out */
} AeConv1dShape;

/* Output rows per sequence: (t_in - (kernel-1)*dilation - 1)/stride + 1,
 * or 0 when the input is shorter than the receptive field. */
int ae_conv1d_t_out (const AeConv1dShape * s);

/* out (N, T_out, C_out) = bias + sum_k in[t*stride + k*dilation] . W[k]
 *   in (N, T_in, C_in); weight (K, C_in, C_out); bias (C_out) or NULL.
 * Overwrites out.  Picks sgemm or the direct loop by shape. */
void ae_conv1d_forward (float *out, const float *in, const float *weight,
    const float *bias, const AeConv1dShape * s);

/* The same, written plainly: the reference and the path for tiny T. */
void ae_conv1d_forward_naive (float *out, const float *in,
    const float *weight, const float *bias, const AeConv1dShape * s);

/* Adds into din (N, T_in, C_in), dweight (K, C_in, C_out), dbias (C_out)
 * the gradients of the loss given dout (N, T_out, C_out).  Any of din,
 * dweight, dbias may be NULL when not wanted.  in and weight are those of
 * the forward pass. */
void ae_conv1d_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    const AeConv1dShape * s);

/* Rows of output below which the direct loop beats sgemm's call overhead.
 * Default 4: bench/conv1d puts the crossover between 4 and 8 rows for 64 to
 * 256 channels on x86-64-v3. */
void ae_conv1d_set_sgemm_min_rows (int rows);

G_END_DECLS
#endif /* AE_CONV1D_H */
