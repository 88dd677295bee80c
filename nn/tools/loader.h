/* loader.h: a background thread that fills numbered slots ahead of use.
 *
 * ae-train prepares batches i + 1 .. i + n_slots - 1 while it trains on
 * batch i.  One producer thread calls fill (slot, index) for index = first_index,
 * first_index + 1, ... in order, each into a free slot; the consumer gets
 * them back in the same order.  A slot's content must depend only on its
 * index (derive every seed from it), so a run is reproducible whatever the
 * timing, and a resumed run can start again at any index.
 *
 * Not here: what a slot holds (the fill callback decides), several
 * producer threads.
 */
#ifndef AE_LOADER_H
#define AE_LOADER_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _AeLoader AeLoader;

/* Fills @slot (@slot_bytes, 64-byte aligned) with item @index.  Runs on
 * the loader's thread, so it may only read data that nothing writes while
 * the loader lives. */
typedef void (*AeLoaderFill) (gpointer slot, gsize slot_bytes,
    guint64 index, gpointer user_data);

/* Starts the thread, which begins filling at once.  @n_slots >= 1 (2 is
 * double buffering; more absorbs jitter).  Returns: (transfer full): free
 * with ae_loader_free(). */
AeLoader *ae_loader_new (guint n_slots, gsize slot_bytes, AeLoaderFill fill,
    gpointer user_data, guint64 first_index);

/* The next item, in index order: the k-th call (from 0) returns item
 * first_index + k, blocking until it is filled.  The slot belongs to the
 * caller until ae_loader_release().  Item i and item i + n_slots share a
 * slot, so acquiring item i + n_slots while item i is still held is a
 * programmer error (critical, NULL): it would wait forever. */
gpointer ae_loader_acquire (AeLoader * loader);

/* The index of the item last returned by ae_loader_acquire(). */
guint64 ae_loader_get_last_index (AeLoader * loader);

/* Gives @slot back for refilling.  Slots may be released in any order. */
void ae_loader_release (AeLoader * loader, gpointer slot);

/* Stops the thread (after the fill it is running, if any, returns) and
 * frees every slot, including ones still held.  NULL is allowed. */
void ae_loader_free (AeLoader * loader);

G_END_DECLS
#endif /* AE_LOADER_H */
