/* threadpool.c: N - 1 workers plus the caller, handing out task indices
 * from an atomic counter.
 *
 * A run bumps a generation number under the mutex and wakes the workers;
 * each worker takes tasks until the counter passes n_tasks, then checks
 * in.  The run returns only once every worker has checked in, so no worker
 * can still be inside the previous run when the next one starts.
 */
#include "threadpool.h"

#include "ae.h"

struct _AeThreadPool
{
  int n_threads;
  GThread **workers;            /* n_threads - 1 */

  GMutex lock;
  GCond wake;                   /* workers wait here for a new generation */
  GCond done;                   /* the caller waits here for check-ins */
  guint generation;             /* under lock */
  int n_checked_in;             /* under lock */
  gboolean quit;                /* under lock */

  /* The current run; written under lock before the generation changes. */
  AeTaskFunc fn;
  gpointer user_data;
  int n_tasks;
  gint next_task;               /* atomic */
};

typedef struct
{
  AeThreadPool *pool;
  int thread;
} WorkerArgs;

static void
take_tasks (AeThreadPool * pool, int thread)
{
  int task;

  while ((task = g_atomic_int_add (&pool->next_task, 1)) < pool->n_tasks)
    pool->fn (task, thread, pool->user_data);
}

static gpointer
worker_main (gpointer data)
{
  WorkerArgs *args = data;
  AeThreadPool *pool = args->pool;
  int thread = args->thread;
  guint seen = 0;

  g_free (args);
  for (;;) {
    g_mutex_lock (&pool->lock);
    while (pool->generation == seen && !pool->quit)
      g_cond_wait (&pool->wake, &pool->lock);
    if (pool->quit) {
      g_mutex_unlock (&pool->lock);
      return NULL;
    }
    seen = pool->generation;
    g_mutex_unlock (&pool->lock);

    take_tasks (pool, thread);

    g_mutex_lock (&pool->lock);
    pool->n_checked_in++;
    g_cond_signal (&pool->done);
    g_mutex_unlock (&pool->lock);
  }
}

AeThreadPool *
ae_threadpool_new (int n_threads, GError ** error)
{
  AeThreadPool *pool;
  int i;

  g_return_val_if_fail (n_threads >= 1, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  pool = g_new0 (AeThreadPool, 1);
  pool->n_threads = n_threads;
  pool->workers = g_new0 (GThread *, n_threads);
  g_mutex_init (&pool->lock);
  g_cond_init (&pool->wake);
  g_cond_init (&pool->done);

  for (i = 1; i < n_threads; i++) {
    WorkerArgs *args = g_new (WorkerArgs, 1);
    GError *err = NULL;

    args->pool = pool;
    args->thread = i;
    pool->workers[i - 1] = g_thread_try_new ("ae-worker", worker_main, args,
        &err);
    if (pool->workers[i - 1] == NULL) {
      g_free (args);
      g_set_error (error, AE_ERROR, AE_ERROR_ARGUMENT,
          "could not start worker thread %d of %d: %s", i, n_threads,
          err->message);
      g_error_free (err);
      pool->n_threads = i;      /* join only those started */
      ae_threadpool_free (pool);
      return NULL;
    }
  }
  return pool;
}

void
ae_threadpool_free (AeThreadPool * pool)
{
  int i;

  if (pool == NULL)
    return;
  g_mutex_lock (&pool->lock);
  pool->quit = TRUE;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);
  for (i = 0; i < pool->n_threads - 1; i++)
    if (pool->workers[i])
      g_thread_join (pool->workers[i]);
  g_mutex_clear (&pool->lock);
  g_cond_clear (&pool->wake);
  g_cond_clear (&pool->done);
  g_free (pool->workers);
  g_free (pool);
}

int
ae_threadpool_get_n_threads (const AeThreadPool * pool)
{
  return pool ? pool->n_threads : 1;
}

void
ae_threadpool_run (AeThreadPool * pool, int n_tasks, AeTaskFunc fn,
    gpointer user_data)
{
  int i;

  if (n_tasks <= 0)
    return;
  if (pool == NULL || pool->n_threads == 1 || n_tasks == 1) {
    for (i = 0; i < n_tasks; i++)
      fn (i, 0, user_data);
    return;
  }

  g_mutex_lock (&pool->lock);
  pool->fn = fn;
  pool->user_data = user_data;
  pool->n_tasks = n_tasks;
  g_atomic_int_set (&pool->next_task, 0);
  pool->n_checked_in = 0;
  pool->generation++;
  g_cond_broadcast (&pool->wake);
  g_mutex_unlock (&pool->lock);

  take_tasks (pool, 0);

  g_mutex_lock (&pool->lock);
  while (pool->n_checked_in < pool->n_threads - 1)
    g_cond_wait (&pool->done, &pool->lock);
  g_mutex_unlock (&pool->lock);
}
