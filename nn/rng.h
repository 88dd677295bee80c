/* rng.h: a small, seedable random number generator with explicit state.
 *
 * xoshiro256** (Blackman and Vigna), seeded through splitmix64, so any
 * 64-bit seed gives a well-mixed state.  Deterministic across platforms:
 * training runs with the same seed give the same bits.  Not for secrets.
 */
#ifndef AE_RNG_H
#define AE_RNG_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 s[4];
} AeRng;

void ae_rng_init (AeRng * rng, guint64 seed);
guint64 ae_rng_next (AeRng * rng);
/* Uniform in [0, 1). */
double ae_rng_uniform (AeRng * rng);
/* Uniform in [lo, hi). */
double ae_rng_range (AeRng * rng, double lo, double hi);
/* Uniform integer in [0, n); n > 0. */
guint64 ae_rng_below (AeRng * rng, guint64 n);
/* Standard normal (Box-Muller; no cached second value, so the stream of
 * draws depends only on the number of calls). */
double ae_rng_normal (AeRng * rng);

/* Two independent standard normals (Marsaglia's polar method: a log and a
 * square root for the pair, no trigonometry), for bulk noise synthesis
 * where ae_rng_normal's cost shows. */
void ae_rng_normal_pair (AeRng * rng, double *z0, double *z1);
/* A seed for an independent stream: mixes @seed and @index. */
guint64 ae_rng_derive (guint64 seed, guint64 index);

G_END_DECLS
#endif /* AE_RNG_H */
