/* videonet.h: the video-denoising autoencoder, a small U-Net over NCHW.
 *
 * Input: the noisy image x (N, 1, H, W) and a noise-level map m (N, 1, H,
 * W), the noise's standard deviation per pixel in the same units (FFDNet's
 * idea: one model covers every level, and camera noise whose level
 * depends on the brightness).  Output: the noise estimate; the denoised
 * image is x - noise.  r = arch.unshuffle, C1 = width, C2 = code:
 *
 *   [x, m] -> unshuffle r (2 r^2, H/r) -> head conv3 relu (C1) -----+ skip
 *          -> down conv3 stride 2 relu (C2, H/2r): the latent code   |
 *          -> n_blocks residual blocks: z += relu (conv3 z)          |
 *          -> up conv1 (4 C1) -> shuffle 2 (C1, H/r) -> + skip, relu<+
 *          -> tail conv3 relu (C1) -> out conv3 (r^2) -> shuffle r -> noise
 *
 * Unshuffling first puts most of the arithmetic at 1/r^2 of the pixels,
 * which is what makes a 720p30 budget reachable; H and W must be
 * multiples of 2 r (the element pads frames to that).  Every convolution
 * is conv2d.h's, so a thread pool changes the speed and never the bits.
 *
 * Weight files: safetensors with ae.arch = "video-unet-v1", the four arch
 * numbers in metadata and one NAME.weight (C_out, C_in, K, K) and
 * NAME.bias (C_out) per layer, PyTorch's layout.
 *
 * Not here: noise synthesis and training (ae-train), the element.
 */
#ifndef AE_VIDEONET_H
#define AE_VIDEONET_H

#include <glib.h>

#include "conv2d.h"
#include "threadpool.h"

G_BEGIN_DECLS

#define AE_ARCH_VIDEO "video-unet-v1"
#define AE_VIDEO_MAX_BLOCKS 8
#define AE_VIDEO_MAX_LAYERS (AE_VIDEO_MAX_BLOCKS + 5)

typedef struct
{
  int unshuffle;                /* r: 1, 2 or 4 */
  int width;                    /* C1: channels at 1/r */
  int code;                     /* C2: channels at 1/2r, the latent */
  int n_blocks;                 /* residual blocks at 1/2r, 0..8 */
} AeVideoArch;

typedef struct
{
  char name[16];
  int c_in, c_out, kernel, stride;
  int scale;                    /* runs at 1/scale of the full size */
  gsize weight_offset, bias_offset;
} AeVideoLayer;

typedef struct
{
  AeVideoArch arch;
  int n_layers;                 /* head, down, blocks..., up, tail, out */
  AeVideoLayer layers[AE_VIDEO_MAX_LAYERS];
  gsize n_params;
} AeVideoNet;

/* FALSE with @error naming the field when @arch is out of range. */
gboolean ae_videonet_init (AeVideoNet * net, const AeVideoArch * arch,
    GError ** error);

/* He-uniform weights from @seed; the output layer starts near zero, so an
 * untrained model passes its input through. */
void ae_videonet_init_params (const AeVideoNet * net, float *params,
    guint64 seed);

/* Multiply-adds per full-resolution pixel. */
double ae_videonet_macs_per_pixel (const AeVideoNet * net);

/* Activations for @n images of @h x @w (multiples of 2 r), with gradient
 * buffers when @with_grad, and conv2d workspace for @n_threads. */
typedef struct _AeVideoActs AeVideoActs;

AeVideoActs *ae_video_acts_new (const AeVideoNet * net, int n, int h, int w,
    gboolean with_grad, int n_threads, GError ** error);
void ae_video_acts_free (AeVideoActs * acts);

/* noise (N, 1, H, W) = the network on x and level (both (N, 1, H, W)). */
void ae_videonet_forward (const AeVideoNet * net, AeVideoActs * acts,
    const float *params, const float *x, const float *level, float *noise,
    AeThreadPool * pool);

/* After ae_videonet_forward on the same acts: adds into dparams the
 * gradient of the loss given dnoise (N, 1, H, W). */
void ae_videonet_backward (const AeVideoNet * net, AeVideoActs * acts,
    const float *params, const float *dnoise, float *dparams,
    AeThreadPool * pool);

/* Weight files.  @metadata: extra key, value pairs, NULL-terminated, or
 * NULL.  Load validates everything (arch range, every tensor's name and
 * shape) and names what is wrong; @params is (transfer full) ae_free. */
gboolean ae_videonet_save (const AeVideoNet * net, const float *params,
    const char *path, const char *const *metadata, GError ** error);
gboolean ae_videonet_load (const char *path, AeVideoNet * net,
    float **params, GError ** error);

G_END_DECLS
#endif /* AE_VIDEONET_H */
