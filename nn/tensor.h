/* tensor.h: aligned float buffers and overflow-checked sizes.
 *
 * The core passes plain float pointers with their shapes spelled out in each
 * function's comment (llm.c style); this file only owns how such buffers are
 * allocated.  Every buffer is 64-byte aligned so vector loads never split a
 * cache line.  No reference counting, no views: a buffer belongs to the
 * struct that allocated it.
 */
#ifndef AE_TENSOR_H
#define AE_TENSOR_H

#include <glib.h>

G_BEGIN_DECLS

#define AE_ALIGNMENT 64

/* Hot loops get an x86-64-v3 (AVX2, FMA) clone chosen at load time by
 * ifunc, next to the baseline one. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define AE_TARGET_CLONES __attribute__((target_clones ("arch=x86-64-v3", "default")))
#else
#define AE_TARGET_CLONES
#endif

/* Zero-filled, 64-byte aligned room for @n_floats floats, or NULL if the
 * size overflows or memory is short.  Free with ae_free(). */
float *ae_alloc_floats (gsize n_floats);
void ae_free (gpointer p);

/* a * b (* c) into @out; FALSE on overflow.  For sizes read from files. */
gboolean ae_size_mul (gsize a, gsize b, gsize * out);
gboolean ae_size_mul3 (gsize a, gsize b, gsize c, gsize * out);

/* TRUE when every one of @n values is finite. */
gboolean ae_all_finite (const float *x, gsize n);

G_END_DECLS
#endif /* AE_TENSOR_H */
