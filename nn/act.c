/* act.c: element-wise activations, forward and backward. */
#include "act.h"

#include <math.h>
#include <string.h>

static const char *const act_names[] = {
  [AE_ACT_NONE] = "none",
  [AE_ACT_RELU] = "relu",
  [AE_ACT_LEAKY_RELU] = "leaky_relu",
  [AE_ACT_PRELU] = "prelu",
  [AE_ACT_TANH] = "tanh",
  [AE_ACT_SIGMOID] = "sigmoid",
  [AE_ACT_SOFTPLUS] = "softplus",
};

const char *
ae_act_to_string (AeAct act)
{
  if ((guint) act < G_N_ELEMENTS (act_names))
    return act_names[act];
  return "invalid";
}

gboolean
ae_act_from_string (const char *name, AeAct * act)
{
  guint i;

  for (i = 0; i < G_N_ELEMENTS (act_names); i++)
    if (g_strcmp0 (name, act_names[i]) == 0) {
      *act = (AeAct) i;
      return TRUE;
    }
  return FALSE;
}

static inline float
sigmoid (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

/* log(1 + e^x) without overflow for large x. */
static inline float
softplus (float x)
{
  return x > 20.0f ? x : log1pf (expf (x));
}

void
ae_act_forward (AeAct act, float *out, const float *in, gsize n)
{
  gsize i;

  switch (act) {
    case AE_ACT_NONE:
    case AE_ACT_PRELU:
      if (out != in)
        memmove (out, in, n * sizeof (float));
      break;
    case AE_ACT_RELU:
      for (i = 0; i < n; i++)
        out[i] = in[i] > 0.0f ? in[i] : 0.0f;
      break;
    case AE_ACT_LEAKY_RELU:
      for (i = 0; i < n; i++) {
        float x = in[i], leaky = AE_LEAKY_RELU_SLOPE * x;
        out[i] = x > 0.0f ? x : leaky;
      }
      break;
    case AE_ACT_TANH:
      for (i = 0; i < n; i++)
        out[i] = tanhf (in[i]);
      break;
    case AE_ACT_SIGMOID:
      for (i = 0; i < n; i++)
        out[i] = sigmoid (in[i]);
      break;
    case AE_ACT_SOFTPLUS:
      for (i = 0; i < n; i++)
        out[i] = softplus (in[i]);
      break;
  }
}

void
ae_act_backward (AeAct act, float *din, const float *dout, const float *in,
    const float *out, gsize n)
{
  gsize i;

  switch (act) {
    case AE_ACT_NONE:
    case AE_ACT_PRELU:
      for (i = 0; i < n; i++)
        din[i] += dout[i];
      break;
    case AE_ACT_RELU:
      for (i = 0; i < n; i++) {
        /* loaded unconditionally, so GCC can make it a vector select */
        float d = dout[i];
        din[i] += in[i] > 0.0f ? d : 0.0f;
      }
      break;
    case AE_ACT_LEAKY_RELU:
      for (i = 0; i < n; i++) {
        float d = dout[i], leaky = AE_LEAKY_RELU_SLOPE * d;
        din[i] += in[i] > 0.0f ? d : leaky;
      }
      break;
    case AE_ACT_TANH:
      for (i = 0; i < n; i++)
        din[i] += dout[i] * (1.0f - out[i] * out[i]);
      break;
    case AE_ACT_SIGMOID:
      for (i = 0; i < n; i++)
        din[i] += dout[i] * out[i] * (1.0f - out[i]);
      break;
    case AE_ACT_SOFTPLUS:
      for (i = 0; i < n; i++)
        din[i] += dout[i] * sigmoid (in[i]);
      break;
  }
}

void
ae_prelu_forward (float *out, const float *in, const float *slope,
    gsize rows, int channels)
{
  gsize r;
  int c;

  for (r = 0; r < rows; r++) {
    const float *x = in + r * channels;
    float *y = out + r * channels;
    for (c = 0; c < channels; c++)
      y[c] = x[c] > 0.0f ? x[c] : slope[c] * x[c];
  }
}

void
ae_prelu_backward (float *din, float *dslope, const float *dout,
    const float *in, const float *slope, gsize rows, int channels)
{
  gsize r;
  int c;

  for (r = 0; r < rows; r++) {
    const float *x = in + r * channels;
    const float *dy = dout + r * channels;
    for (c = 0; c < channels; c++) {
      if (x[c] > 0.0f) {
        if (din)
          din[r * channels + c] += dy[c];
      } else {
        if (din)
          din[r * channels + c] += slope[c] * dy[c];
        if (dslope)
          dslope[c] += x[c] * dy[c];
      }
    }
  }
}
