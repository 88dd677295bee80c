/* threadpool.h: a fixed set of worker threads for the big kernels.
 *
 * The caller creates a pool with N threads once (at setup, never in a hot
 * path) and hands it to kernels such as ae_conv2d_forward.  A kernel splits
 * its work into a number of tasks that depends only on the shape, never on
 * the thread count, and each output element belongs to exactly one task;
 * so results are bit-identical whatever N is.  The thread that calls
 * ae_threadpool_run works too, so a pool of N threads starts N - 1.
 *
 * Not here: work stealing, priorities, futures, or nested runs (a task must
 * not call ae_threadpool_run on its own pool).
 */
#ifndef AE_THREADPOOL_H
#define AE_THREADPOOL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct _AeThreadPool AeThreadPool;

/* One task.  @task is in [0, n_tasks); @thread is in [0, n_threads) and
 * names the thread running it, so a kernel can give each thread its own
 * slice of workspace.  Which thread runs which task is not fixed. */
typedef void (*AeTaskFunc) (int task, int thread, gpointer user_data);

/* A pool of @n_threads (>= 1) threads, the caller's included.
 * Returns: (transfer full): the pool, or NULL with @error set when a thread
 * could not be started. */
AeThreadPool *ae_threadpool_new (int n_threads, GError ** error);
/* Joins the workers.  NULL is allowed. */
void ae_threadpool_free (AeThreadPool * pool);

/* 1 for a NULL pool. */
int ae_threadpool_get_n_threads (const AeThreadPool * pool);

/* Runs @fn for every task in [0, n_tasks) and returns when all are done.
 * A NULL pool runs them inline, in order, as thread 0.  Only one thread may
 * call this on a given pool at a time. */
void ae_threadpool_run (AeThreadPool * pool, int n_tasks, AeTaskFunc fn,
    gpointer user_data);

G_END_DECLS
#endif /* AE_THREADPOOL_H */
