/* fft.h: mixed-radix FFT (radix 4, 2, 3, 5) for the STFT.
 *
 * Sizes are any n >= 2 whose only prime factors are 2, 3 and 5: 320
 * (16 kHz, 20 ms) and 960 (48 kHz, 20 ms) are the ones that matter.  A plan
 * precomputes its twiddles (in double, stored as float) and owns all its
 * scratch, so no transform allocates.  Because of that scratch, one plan is
 * used by one thread at a time; give each stream or worker its own.
 *
 * Complex values are interleaved floats (re, im).  Transforms are
 * unnormalised forwards, X[k] = sum_t x[t] e^{-2 pi i k t / n}; the real
 * inverse divides by n so that inverse (forward (x)) == x.
 *
 * Not here: windows, overlap-add and framing; the STFT owns those.
 */
#ifndef AE_FFT_H
#define AE_FFT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _AeFft AeFft;

/* A plan for transforms of @n points, or NULL when n < 2, n is too large
 * (over 2^24), n has a prime factor other than 2, 3 and 5, or memory is
 * short.  Free with ae_fft_free(). */
AeFft *ae_fft_new (int n);
void ae_fft_free (AeFft * fft);

int ae_fft_get_size (const AeFft * fft);

/* out_complex (n/2 + 1 complex, so n + 2 floats) = DFT of in (n real).
 * Bins 0 and n/2 get an imaginary part of exactly 0.  n must be even;
 * in and out_complex must not overlap. */
void ae_fft_forward_real (AeFft * fft, float *out_complex, const float *in);

/* out (n real) = inverse DFT of the Hermitian spectrum in_complex
 * (n/2 + 1 complex), divided by n.  The imaginary parts of bins 0 and n/2
 * are ignored.  n must be even; in_complex and out must not overlap. */
void ae_fft_inverse_real (AeFft * fft, float *out, const float *in_complex);

/* out (n complex) = DFT of in (n complex).  out may equal in (in place)
 * but must not otherwise overlap it.  Any plan size, odd ones included. */
void ae_fft_forward_complex (AeFft * fft, float *out, const float *in);

G_END_DECLS
#endif /* AE_FFT_H */
