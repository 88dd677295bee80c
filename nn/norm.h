/* norm.h: layer normalisation over channels, one position at a time.
 *
 * Each position (a time step of channels-last rows, or a pixel of an NCHW
 * image) is normalised over its C channels alone, then scaled and shifted
 * per channel: out = (x - mean) / sqrt (var + eps) * gamma[c] + beta[c].
 * Nothing is pooled over time or space, so a stream gives the same output
 * whatever its block sizes: this is the normalisation that streams.
 *
 * Tensors are (outer, C, inner): rows (T, C) are outer = T, inner = 1;
 * NCHW is outer = N, inner = H W.  Statistics are (outer, inner).
 *
 * Not here: batch or group normalisation (they pool over time or space).
 */
#ifndef AE_NORM_H
#define AE_NORM_H

#include <glib.h>

G_BEGIN_DECLS

#define AE_LAYERNORM_EPS 1e-5f

/* out (outer, C, inner) = layernorm (in (outer, C, inner)) with gamma (C),
 * beta (C); mean and rstd (outer, inner) receive the statistics the
 * backward needs, and may be NULL for inference.  out may equal in. */
void ae_layernorm_forward (float *out, float *mean, float *rstd,
    const float *in, const float *gamma, const float *beta, gsize outer,
    int channels, gsize inner, float eps);

/* Adds into din (outer, C, inner), dgamma (C), dbeta (C) the gradients of
 * the loss given dout (outer, C, inner); any may be NULL.  in, mean and
 * rstd are the forward's input and statistics. */
void ae_layernorm_backward (float *din, float *dgamma, float *dbeta,
    const float *dout, const float *in, const float *mean, const float *rstd,
    const float *gamma, gsize outer, int channels, gsize inner);

G_END_DECLS
#endif /* AE_NORM_H */
