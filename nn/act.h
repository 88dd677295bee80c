/* act.h: element-wise activations, forward and backward.
 *
 * Forward may run in place (out == in).  Backward adds into din, and takes
 * whichever of the forward's input or output determines the derivative
 * (named in each comment), so callers keep only that one buffer.
 * Strided variants are not needed: activations run on whole buffers.
 */
#ifndef AE_ACT_H
#define AE_ACT_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  AE_ACT_NONE,
  AE_ACT_RELU,
  AE_ACT_LEAKY_RELU,            /* slope 0.01 below zero */
  AE_ACT_PRELU,                 /* one learned slope per channel */
  AE_ACT_TANH,
  AE_ACT_SIGMOID,
  AE_ACT_SOFTPLUS,
} AeAct;

#define AE_LEAKY_RELU_SLOPE 0.01f

/* Name as written in architecture metadata ("relu", "tanh", ...). */
const char *ae_act_to_string (AeAct act);
gboolean ae_act_from_string (const char *name, AeAct * act);

/* out (n) = act (in (n)).  PReLU is not handled here (it has weights):
 * see ae_prelu_forward. */
void ae_act_forward (AeAct act, float *out, const float *in, gsize n);

/* din (n) += dout (n) * act'(.)
 *   relu, leaky_relu, softplus: derivative from the forward input `in`;
 *   tanh, sigmoid: from the forward output `out`.
 * Pass both; each activation reads the one it needs. */
void ae_act_backward (AeAct act, float *din, const float *dout,
    const float *in, const float *out, gsize n);

/* PReLU over rows of channels: out (rows, C) = x > 0 ? x : slope[c] * x.
 *   in (rows, C); slope (C). */
void ae_prelu_forward (float *out, const float *in, const float *slope,
    gsize rows, int channels);
/* din (rows, C) += ...; dslope (C) += ...; either may be NULL. */
void ae_prelu_backward (float *din, float *dslope, const float *dout,
    const float *in, const float *slope, gsize rows, int channels);

G_END_DECLS
#endif /* AE_ACT_H */
