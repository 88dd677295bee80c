/* ae.h: the public API of the gst-ae core.
 *
 * Two opaque types, in the rnnoise mould.  AeModel holds the weights: it is
 * immutable after load, reference-counted, and may be shared by any number of
 * streams on any number of threads.  AeStream holds the state of one mono
 * signal (layer history, overlap-add tails, workspace); it is used by one
 * thread at a time.
 *
 * This header deliberately knows nothing of GStreamer; it uses GLib for
 * GError, GBytes and reference counting only.  Layers, training and the
 * weight-file format live behind internal headers (conv1d.h, safetensors.h,
 * ...), which ae-train and the tests include directly.
 */
#ifndef AE_H
#define AE_H

#include <glib.h>

G_BEGIN_DECLS

/* Cold-path errors (load, create, parse, I/O) are GErrors in this domain.
 * The message names the file, the tensor, and what was expected versus
 * found. */
#define AE_ERROR (ae_error_quark ())
GQuark ae_error_quark (void);

typedef enum
{
  AE_ERROR_IO,                  /* a file could not be read or written */
  AE_ERROR_FORMAT,              /* malformed weight file or header */
  AE_ERROR_VERSION,             /* unknown format version */
  AE_ERROR_SHAPE,               /* tensor missing, extra or of wrong shape */
  AE_ERROR_VALUE,               /* NaN, Inf or out-of-range value */
  AE_ERROR_ARCH,                /* unknown or inconsistent architecture */
  AE_ERROR_UNSUPPORTED,         /* valid, but not something this build runs */
  AE_ERROR_DATA,                /* training data missing or unusable */
  AE_ERROR_ARGUMENT,            /* contradictory or out-of-range option */
} AeError;

/* Hot-path results.  Preconditions are checked when the stream is made,
 * so OK is the only result a correct caller sees with finite input. */
typedef enum
{
  AE_STATUS_OK = 0,
  AE_STATUS_INVALID_ARGUMENT,   /* NULL pointer or mismatched stream */
  AE_STATUS_NON_FINITE,         /* the network produced NaN/Inf; the block
                                 * was replaced by the delayed dry signal
                                 * and the stream state was reset */
} AeStatus;

const char *ae_status_to_string (AeStatus status);

typedef enum
{
  AE_MODALITY_AUDIO,
  AE_MODALITY_VIDEO,
} AeModality;

typedef struct _AeModel AeModel;
typedef struct _AeStream AeStream;

/* Loading.  Both functions run the same validation (ae_model_new_from_bytes
 * is what the file variant calls after reading the file): the safetensors
 * container is checked, the architecture in its metadata is parsed, and each
 * tensor the architecture needs is bound by name and exact shape.
 *
 * Returns: (transfer full): a new model with one reference, or NULL with
 * @error set.  ae_model_new_from_bytes keeps a reference on @bytes for the
 * model's lifetime (the weights are not copied when the bytes are aligned). */
AeModel *ae_model_new_from_file (const char *path, GError ** error);
AeModel *ae_model_new_from_bytes (GBytes * bytes, GError ** error);

/* The shipped speech model for @sample_rate (16000 or 48000), embedded in
 * the library, or NULL with @error set for any other rate. */
AeModel *ae_model_new_default_audio (guint sample_rate, GError ** error);

AeModel *ae_model_ref (AeModel * model);
void ae_model_unref (AeModel * model);

AeModality ae_model_get_modality (const AeModel * model);
/* Audio models: the rate the network runs at, in Hz. */
guint ae_model_get_sample_rate (const AeModel * model);
/* Audio models: analysis window and hop, in samples at the model rate. */
guint ae_model_get_window_samples (const AeModel * model);
guint ae_model_get_hop_samples (const AeModel * model);
/* Audio models: delay from input to output of ae_stream_process, in
 * samples at the model rate.  Constant, whatever the block sizes. */
guint ae_model_get_latency_samples (const AeModel * model);
/* Audio models: the noise smoothing time the model was tuned with, in ms
 * (0: none), which its new streams start with; ae_stream_set_noise_smoothing
 * explains it. */
guint ae_model_get_noise_smoothing_ms (const AeModel * model);
/* Number of float32 parameters. */
gsize ae_model_get_n_params (const AeModel * model);
/* A __metadata__ value of the weight file, or NULL.  Borrowed; valid while
 * the model lives. */
const char *ae_model_get_metadata (const AeModel * model, const char *key);

/* Streams.  ae_stream_new takes its own reference on @model and allocates
 * every buffer the stream will ever use; nothing after it allocates.
 * Returns: (transfer full): a stream, or NULL with @error set. */
AeStream *ae_stream_new (AeModel * model, GError ** error);
void ae_stream_free (AeStream * stream);
/* Back to the state of a new stream: silence history, empty delay line. */
void ae_stream_reset (AeStream * stream);
/* The model this stream runs (borrowed). */
const AeModel *ae_stream_get_model (const AeStream * stream);

/* Denoises @n_samples of mono audio at the model rate.  @out receives the
 * input delayed by ae_model_get_latency_samples(), denoised.  @out may
 * equal @in (in place); otherwise they must not overlap.  Any @n_samples,
 * including 0; feeding a signal in pieces gives the same bits as feeding it
 * whole.  Never allocates, locks or does I/O. */
AeStatus ae_stream_process (AeStream * stream, float *out, const float *in,
    gsize n_samples);

/* Controls.  Call between ae_stream_process calls, from the thread that
 * processes; each takes effect from the next analysis frame. */

/* The most the noise is turned down, in dB: 0 leaves the signal as it is,
 * 6 keeps noise at least at half its level; AE_ATTENUATION_NO_LIMIT (or
 * more) lets the network remove all it can (the default). */
#define AE_ATTENUATION_NO_LIMIT 200.0f
void ae_stream_set_attenuation_limit (AeStream * stream, float limit_db);
/* Noise floor, in dB below the speech: the stream estimates the input's
 * SNR as it goes (time constant 2 s) and turns the noise down by at most
 * (@floor_db - SNR) dB, so noise that is already quiet beside the speech
 * is not gated into silence.  Off until 200 ms of speech has been heard;
 * the estimate runs while the floor is off too, so turning it on acts at
 * once.  The attenuation limit, if lower, still applies.
 * AE_NOISE_FLOOR_OFF (or more) turns it off (the default of a new
 * stream). */
#define AE_NOISE_FLOOR_OFF 200.0f
void ae_stream_set_noise_floor (AeStream * stream, float floor_db);
/* Noise smoothing, in ms (0 turns it off; at most 10000): where the
 * network hears noise rather than speech, once the SNR estimate above is
 * over 0 dB (fully from 10 dB), each band's gain follows the network's
 * with this time constant instead of frame by frame, so the noise that is
 * left is a steady copy of the input's rather than one that pumps;
 * transients (a band 10 dB over its average) still get the network's
 * gain at once (nn/gainsmooth.h).  New streams start with their model's
 * ae_model_get_noise_smoothing_ms(). */
void ae_stream_set_noise_smoothing (AeStream * stream, float time_ms);
/* Wet/dry: 1 = denoised only, 0 = dry only.  The dry path is the input
 * delayed by the latency, so both stay phase-aligned. */
void ae_stream_set_mix (AeStream * stream, float wet);
/* TRUE: the network is skipped and the output is the delayed dry signal,
 * so timing does not jump when bypass is toggled. */
void ae_stream_set_bypass (AeStream * stream, gboolean bypass);
/* Speech gate: when the speech probability stays below @threshold (0..1)
 * for longer than @hold_ms, the output fades to the attenuation floor
 * (attack 5 ms, release 50 ms).  @threshold 0 disables the gate. */
void ae_stream_set_vad_gate (AeStream * stream, float threshold,
    float hold_ms);

/* Read-outs of the most recent ae_stream_process call, for element
 * messages: the largest speech probability (0..1) of the frames it
 * finished, and the RMS of its input and output blocks; and the running
 * estimate of the input's SNR that the noise floor uses (dB, speech
 * while active over noise, 2 s average), AE_SNR_UNKNOWN until 200 ms of
 * speech has been heard. */
#define AE_SNR_UNKNOWN -200.0f
typedef struct
{
  float speech_probability;
  float input_rms;
  float output_rms;
  float snr_db;
  guint n_frames;               /* analysis frames finished in that call */
} AeStreamStats;

void ae_stream_get_stats (const AeStream * stream, AeStreamStats * stats);

G_END_DECLS
#endif /* AE_H */
