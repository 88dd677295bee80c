/* speechnet.h: the streaming speech-denoising autoencoder.
 *
 * A causal convolutional encoder-decoder over time whose channels are the
 * ERB bands of spectrum.h.  Per 10 ms frame it reads one log energy per
 * band and writes one gain per band plus a speech probability:
 *
 *   features (F) -> enc1 conv k3 d1 relu (W) ----------------------+ skip
 *               -> enc2 conv k3 d2 relu (W) -> code conv k1 tanh (C) |
 *               -> n_blocks residual blocks: z += relu (conv k3 d2^i) |
 *               -> dec1 conv k1 relu (W) --- concat with enc1 <------+
 *               -> dec2 conv k3 d1 relu (W) -> out conv k1 sigmoid (F+1)
 *
 * Every convolution is causal, so the network adds no latency beyond the
 * STFT's; with 4 blocks it sees 2 + 4 + 2 * (1+2+4+8) + 2 = 38 past frames
 * (380 ms).  The code (C channels per frame) is the autoencoder's latent.
 *
 * The network is a table of conv1d layers over named buffers (AeSpeechNet);
 * forward, backward and the one-frame streaming step all walk that table,
 * so training and the element run the same ae_conv1d_forward calls.
 * Activation buffers are channels last, (N, pad + T, cols), where pad rows
 * hold history (zeros at the start of a sequence, earlier frames when
 * streaming).
 */
#ifndef AE_SPEECHNET_H
#define AE_SPEECHNET_H

#include <glib.h>

#include "act.h"

G_BEGIN_DECLS

#define AE_SPEECH_MAX_BLOCKS 8
#define AE_SPEECH_MAX_LAYERS (AE_SPEECH_MAX_BLOCKS + 6)
#define AE_SPEECH_MAX_BUFFERS (2 * AE_SPEECH_MAX_BLOCKS + 6)

typedef struct
{
  int n_bands;                  /* F: features in, gains out */
  int width;                    /* W: encoder/decoder channels */
  int code;                     /* C: bottleneck channels */
  int n_blocks;                 /* dilated residual blocks */
  int kernel;                   /* taps of the time convolutions */
} AeSpeechArch;

typedef struct
{
  char name[16];                /* tensor prefix: "enc1" -> enc1.weight */
  int in_buf, in_col, c_in;     /* reads cols [in_col, in_col + c_in) */
  int out_buf, out_col, c_out;  /* writes cols [out_col, out_col + c_out) */
  int kernel, dilation;
  AeAct act;
  int res_src, res_dst;         /* >= 0: res_dst = res_src + output */
  gsize weight_offset;          /* into the flat parameters: (K, Cin, Cout) */
  gsize bias_offset;            /* (Cout) */
} AeSpeechLayer;

typedef struct
{
  int cols;
  int pad;                      /* history rows before each sequence */
} AeSpeechBuffer;

typedef struct
{
  AeSpeechArch arch;
  int n_layers;
  AeSpeechLayer layers[AE_SPEECH_MAX_LAYERS];
  int n_buffers;
  AeSpeechBuffer buffers[AE_SPEECH_MAX_BUFFERS];
  int in_buf;                   /* features (F cols) */
  int out_buf;                  /* gains (F cols) then speech prob (1) */
  int code_buf;                 /* the latent code */
  gsize n_params;
} AeSpeechNet;

/* Lays out layers, buffers and parameters.  FALSE with @error set (naming
 * the field) when the architecture is out of range. */
gboolean ae_speechnet_init (AeSpeechNet * net, const AeSpeechArch * arch,
    GError ** error);

/* Activations (and optionally their gradients) for @n sequences of @t
 * frames.  Pad rows start zeroed. */
typedef struct
{
  int n, t;
  float *buf[AE_SPEECH_MAX_BUFFERS];
  float *grad[AE_SPEECH_MAX_BUFFERS];   /* NULL unless with_grad */
} AeSpeechActs;

gboolean ae_speech_acts_alloc (AeSpeechActs * acts, const AeSpeechNet * net,
    int n, int t, gboolean with_grad);
void ae_speech_acts_free (AeSpeechActs * acts);

/* Pointer to row 0 (the first frame after the pad) of sequence @seq. */
float *ae_speech_acts_row (const AeSpeechActs * acts,
    const AeSpeechNet * net, int buffer, int seq);

/* Runs every layer on acts->t frames.  The caller has written the features
 * into buffer net->in_buf (rows 0..t-1 of each sequence); afterwards
 * net->out_buf holds gains and speech probability. */
void ae_speechnet_forward (const AeSpeechNet * net, AeSpeechActs * acts,
    const float *params);

/* Backpropagates from acts->grad[net->out_buf] (filled by the caller's loss
 * for rows 0..t-1, other grads zeroed by ae_speech_acts_zero_grad) into
 * every buffer's grad and into dparams (added). */
void ae_speechnet_backward (const AeSpeechNet * net, AeSpeechActs * acts,
    const float *params, float *dparams);
void ae_speech_acts_zero_grad (AeSpeechActs * acts, const AeSpeechNet * net);

/* After a one-frame forward on acts with n = 1, t = 1: moves every buffer's
 * history up one row so the next frame sees this one as its past. */
void ae_speech_acts_advance (AeSpeechActs * acts, const AeSpeechNet * net);
/* Zeroes all history: a new stream. */
void ae_speech_acts_reset (AeSpeechActs * acts, const AeSpeechNet * net);

/* Fills @params with He-uniform weights and zero biases from @seed. */
void ae_speechnet_init_params (const AeSpeechNet * net, float *params,
    guint64 seed);

/* Copies every layer of @src into the layer of the same name in @dst, for
 * growing a trained network deeper: @dst may have more residual blocks
 * than @src, everything else equal.  Layers only @dst has keep whatever
 * @dst_params held (ae_speechnet_init_params starts a block near the
 * identity, so the grown network begins close to @src's function).  FALSE
 * with @error set when the architectures differ otherwise. */
gboolean ae_speechnet_copy_layers (const AeSpeechNet * dst, float *dst_params,
    const AeSpeechNet * src, const float *src_params, GError ** error);

/* Multiply-adds per frame: the cost of the network alone. */
gsize ae_speechnet_macs_per_frame (const AeSpeechNet * net);

G_END_DECLS
#endif /* AE_SPEECHNET_H */
