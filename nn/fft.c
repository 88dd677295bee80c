/* fft.c: mixed-radix Stockham FFT and the real-input transforms on top.
 *
 * The complex transform is a decimation-in-frequency Stockham autosort:
 * each pass of radix p reads x[q + s (j + r m)] and writes
 * y[q + s (p j + u)], ping-ponging between two buffers, so the result comes
 * out in natural order with no bit reversal (which mixed radices make
 * awkward).  Radix-4 passes go first, then 2, 3 and 5.  Twiddles for every
 * pass are computed once in double and stored as float.
 *
 * A real transform of n points is a complex transform of n/2 points on the
 * even/odd samples packed as (re, im), then a post-pass that splits the two
 * spectra apart; the inverse runs the same steps backwards, computing the
 * conjugated inverse as a forward transform so one set of passes serves
 * both directions.
 */
#include "fft.h"
#include "tensor.h"

#include <math.h>
#include <string.h>

#define MAX_PASSES 32
#define MAX_SIZE (1 << 24)

typedef struct
{
  int radix;
  int m;                        /* points per sub-transform after this pass */
  int s;                        /* interleaved sub-transforms before it */
  const float *tw;              /* (m, radix - 1) complex: w^(j u), u >= 1 */
} AeFftPass;

typedef struct
{
  int n;                        /* complex points */
  int n_passes;
  AeFftPass passes[MAX_PASSES];
  float *tw;                    /* all passes' twiddles, one allocation */
} AeFftComplexPlan;

struct _AeFft
{
  int n;
  AeFftComplexPlan full;        /* n points, for ae_fft_forward_complex */
  AeFftComplexPlan half;        /* n/2 points, for the real transforms */
  float *split_tw;              /* (n/2 + 1) complex: e^{-2 pi i k / n} */
  float *work;                  /* 2 n floats: the ping-pong buffer */
  float *spec;                  /* 2 n floats: half spectrum, in-place copy */
};

/* ---- plans ---- */

static gboolean
complex_plan_init (AeFftComplexPlan * plan, int n)
{
  static const int radices[] = { 4, 2, 3, 5 };
  int radix_of[MAX_PASSES];
  int rest = n, n_passes = 0, i, len, s;
  gsize n_tw = 0;
  float *tw;

  plan->n = n;
  for (i = 0; i < (int) G_N_ELEMENTS (radices); i++) {
    while (rest % radices[i] == 0 && n_passes < MAX_PASSES) {
      radix_of[n_passes++] = radices[i];
      rest /= radices[i];
    }
  }
  if (rest != 1)
    return FALSE;

  len = n;
  for (i = 0; i < n_passes; i++) {
    n_tw += (gsize) (len / radix_of[i]) * (radix_of[i] - 1);
    len /= radix_of[i];
  }
  plan->tw = ae_alloc_floats (2 * n_tw);
  if (!plan->tw)
    return FALSE;

  /* Pass i splits transforms of len points into radix of len/radix; its
   * twiddles are w^(j u) with w = e^{-2 pi i / len}.  Reduce j u mod len
   * in integers so the angle keeps full precision. */
  tw = plan->tw;
  len = n;
  s = 1;
  for (i = 0; i < n_passes; i++) {
    int p = radix_of[i], m = len / p, j, u;
    AeFftPass *pass = &plan->passes[i];

    pass->radix = p;
    pass->m = m;
    pass->s = s;
    pass->tw = tw;
    for (j = 0; j < m; j++) {
      for (u = 1; u < p; u++) {
        double a = -2.0 * G_PI * (double) ((gint64) j * u % len) / len;

        *tw++ = (float) cos (a);
        *tw++ = (float) sin (a);
      }
    }
    len = m;
    s *= p;
  }
  plan->n_passes = n_passes;
  return TRUE;
}

AeFft *
ae_fft_new (int n)
{
  AeFft *fft;
  int h = n / 2, k;

  if (n < 2 || n > MAX_SIZE)
    return NULL;

  fft = g_new0 (AeFft, 1);
  fft->n = n;
  if (!complex_plan_init (&fft->full, n))
    goto fail;
  fft->work = ae_alloc_floats (2 * (gsize) n);
  fft->spec = ae_alloc_floats (2 * (gsize) n);
  if (!fft->work || !fft->spec)
    goto fail;

  if (n % 2 == 0) {
    if (!complex_plan_init (&fft->half, h))
      goto fail;
    fft->split_tw = ae_alloc_floats (2 * (gsize) (h + 1));
    if (!fft->split_tw)
      goto fail;
    for (k = 0; k <= h; k++) {
      double a = -2.0 * G_PI * k / n;

      fft->split_tw[2 * k] = (float) cos (a);
      fft->split_tw[2 * k + 1] = (float) sin (a);
    }
  }
  return fft;

fail:
  ae_fft_free (fft);
  return NULL;
}

void
ae_fft_free (AeFft * fft)
{
  if (!fft)
    return;
  ae_free (fft->full.tw);
  ae_free (fft->half.tw);
  ae_free (fft->split_tw);
  ae_free (fft->work);
  ae_free (fft->spec);
  g_free (fft);
}

int
ae_fft_get_size (const AeFft * fft)
{
  g_return_val_if_fail (fft != NULL, 0);
  return fft->n;
}

/* ---- butterfly passes ----
 * Each pass: x, y are interleaved complex; sub-transform element r of
 * block (j, q) sits at complex index q + s (j + r m) and output u goes to
 * q + s (p j + u), multiplied by the twiddle w^(j u) first. */

#define CMUL_RE(ar, ai, br, bi) ((ar) * (br) - (ai) * (bi))
#define CMUL_IM(ar, ai, br, bi) ((ar) * (bi) + (ai) * (br))

static void
pass2 (float *restrict y, const float *restrict x, const AeFftPass * pass)
{
  const int m = pass->m, s = pass->s;
  const float *restrict tw = pass->tw;
  int j, q;

  for (j = 0; j < m; j++) {
    const float wr = tw[2 * j], wi = tw[2 * j + 1];
    const float *restrict x0 = x + 2 * s * j, *restrict x1 = x0 + 2 * s * m;
    float *restrict y0 = y + 2 * s * 2 * j, *restrict y1 = y0 + 2 * s;

    for (q = 0; q < s; q++) {
      float ar = x0[2 * q], ai = x0[2 * q + 1];
      float br = x1[2 * q], bi = x1[2 * q + 1];
      float dr = ar - br, di = ai - bi;

      y0[2 * q] = ar + br;
      y0[2 * q + 1] = ai + bi;
      y1[2 * q] = CMUL_RE (dr, di, wr, wi);
      y1[2 * q + 1] = CMUL_IM (dr, di, wr, wi);
    }
  }
}

static void
pass3 (float *restrict y, const float *restrict x, const AeFftPass * pass)
{
  /* sin (2 pi / 3) */
  const float s3 = 0.866025403784438647f;
  const int m = pass->m, s = pass->s;
  const float *restrict tw = pass->tw;
  int j, q;

  for (j = 0; j < m; j++) {
    const float w1r = tw[4 * j], w1i = tw[4 * j + 1];
    const float w2r = tw[4 * j + 2], w2i = tw[4 * j + 3];
    const float *restrict x0 = x + 2 * s * j;
    const float *restrict x1 = x0 + 2 * s * m, *restrict x2 = x1 + 2 * s * m;
    float *restrict y0 = y + 2 * s * 3 * j;
    float *restrict y1 = y0 + 2 * s, *restrict y2 = y1 + 2 * s;

    for (q = 0; q < s; q++) {
      float ar = x0[2 * q], ai = x0[2 * q + 1];
      float tr = x1[2 * q] + x2[2 * q], ti = x1[2 * q + 1] + x2[2 * q + 1];
      float dr = x1[2 * q] - x2[2 * q], di = x1[2 * q + 1] - x2[2 * q + 1];
      float mr = ar - 0.5f * tr, mi = ai - 0.5f * ti;
      /* b1 = m - i s3 d, b2 = m + i s3 d */
      float b1r = mr + s3 * di, b1i = mi - s3 * dr;
      float b2r = mr - s3 * di, b2i = mi + s3 * dr;

      y0[2 * q] = ar + tr;
      y0[2 * q + 1] = ai + ti;
      y1[2 * q] = CMUL_RE (b1r, b1i, w1r, w1i);
      y1[2 * q + 1] = CMUL_IM (b1r, b1i, w1r, w1i);
      y2[2 * q] = CMUL_RE (b2r, b2i, w2r, w2i);
      y2[2 * q + 1] = CMUL_IM (b2r, b2i, w2r, w2i);
    }
  }
}

static void
pass4 (float *restrict y, const float *restrict x, const AeFftPass * pass)
{
  const int m = pass->m, s = pass->s;
  const float *restrict tw = pass->tw;
  int j, q;

  for (j = 0; j < m; j++) {
    const float w1r = tw[6 * j], w1i = tw[6 * j + 1];
    const float w2r = tw[6 * j + 2], w2i = tw[6 * j + 3];
    const float w3r = tw[6 * j + 4], w3i = tw[6 * j + 5];
    const float *restrict x0 = x + 2 * s * j;
    const float *restrict x1 = x0 + 2 * s * m, *restrict x2 = x1 + 2 * s * m;
    const float *restrict x3 = x2 + 2 * s * m;
    float *restrict y0 = y + 2 * s * 4 * j;
    float *restrict y1 = y0 + 2 * s, *restrict y2 = y1 + 2 * s;
    float *restrict y3 = y2 + 2 * s;

    for (q = 0; q < s; q++) {
      float t0r = x0[2 * q] + x2[2 * q], t0i = x0[2 * q + 1] + x2[2 * q + 1];
      float t1r = x0[2 * q] - x2[2 * q], t1i = x0[2 * q + 1] - x2[2 * q + 1];
      float t2r = x1[2 * q] + x3[2 * q], t2i = x1[2 * q + 1] + x3[2 * q + 1];
      /* t3 = -i (x1 - x3) */
      float t3r = x1[2 * q + 1] - x3[2 * q + 1];
      float t3i = x3[2 * q] - x1[2 * q];
      float b1r = t1r + t3r, b1i = t1i + t3i;
      float b2r = t0r - t2r, b2i = t0i - t2i;
      float b3r = t1r - t3r, b3i = t1i - t3i;

      y0[2 * q] = t0r + t2r;
      y0[2 * q + 1] = t0i + t2i;
      y1[2 * q] = CMUL_RE (b1r, b1i, w1r, w1i);
      y1[2 * q + 1] = CMUL_IM (b1r, b1i, w1r, w1i);
      y2[2 * q] = CMUL_RE (b2r, b2i, w2r, w2i);
      y2[2 * q + 1] = CMUL_IM (b2r, b2i, w2r, w2i);
      y3[2 * q] = CMUL_RE (b3r, b3i, w3r, w3i);
      y3[2 * q + 1] = CMUL_IM (b3r, b3i, w3r, w3i);
    }
  }
}

static void
pass5 (float *restrict y, const float *restrict x, const AeFftPass * pass)
{
  /* cos and sin of 2 pi / 5 and 4 pi / 5 */
  const float c1 = 0.309016994374947424f, c2 = -0.809016994374947424f;
  const float s1 = 0.951056516295153572f, s2 = 0.587785252292473129f;
  const int m = pass->m, s = pass->s;
  const float *restrict tw = pass->tw;
  int j, q;

  for (j = 0; j < m; j++) {
    const float *restrict w = tw + 8 * j;
    const float *restrict x0 = x + 2 * s * j;
    const float *restrict x1 = x0 + 2 * s * m, *restrict x2 = x1 + 2 * s * m;
    const float *restrict x3 = x2 + 2 * s * m, *restrict x4 = x3 + 2 * s * m;
    float *restrict y0 = y + 2 * s * 5 * j;
    float *restrict y1 = y0 + 2 * s, *restrict y2 = y1 + 2 * s;
    float *restrict y3 = y2 + 2 * s, *restrict y4 = y3 + 2 * s;

    for (q = 0; q < s; q++) {
      float ar = x0[2 * q], ai = x0[2 * q + 1];
      float t1r = x1[2 * q] + x4[2 * q], t1i = x1[2 * q + 1] + x4[2 * q + 1];
      float t2r = x2[2 * q] + x3[2 * q], t2i = x2[2 * q + 1] + x3[2 * q + 1];
      float t3r = x1[2 * q] - x4[2 * q], t3i = x1[2 * q + 1] - x4[2 * q + 1];
      float t4r = x2[2 * q] - x3[2 * q], t4i = x2[2 * q + 1] - x3[2 * q + 1];
      float m1r = ar + c1 * t1r + c2 * t2r, m1i = ai + c1 * t1i + c2 * t2i;
      float m2r = ar + c2 * t1r + c1 * t2r, m2i = ai + c2 * t1i + c1 * t2i;
      float n1r = s1 * t3r + s2 * t4r, n1i = s1 * t3i + s2 * t4i;
      float n2r = s2 * t3r - s1 * t4r, n2i = s2 * t3i - s1 * t4i;
      /* b1 = m1 - i n1, b4 = m1 + i n1, b2 = m2 - i n2, b3 = m2 + i n2 */
      float b1r = m1r + n1i, b1i = m1i - n1r;
      float b4r = m1r - n1i, b4i = m1i + n1r;
      float b2r = m2r + n2i, b2i = m2i - n2r;
      float b3r = m2r - n2i, b3i = m2i + n2r;

      y0[2 * q] = ar + t1r + t2r;
      y0[2 * q + 1] = ai + t1i + t2i;
      y1[2 * q] = CMUL_RE (b1r, b1i, w[0], w[1]);
      y1[2 * q + 1] = CMUL_IM (b1r, b1i, w[0], w[1]);
      y2[2 * q] = CMUL_RE (b2r, b2i, w[2], w[3]);
      y2[2 * q + 1] = CMUL_IM (b2r, b2i, w[2], w[3]);
      y3[2 * q] = CMUL_RE (b3r, b3i, w[4], w[5]);
      y3[2 * q + 1] = CMUL_IM (b3r, b3i, w[4], w[5]);
      y4[2 * q] = CMUL_RE (b4r, b4i, w[6], w[7]);
      y4[2 * q + 1] = CMUL_IM (b4r, b4i, w[6], w[7]);
    }
  }
}

/* dst (plan->n complex) = DFT of src.  dst, src and work must be three
 * distinct buffers; src is only read.  The passes alternate between dst
 * and work, arranged so that the last one lands in dst. */
static void
complex_run (const AeFftComplexPlan * plan, float *dst, const float *src,
    float *work)
{
  const float *from = src;
  int i;

  if (plan->n_passes == 0) {
    memcpy (dst, src, 2 * sizeof (float) * plan->n);
    return;
  }
  for (i = 0; i < plan->n_passes; i++) {
    const AeFftPass *pass = &plan->passes[i];
    float *to = ((plan->n_passes - 1 - i) % 2 == 0) ? dst : work;

    switch (pass->radix) {
      case 2:
        pass2 (to, from, pass);
        break;
      case 3:
        pass3 (to, from, pass);
        break;
      case 4:
        pass4 (to, from, pass);
        break;
      default:
        pass5 (to, from, pass);
        break;
    }
    from = to;
  }
}

/* ---- public transforms ---- */

void
ae_fft_forward_complex (AeFft * fft, float *out, const float *in)
{
  g_return_if_fail (fft != NULL && out != NULL && in != NULL);

  if (out == in) {
    memcpy (fft->spec, in, 2 * sizeof (float) * fft->n);
    in = fft->spec;
  }
  complex_run (&fft->full, out, in, fft->work);
}

/* With z[t] = x[2t] + i x[2t+1] and Z its h-point DFT (h = n/2):
 *   E[k] = (Z[k] + conj Z[h-k]) / 2      (spectrum of the even samples)
 *   O[k] = (Z[k] - conj Z[h-k]) / 2i     (spectrum of the odd samples)
 *   X[k] = E[k] + e^{-2 pi i k / n} O[k],  k = 0 .. h. */
void
ae_fft_forward_real (AeFft * fft, float *out_complex, const float *in)
{
  const float *z, *w;
  int h, k;

  g_return_if_fail (fft != NULL && out_complex != NULL && in != NULL);
  g_return_if_fail (fft->n % 2 == 0);

  h = fft->n / 2;
  /* in (n real) is already z (h complex) in memory. */
  complex_run (&fft->half, fft->spec, in, fft->work);
  z = fft->spec;
  w = fft->split_tw;

  out_complex[0] = z[0] + z[1];
  out_complex[1] = 0.0f;
  out_complex[2 * h] = z[0] - z[1];
  out_complex[2 * h + 1] = 0.0f;
  for (k = 1; k < h; k++) {
    float ar = z[2 * k], ai = z[2 * k + 1];
    float br = z[2 * (h - k)], bi = -z[2 * (h - k) + 1];
    float er = 0.5f * (ar + br), ei = 0.5f * (ai + bi);
    /* O = (a - b) / 2i = (di - i dr) / 2 with d = a - b */
    float or_ = 0.5f * (ai - bi), oi = -0.5f * (ar - br);
    float wr = w[2 * k], wi = w[2 * k + 1];

    out_complex[2 * k] = er + CMUL_RE (or_, oi, wr, wi);
    out_complex[2 * k + 1] = ei + CMUL_IM (or_, oi, wr, wi);
  }
}

/* The inverse of the above: E[k] = (X[k] + conj X[h-k]) / 2 and
 * O[k] = (X[k] - conj X[h-k]) e^{2 pi i k / n} / 2, so z is the inverse
 * h-point DFT of Z = E + i O, divided by h.  We build conj (Z) / h,
 * forward-transform it and conjugate the result, since
 * conj (DFT (conj Z)) = h IDFT (Z). */
void
ae_fft_inverse_real (AeFft * fft, float *out, const float *in_complex)
{
  const float *x = in_complex, *w;
  float *zc;
  float scale;
  int h, k;

  g_return_if_fail (fft != NULL && out != NULL && in_complex != NULL);
  g_return_if_fail (fft->n % 2 == 0);

  h = fft->n / 2;
  scale = 1.0f / h;
  zc = fft->spec;
  w = fft->split_tw;

  /* Bins 0 and h are real: E[0] = (X0 + Xh) / 2, O[0] = (X0 - Xh) / 2. */
  zc[0] = 0.5f * scale * (x[0] + x[2 * h]);
  zc[1] = -0.5f * scale * (x[0] - x[2 * h]);
  for (k = 1; k < h; k++) {
    float ar = x[2 * k], ai = x[2 * k + 1];
    float br = x[2 * (h - k)], bi = -x[2 * (h - k) + 1];
    float er = ar + br, ei = ai + bi;
    float dr = ar - br, di = ai - bi;
    /* e^{+2 pi i k / n} is the conjugate of the stored twiddle */
    float wr = w[2 * k], wi = -w[2 * k + 1];
    float or_ = CMUL_RE (dr, di, wr, wi), oi = CMUL_IM (dr, di, wr, wi);
    /* Z = E + i O = (er - oi) + i (ei + or); store conj Z, scaled */
    float hs = 0.5f * scale;

    zc[2 * k] = hs * (er - oi);
    zc[2 * k + 1] = -hs * (ei + or_);
  }

  complex_run (&fft->half, out, zc, fft->work);
  /* out now holds conj (z): x[2t] = re, x[2t+1] = -im. */
  for (k = 0; k < h; k++)
    out[2 * k + 1] = -out[2 * k + 1];
}
