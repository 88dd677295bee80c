/* ops.h: residual add and channel concat/split, forward and backward.
 *
 * Concat and split take a tensor as (outer, C, inner): NCHW is outer = N,
 * inner = H W; channels-last rows (T, C) are outer = T, inner = 1.  For
 * channels-last, prefer writing straight into the slice of the wider buffer
 * (conv1d's out_ld), which costs no copy; these are for the rest.
 *
 * Not here: broadcasting, scaling, or more than two operands.
 */
#ifndef AE_OPS_H
#define AE_OPS_H

#include <glib.h>

G_BEGIN_DECLS

/* out (n) = a (n) + b (n).  out may equal a or b. */
void ae_add_forward (float *out, const float *a, const float *b, gsize n);
/* da (n) += dout; db (n) += dout; either may be NULL. */
void ae_add_backward (float *da, float *db, const float *dout, gsize n);

/* out (outer, C_a + C_b, inner) = [a (outer, C_a, inner),
 *                                  b (outer, C_b, inner)] along C. */
void ae_concat_forward (float *out, const float *a, const float *b,
    gsize outer, int c_a, int c_b, gsize inner);
/* da (outer, C_a, inner) += dout[:, :C_a]; db (outer, C_b, inner) +=
 * dout[:, C_a:]; either may be NULL. */
void ae_concat_backward (float *da, float *db, const float *dout,
    gsize outer, int c_a, int c_b, gsize inner);

/* a (outer, C_a, inner), b (outer, C_b, inner) = the two channel ranges of
 * in (outer, C_a + C_b, inner); either output may be NULL. */
void ae_split_forward (float *a, float *b, const float *in, gsize outer,
    int c_a, int c_b, gsize inner);
/* din (outer, C_a + C_b, inner) += [da, db]; a NULL part adds nothing. */
void ae_split_backward (float *din, const float *da, const float *db,
    gsize outer, int c_a, int c_b, gsize inner);

G_END_DECLS
#endif /* AE_OPS_H */
