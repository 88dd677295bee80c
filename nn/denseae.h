/* denseae.h: the classic fully connected autoencoders.
 *
 * Encoder  in -> hidden[0] -> ... -> hidden[n_hidden - 1] -> code
 * Decoder  code -> hidden[n_hidden - 1] -> ... -> hidden[0] -> in
 *
 * Every layer is ae_dense_forward plus an ae_act; the hidden layers share
 * one activation, the code layer has its own, and the output is sigmoid
 * (for BCE, or data in [0, 1]) or linear.  Kinds:
 *
 *   basic        reconstruct the input;
 *   denoising    the caller corrupts the input (ae_dense_ae_corrupt) and
 *                the target is the clean one;
 *   sparse       L1 on the code, or KL (rho || mean code) on sigmoid codes;
 *   contractive  the squared Frobenius norm of the first encoder layer's
 *                Jacobian, sum_j (h_j')^2 ||W_j||^2, exact when the encoder
 *                is that one sigmoid or tanh layer.  For deeper encoders it
 *                is applied to the first layer only (a common, cheaper
 *                surrogate for the whole encoder's Jacobian);
 *   variational  the last encoder layer is two heads, mean and log-variance;
 *                code = mu + exp (logvar / 2) * eps with eps drawn by the
 *                caller from an explicit AeRng, and a KL term to N (0, I).
 *
 * Parameters live in one flat 64-byte-aligned array; AeDenseAeParams
 * points into it, and into a gradient array of the same layout (STYLE.md
 * section 5).  Every tensor starts on a 64-byte boundary; the padding
 * between tensors stays zero.
 *
 * Weight files ("ae.arch" = "dense-ae-v1"): tensors "enc.L.weight" (C_in,
 * C_out) and "enc.L.bias" (C_out) for L = 0 .. n_hidden (L = n_hidden is the
 * code layer, or the mean head of a variational one), "enc.logvar.weight"
 * and "enc.logvar.bias" (variational only), and "dec.L.weight"/"dec.L.bias"
 * for L = 0 .. n_hidden.  Metadata: ae.arch, ae.modality, ae.kind, ae.dims
 * ("in,h0,...,code"), ae.hidden_act, ae.code_act, ae.out_act.
 *
 * Not here: data, batching and the training loop (nn/tools/), and
 * convolutional autoencoders (speechnet.h).
 */
#ifndef AE_DENSE_AE_H
#define AE_DENSE_AE_H

#include <glib.h>

#include "act.h"
#include "rng.h"
#include "safetensors.h"

G_BEGIN_DECLS

#define AE_DENSE_AE_ARCH "dense-ae-v1"
#define AE_DENSE_AE_MAX_HIDDEN 4
/* Widest layer accepted, from a file or a command line. */
#define AE_DENSE_AE_MAX_WIDTH 65536

typedef enum
{
  AE_DENSE_AE_BASIC,
  AE_DENSE_AE_DENOISING,
  AE_DENSE_AE_SPARSE,
  AE_DENSE_AE_CONTRACTIVE,
  AE_DENSE_AE_VARIATIONAL,
} AeDenseAeKind;

typedef enum
{
  AE_RECON_MSE,                 /* mean (y - t)^2 */
  AE_RECON_BCE,                 /* mean binary cross-entropy; sigmoid out */
  AE_RECON_L1,                  /* mean |y - t| */
} AeReconLoss;

typedef enum
{
  AE_SPARSITY_L1,               /* sum_j |code_j| per example */
  AE_SPARSITY_KL,               /* sum_j KL (rho || mean_batch code_j) */
} AeSparsityKind;

typedef enum
{
  AE_CORRUPT_GAUSSIAN,          /* x + level * N (0, 1) */
  AE_CORRUPT_MASK,              /* x, or 0 with probability level */
} AeCorruption;

const char *ae_dense_ae_kind_to_string (AeDenseAeKind kind);
gboolean ae_dense_ae_kind_from_string (const char *s, AeDenseAeKind * kind);
const char *ae_recon_loss_to_string (AeReconLoss loss);
gboolean ae_recon_loss_from_string (const char *s, AeReconLoss * loss);

typedef struct
{
  AeDenseAeKind kind;
  int n_in;
  int n_hidden;                 /* hidden layers per side, 0 .. MAX_HIDDEN */
  int hidden[AE_DENSE_AE_MAX_HIDDEN];   /* encoder order */
  int code;
  AeAct hidden_act;
  AeAct code_act;               /* AE_ACT_NONE for variational */
  AeAct out_act;
} AeDenseAeConfig;

/* Typed pointers into one flat array (parameters or gradients). */
typedef struct
{
  float *enc_w[AE_DENSE_AE_MAX_HIDDEN + 1];
  float *enc_b[AE_DENSE_AE_MAX_HIDDEN + 1];
  float *logvar_w;              /* variational only, else NULL */
  float *logvar_b;
  float *dec_w[AE_DENSE_AE_MAX_HIDDEN + 1];
  float *dec_b[AE_DENSE_AE_MAX_HIDDEN + 1];
} AeDenseAeParams;

typedef struct
{
  AeDenseAeConfig config;
  gsize n_params;               /* floats in params, padding included */
  float *params;                /* owned, 64-byte aligned */
  AeDenseAeParams p;
} AeDenseAe;

/* FALSE with AE_ERROR_ARCH naming the problem when @config is not a
 * model this file builds (sizes, PReLU, a non-linear variational code, a
 * contractive first layer that is not sigmoid or tanh). */
gboolean ae_dense_ae_config_check (const AeDenseAeConfig * config,
    GError ** error);

/* Floats in the flat array for @config (which must pass the check). */
gsize ae_dense_ae_n_params (const AeDenseAeConfig * config);

/* Points @p into @base (ae_dense_ae_n_params floats, 64-byte aligned). */
void ae_dense_ae_point (const AeDenseAeConfig * config, float *base,
    AeDenseAeParams * p);

/* Checks @config and allocates zeroed parameters.  ae_dense_ae_clear frees
 * them (and is safe on a zeroed or cleared struct). */
gboolean ae_dense_ae_init (AeDenseAe * ae, const AeDenseAeConfig * config,
    GError ** error);
void ae_dense_ae_clear (AeDenseAe * ae);

/* Glorot-uniform weights (He for ReLU-like layers), zero biases. */
void ae_dense_ae_init_weights (AeDenseAe * ae, AeRng * rng);

/* Activations of one forward pass, sized for up to max_rows examples. */
typedef struct
{
  int max_rows;
  int max_width;
  float *block;                 /* owns everything below */
  float *enc_pre[AE_DENSE_AE_MAX_HIDDEN + 1];   /* (rows, width) */
  float *enc_post[AE_DENSE_AE_MAX_HIDDEN + 1];  /* last: code, or mu */
  float *logvar;                /* (rows, code), variational */
  float *code;                  /* (rows, code): the decoder's input */
  float *dec_pre[AE_DENSE_AE_MAX_HIDDEN + 1];
  float *dec_post[AE_DENSE_AE_MAX_HIDDEN + 1];  /* last: the output */
  float *out;                   /* = dec_post[n_hidden], (rows, n_in) */
  float *g0, *g1;               /* backward scratch (rows, max_width) */
  float *dmu, *dlogvar;         /* backward scratch (rows, code) */
} AeDenseAeWork;

gboolean ae_dense_ae_work_init (AeDenseAeWork * w,
    const AeDenseAeConfig * config, int max_rows, GError ** error);
void ae_dense_ae_work_clear (AeDenseAeWork * w);

/* Encoder then decoder.
 *   in (rows, n_in); eps (rows, code): the variational noise, or NULL for
 *   code = mu (encoding, evaluation).  Ignored by other kinds.
 * Results in w->code and w->out.  rows <= w->max_rows. */
void ae_dense_ae_forward (const AeDenseAe * ae, AeDenseAeWork * w,
    const float *in, const float *eps, int rows);

/* Decoder only: w->out (rows, n_in) from code (rows, code). */
void ae_dense_ae_decode (const AeDenseAe * ae, AeDenseAeWork * w,
    const float *code, int rows);

/* The terms of the loss.  All are averages: the reconstruction over the
 * rows * n_in elements, penalties over the rows.  The variational KL is
 * divided by n_in as well, so kl_weight = 1 makes recon + kl the negative
 * ELBO per input element (exact for BCE). */
typedef struct
{
  AeReconLoss recon;
  AeSparsityKind sparsity;
  float sparsity_weight;        /* sparse */
  float sparsity_rho;           /* sparse, KL: target mean activation */
  float contractive_weight;     /* contractive */
  float kl_weight;              /* variational, after any warm-up */
} AeDenseAeLoss;

typedef struct
{
  double total;
  double recon;
  double penalty;               /* weighted sparsity, contraction or KL */
} AeDenseAeLossParts;

/* FALSE with AE_ERROR_ARGUMENT when @loss does not fit @config (BCE
 * without a sigmoid output, KL sparsity without a sigmoid code, negative
 * weights, rho outside (0, 1)). */
gboolean ae_dense_ae_loss_check (const AeDenseAeConfig * config,
    const AeDenseAeLoss * loss, GError ** error);

/* The loss of the last forward pass against target (rows, n_in); fills
 * @parts when non-NULL.  Accumulated in double. */
double ae_dense_ae_loss (const AeDenseAe * ae, const AeDenseAeWork * w,
    const AeDenseAeLoss * loss, const float *target, int rows,
    AeDenseAeLossParts * parts);

/* Adds the gradient of ae_dense_ae_loss into grads (n_params, the params'
 * layout) and din (rows, n_in); either may be NULL.  in, eps and rows are
 * the forward's.  Uses w's scratch; the forward state is kept. */
void ae_dense_ae_backward (const AeDenseAe * ae, AeDenseAeWork * w,
    const AeDenseAeLoss * loss, float *grads, float *din, const float *in,
    const float *eps, const float *target, int rows);

/* out (n) = in (n) corrupted; out may equal in. */
void ae_dense_ae_corrupt (AeCorruption corruption, float level, AeRng * rng,
    float *out, const float *in, gsize n);

/* eps (n) = independent standard normals. */
void ae_dense_ae_draw_normal (AeRng * rng, float *eps, gsize n);

/* A writer holding the model's tensors and metadata (@modality: "image" or
 * "audio-frames"); the caller may add metadata, then writes it.  The
 * tensors are borrowed from @ae until the writer is done. */
AeSafetensorsWriter *ae_dense_ae_writer_new (const AeDenseAe * ae,
    const char *modality);

/* Builds @ae from a validated file: refuses an arch other than
 * dense-ae-v1 (AE_ERROR_ARCH), unknown metadata values, and any tensor that
 * is missing, extra, or of the wrong shape (AE_ERROR_SHAPE, naming it). */
gboolean ae_dense_ae_init_from_safetensors (AeDenseAe * ae,
    const AeSafetensors * st, GError ** error);

G_END_DECLS
#endif /* AE_DENSE_AE_H */
