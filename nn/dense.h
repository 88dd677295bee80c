/* dense.h: a fully connected layer over rows.
 *
 * out (rows, C_out) = in (rows, C_in) . weight (C_in, C_out) + bias.  The
 * weight is stored input-major, like one tap of conv1d, so a dense layer on
 * channels-last rows and a kernel-1 conv1d share a weight layout.
 *
 * Not here: activation (act.h) and batching beyond "more rows".
 */
#ifndef AE_DENSE_H
#define AE_DENSE_H

#include <glib.h>

G_BEGIN_DECLS

/* out (rows, C_out) = in (rows, C_in) . weight (C_in, C_out) + bias (C_out)
 * bias may be NULL.  Overwrites out.  sgemm from
 * ae_dense_set_sgemm_min_rows rows up, the direct loop below. */
void ae_dense_forward (float *out, const float *in, const float *weight,
    const float *bias, int rows, int c_in, int c_out);

/* The same, written plainly: the reference and the path for few rows. */
void ae_dense_forward_naive (float *out, const float *in,
    const float *weight, const float *bias, int rows, int c_in, int c_out);

/* Adds into din (rows, C_in), dweight (C_in, C_out), dbias (C_out) the
 * gradients of the loss given dout (rows, C_out); any may be NULL.
 *   in (rows, C_in) and weight (C_in, C_out) are the forward's. */
void ae_dense_backward (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    int rows, int c_in, int c_out);

/* The same, written plainly. */
void ae_dense_backward_naive (float *din, float *dweight, float *dbias,
    const float *dout, const float *in, const float *weight,
    int rows, int c_in, int c_out);

/* Rows below which the direct loops beat sgemm's call overhead; default 4
 * (bench/conv1d measures the same trade-off for conv1d). */
void ae_dense_set_sgemm_min_rows (int rows);

G_END_DECLS
#endif /* AE_DENSE_H */
