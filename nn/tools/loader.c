/* loader.c: one producer thread, a ring of slots, one lock.
 *
 * Item i always goes to slot i mod n_slots, so the producer only ever
 * waits for that one slot to come back, and the consumer only ever waits
 * for that one slot to hold item i.  Everything shared is under the lock;
 * the fill itself runs unlocked.
 */
#include "loader.h"

#ifdef __linux__
#include <sys/resource.h>
#endif

#define SLOT_ALIGNMENT 64

typedef enum
{
  SLOT_FREE,
  SLOT_FILLING,
  SLOT_READY,
  SLOT_HELD,
} SlotState;

struct _AeLoader
{
  GMutex lock;
  GCond cond;                   /* any state change; waited on by both */
  GThread *thread;

  /* constant after _new */
  guint n_slots;
  gsize slot_bytes;
  gpointer *slots;
  AeLoaderFill fill;
  gpointer user_data;

  /* under lock */
  SlotState *state;
  guint64 *slot_index;          /* the item each READY or HELD slot holds */
  guint64 next_acquire;         /* the item the next acquire returns */
  gboolean stop;
};

static gpointer
loader_thread (gpointer user_data)
{
  AeLoader *loader = user_data;
  guint64 index;
  guint slot;

#ifdef __linux__
  /* The training step's thread pool uses every core and waits at a
   * barrier after each layer, so a loader that preempts one worker stalls
   * them all.  At the lowest priority it fills its slots in the step's
   * gaps instead; if it ever falls behind, the step waits for it and the
   * freed cores run it.  (On Linux, nice is per thread.) */
  setpriority (PRIO_PROCESS, 0, 19);
#endif
  g_mutex_lock (&loader->lock);
  index = loader->next_acquire;
  while (!loader->stop) {
    slot = (guint) (index % loader->n_slots);
    if (loader->state[slot] != SLOT_FREE) {
      g_cond_wait (&loader->cond, &loader->lock);
      continue;
    }
    loader->state[slot] = SLOT_FILLING;
    g_mutex_unlock (&loader->lock);

    loader->fill (loader->slots[slot], loader->slot_bytes, index,
        loader->user_data);

    g_mutex_lock (&loader->lock);
    loader->state[slot] = SLOT_READY;
    loader->slot_index[slot] = index;
    index++;
    g_cond_broadcast (&loader->cond);
  }
  g_mutex_unlock (&loader->lock);
  return NULL;
}

AeLoader *
ae_loader_new (guint n_slots, gsize slot_bytes, AeLoaderFill fill,
    gpointer user_data, guint64 first_index)
{
  AeLoader *loader;
  guint i;

  g_return_val_if_fail (n_slots >= 1, NULL);
  g_return_val_if_fail (fill != NULL, NULL);

  loader = g_new0 (AeLoader, 1);
  g_mutex_init (&loader->lock);
  g_cond_init (&loader->cond);
  loader->n_slots = n_slots;
  loader->slot_bytes = slot_bytes;
  loader->fill = fill;
  loader->user_data = user_data;
  loader->slots = g_new0 (gpointer, n_slots);
  loader->state = g_new0 (SlotState, n_slots);
  loader->slot_index = g_new0 (guint64, n_slots);
  loader->next_acquire = first_index;
  /* like g_malloc, aborts when memory is short */
  for (i = 0; i < n_slots; i++)
    loader->slots[i] = g_aligned_alloc0 (1, MAX (slot_bytes, 1),
        SLOT_ALIGNMENT);
  loader->thread = g_thread_new ("ae-loader", loader_thread, loader);
  return loader;
}

gpointer
ae_loader_acquire (AeLoader * loader)
{
  guint slot;
  gpointer p;

  g_return_val_if_fail (loader != NULL, NULL);

  g_mutex_lock (&loader->lock);
  slot = (guint) (loader->next_acquire % loader->n_slots);
  if (loader->state[slot] == SLOT_HELD) {
    guint64 held = loader->slot_index[slot];

    g_mutex_unlock (&loader->lock);
    g_critical ("ae_loader_acquire: item %" G_GUINT64_FORMAT " goes to the "
        "slot of item %" G_GUINT64_FORMAT ", which is still held; release "
        "it first", held + loader->n_slots, held);
    return NULL;
  }
  while (!(loader->state[slot] == SLOT_READY &&
          loader->slot_index[slot] == loader->next_acquire))
    g_cond_wait (&loader->cond, &loader->lock);
  loader->state[slot] = SLOT_HELD;
  loader->next_acquire++;
  p = loader->slots[slot];
  g_mutex_unlock (&loader->lock);
  return p;
}

guint64
ae_loader_get_last_index (AeLoader * loader)
{
  guint64 index;

  g_return_val_if_fail (loader != NULL, 0);

  g_mutex_lock (&loader->lock);
  index = loader->next_acquire - 1;
  g_mutex_unlock (&loader->lock);
  return index;
}

void
ae_loader_release (AeLoader * loader, gpointer slot)
{
  guint i;

  g_return_if_fail (loader != NULL);

  g_mutex_lock (&loader->lock);
  for (i = 0; i < loader->n_slots; i++) {
    if (loader->slots[i] == slot)
      break;
  }
  if (i == loader->n_slots || loader->state[i] != SLOT_HELD) {
    g_mutex_unlock (&loader->lock);
    g_critical ("ae_loader_release: %p is not a held slot of this loader",
        slot);
    return;
  }
  loader->state[i] = SLOT_FREE;
  g_cond_broadcast (&loader->cond);
  g_mutex_unlock (&loader->lock);
}

void
ae_loader_free (AeLoader * loader)
{
  guint i;

  if (loader == NULL)
    return;

  g_mutex_lock (&loader->lock);
  loader->stop = TRUE;
  g_cond_broadcast (&loader->cond);
  g_mutex_unlock (&loader->lock);
  g_thread_join (loader->thread);

  for (i = 0; i < loader->n_slots; i++)
    g_aligned_free (loader->slots[i]);
  g_free (loader->slots);
  g_free (loader->state);
  g_free (loader->slot_index);
  g_cond_clear (&loader->cond);
  g_mutex_clear (&loader->lock);
  g_free (loader);
}
