/* rng.c: xoshiro256** with splitmix64 seeding. */
#include "rng.h"

#include <math.h>

static guint64
splitmix64 (guint64 * x)
{
  guint64 z = (*x += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x, int k)
{
  return (x << k) | (x >> (64 - k));
}

void
ae_rng_init (AeRng * rng, guint64 seed)
{
  int i;

  for (i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&seed);
}

guint64
ae_rng_next (AeRng * rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

double
ae_rng_uniform (AeRng * rng)
{
  /* 53 random bits into the mantissa. */
  return (ae_rng_next (rng) >> 11) * 0x1.0p-53;
}

double
ae_rng_range (AeRng * rng, double lo, double hi)
{
  return lo + (hi - lo) * ae_rng_uniform (rng);
}

guint64
ae_rng_below (AeRng * rng, guint64 n)
{
  /* Rejection keeps it unbiased; the loop runs once almost always. */
  guint64 limit = G_MAXUINT64 - G_MAXUINT64 % n;
  guint64 x;

  do
    x = ae_rng_next (rng);
  while (x >= limit);
  return x % n;
}

double
ae_rng_normal (AeRng * rng)
{
  double u1 = 1.0 - ae_rng_uniform (rng);       /* (0, 1]: log is finite */
  double u2 = ae_rng_uniform (rng);

  return sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2);
}

void
ae_rng_normal_pair (AeRng * rng, double *z0, double *z1)
{
  double u, v, s, f;

  do {
    u = 2.0 * ae_rng_uniform (rng) - 1.0;
    v = 2.0 * ae_rng_uniform (rng) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  f = sqrt (-2.0 * log (s) / s);
  *z0 = u * f;
  *z1 = v * f;
}

guint64
ae_rng_derive (guint64 seed, guint64 index)
{
  guint64 x = seed ^ (index * 0xd1b54a32d192ed03ull);

  splitmix64 (&x);
  return splitmix64 (&x);
}
