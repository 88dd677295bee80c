/* test-denseae.c: the fully connected autoencoders of denseae.h.
 *
 *   - whole-model gradients (parameters and input) against central finite
 *     differences in double, for every kind and every loss, with smooth
 *     activations (the variational one with one fixed noise draw);
 *   - a small autoencoder trained with SGD on 8-dim data lying on a 2-dim
 *     manifold cuts its loss at least tenfold;
 *   - save and load give the same bits and the same outputs;
 *   - the loader refuses a wrong shape, an extra tensor and another arch,
 *     naming what is wrong.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ae.h"
#include "denseae.h"
#include "optim.h"
#include "safetensors.h"
#include "tensor.h"

#define ROWS 4

static void
random_fill (float *x, gsize n, double lo, double hi)
{
  gsize i;

  for (i = 0; i < n; i++)
    x[i] = (float) g_test_rand_double_range (lo, hi);
}

static AeDenseAeConfig
small_config (AeDenseAeKind kind, int n_hidden, AeAct code_act, AeAct out)
{
  AeDenseAeConfig c = { 0 };

  c.kind = kind;
  c.n_in = 6;
  c.n_hidden = n_hidden;
  c.hidden[0] = 5;
  c.hidden[1] = 4;
  c.code = 3;
  c.hidden_act = AE_ACT_TANH;
  c.code_act = code_act;
  c.out_act = out;
  return c;
}

typedef struct
{
  AeDenseAe *ae;
  AeDenseAeWork *w;
  const AeDenseAeLoss *loss;
  const float *in, *eps, *target;
} Problem;

static double
eval_loss (const Problem * p, const float *in)
{
  ae_dense_ae_forward (p->ae, p->w, in, p->eps, ROWS);
  return ae_dense_ae_loss (p->ae, p->w, p->loss, p->target, ROWS, NULL);
}

static gboolean
close_enough (double fd, double an)
{
  return fabs (fd - an) <= 2e-2 * MAX (fabs (fd), fabs (an)) + 3e-4;
}

/* Directional derivatives along random unit directions, then single
 * elements, for parameters and the input. */
static void
check_gradients (const char *what, AeDenseAe * ae, const AeDenseAeLoss * loss,
    float *in, const float *eps, const float *target)
{
  AeDenseAeWork w;
  Problem p = { ae, &w, loss, in, eps, target };
  gsize n = ae->n_params, n_in = (gsize) ROWS * ae->config.n_in, i;
  float *grads = ae_alloc_floats (n), *din = ae_alloc_floats (n_in);
  float *saved = ae_alloc_floats (n), *dir = ae_alloc_floats (n);
  float *in2 = ae_alloc_floats (n_in);
  const double h = 1e-3;
  int trial;

  g_assert_true (ae_dense_ae_work_init (&w, &ae->config, ROWS, NULL));
  eval_loss (&p, in);
  ae_dense_ae_backward (ae, &w, loss, grads, din, in, eps, target, ROWS);
  memcpy (saved, ae->params, n * sizeof (float));

  for (trial = 0; trial < 3; trial++) {
    double norm = 0.0, an = 0.0, lp, lm, fd;

    random_fill (dir, n, -1.0, 1.0);
    for (i = 0; i < n; i++)
      norm += (double) dir[i] * dir[i];
    norm = sqrt (norm);
    for (i = 0; i < n; i++) {
      dir[i] /= norm;
      an += (double) dir[i] * grads[i];
    }
    for (i = 0; i < n; i++)
      ae->params[i] = saved[i] + (float) h *dir[i];
    lp = eval_loss (&p, in);
    for (i = 0; i < n; i++)
      ae->params[i] = saved[i] - (float) h *dir[i];
    lm = eval_loss (&p, in);
    memcpy (ae->params, saved, n * sizeof (float));
    fd = (lp - lm) / (2 * h);
    if (!close_enough (fd, an))
      g_error ("%s: parameter direction %d: finite difference %.6g, "
          "backward %.6g", what, trial, fd, an);
  }
  for (trial = 0; trial < 24; trial++) {
    gsize k = (gsize) g_test_rand_int_range (0, (gint32) n);
    double lp, lm, fd;

    ae->params[k] = saved[k] + (float) h;
    lp = eval_loss (&p, in);
    ae->params[k] = saved[k] - (float) h;
    lm = eval_loss (&p, in);
    ae->params[k] = saved[k];
    fd = (lp - lm) / (2 * h);
    if (!close_enough (fd, grads[k]))
      g_error ("%s: parameter %" G_GSIZE_FORMAT ": finite difference %.6g, "
          "backward %.6g", what, k, fd, grads[k]);
  }
  for (i = 0; i < n_in; i++) {
    double lp, lm, fd;

    memcpy (in2, in, n_in * sizeof (float));
    in2[i] = in[i] + (float) h;
    lp = eval_loss (&p, in2);
    in2[i] = in[i] - (float) h;
    lm = eval_loss (&p, in2);
    fd = (lp - lm) / (2 * h);
    if (!close_enough (fd, din[i]))
      g_error ("%s: input %" G_GSIZE_FORMAT ": finite difference %.6g, "
          "backward %.6g", what, i, fd, din[i]);
  }
  ae_dense_ae_work_clear (&w);
  ae_free (grads);
  ae_free (din);
  ae_free (saved);
  ae_free (dir);
  ae_free (in2);
}

typedef struct
{
  const char *name;
  AeDenseAeKind kind;
  int n_hidden;
  AeAct code_act;
  AeSparsityKind sparsity;
} Case;

static void
test_gradients (void)
{
  static const Case cases[] = {
    {"basic", AE_DENSE_AE_BASIC, 1, AE_ACT_TANH, 0},
    {"basic-deep", AE_DENSE_AE_BASIC, 2, AE_ACT_NONE, 0},
    {"denoising", AE_DENSE_AE_DENOISING, 1, AE_ACT_TANH, 0},
    {"sparse-l1", AE_DENSE_AE_SPARSE, 1, AE_ACT_TANH, AE_SPARSITY_L1},
    {"sparse-kl", AE_DENSE_AE_SPARSE, 1, AE_ACT_SIGMOID, AE_SPARSITY_KL},
    {"contractive", AE_DENSE_AE_CONTRACTIVE, 1, AE_ACT_NONE, 0},
    {"contractive-1layer", AE_DENSE_AE_CONTRACTIVE, 0, AE_ACT_SIGMOID, 0},
    {"variational", AE_DENSE_AE_VARIATIONAL, 1, AE_ACT_NONE, 0},
    {"variational-0hidden", AE_DENSE_AE_VARIATIONAL, 0, AE_ACT_NONE, 0},
  };
  static const AeReconLoss losses[] = { AE_RECON_MSE, AE_RECON_BCE,
    AE_RECON_L1
  };
  guint ci, li, out;

  for (ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    for (li = 0; li < G_N_ELEMENTS (losses); li++)
      for (out = 0; out < 2; out++) {
        const Case *k = &cases[ci];
        AeAct out_act = out ? AE_ACT_NONE : AE_ACT_SIGMOID;
        AeDenseAeConfig c = small_config (k->kind, k->n_hidden, k->code_act,
            out_act);
        AeDenseAeLoss loss = { 0 };
        AeDenseAe ae;
        AeDenseAeWork w;
        AeRng rng;
        float in[ROWS * 6], clean[ROWS * 6], target[ROWS * 6], eps[ROWS * 3];
        char *what;
        int tries, i;

        if (losses[li] == AE_RECON_BCE && out_act != AE_ACT_SIGMOID)
          continue;
        loss.recon = losses[li];
        loss.sparsity = k->sparsity;
        loss.sparsity_weight = 0.3f;
        loss.sparsity_rho = 0.2f;
        loss.contractive_weight = 0.5f;
        loss.kl_weight = 0.7f;
        g_assert_true (ae_dense_ae_loss_check (&c, &loss, NULL));
        g_assert_true (ae_dense_ae_init (&ae, &c, NULL));
        ae_rng_init (&rng, g_test_rand_int ());
        ae_dense_ae_init_weights (&ae, &rng);
        /* Non-zero biases exercise their gradients too. */
        random_fill (ae.p.dec_b[c.n_hidden], c.n_in, -0.3, 0.3);
        random_fill (ae.p.enc_b[0], c.n_hidden ? c.hidden[0] : c.code,
            -0.3, 0.3);
        if (ae.p.logvar_b)
          random_fill (ae.p.logvar_b, c.code, -0.5, 0.5);
        ae_dense_ae_draw_normal (&rng, eps, G_N_ELEMENTS (eps));
        g_assert_true (ae_dense_ae_work_init (&w, &c, ROWS, NULL));

        /* Redraw until no L1 kink (|y - t| or |code| near 0) is within
         * reach of the finite difference step. */
        for (tries = 0; tries < 200; tries++) {
          gboolean kink = FALSE;

          random_fill (clean, G_N_ELEMENTS (clean), 0.0, 1.0);
          if (k->kind == AE_DENSE_AE_DENOISING)
            ae_dense_ae_corrupt (AE_CORRUPT_GAUSSIAN, 0.2f, &rng, in, clean,
                G_N_ELEMENTS (in));
          else
            memcpy (in, clean, sizeof (in));
          ae_dense_ae_forward (&ae, &w, in, eps, ROWS);
          for (i = 0; i < ROWS * 6; i++) {
            target[i] = clean[i];
            if (loss.recon == AE_RECON_L1 && fabsf (w.out[i] - target[i]) <
                0.02f)
              kink = TRUE;
          }
          for (i = 0; loss.sparsity == AE_SPARSITY_L1 && i < ROWS * 3; i++)
            if (k->kind == AE_DENSE_AE_SPARSE && fabsf (w.code[i]) < 0.02f)
              kink = TRUE;
          if (!kink)
            break;
        }
        g_assert_cmpint (tries, <, 200);

        what = g_strdup_printf ("%s/%s/%s", k->name,
            ae_recon_loss_to_string (loss.recon),
            ae_act_to_string (out_act));
        check_gradients (what, &ae, &loss, in,
            k->kind == AE_DENSE_AE_VARIATIONAL ? eps : NULL, target);
        g_free (what);
        ae_dense_ae_work_clear (&w);
        ae_dense_ae_clear (&ae);
      }
}

/* The penalties are what their definitions say, on a case small enough
 * to write out: one sigmoid layer, contraction sum_j (h_j (1 - h_j))^2
 * ||W_j||^2. */
static void
test_contractive_value (void)
{
  AeDenseAeConfig c = small_config (AE_DENSE_AE_CONTRACTIVE, 0,
      AE_ACT_SIGMOID, AE_ACT_NONE);
  AeDenseAeLoss loss = { 0 };
  AeDenseAeLossParts parts;
  AeDenseAe ae;
  AeDenseAeWork w;
  AeRng rng;
  float in[ROWS * 6], target[ROWS * 6] = { 0 };
  double want = 0.0;
  int b, j, k;

  loss.contractive_weight = 1.0f;
  g_assert_true (ae_dense_ae_init (&ae, &c, NULL));
  ae_rng_init (&rng, g_test_rand_int ());
  ae_dense_ae_init_weights (&ae, &rng);
  g_assert_true (ae_dense_ae_work_init (&w, &c, ROWS, NULL));
  random_fill (in, G_N_ELEMENTS (in), -1, 1);
  ae_dense_ae_forward (&ae, &w, in, NULL, ROWS);
  ae_dense_ae_loss (&ae, &w, &loss, target, ROWS, &parts);
  for (b = 0; b < ROWS; b++)
    for (j = 0; j < c.code; j++) {
      double z = ae.p.enc_b[0][j], h, norm = 0.0;
      for (k = 0; k < c.n_in; k++) {
        z += (double) in[b * c.n_in + k] * ae.p.enc_w[0][k * c.code + j];
        norm += (double) ae.p.enc_w[0][k * c.code + j] *
            ae.p.enc_w[0][k * c.code + j];
      }
      h = 1.0 / (1.0 + exp (-z));
      want += h * (1 - h) * h * (1 - h) * norm;
    }
  want /= ROWS;
  g_assert_cmpfloat_with_epsilon (parts.penalty, want, 1e-5 * want + 1e-9);
  ae_dense_ae_work_clear (&w);
  ae_dense_ae_clear (&ae);
}

/* 8-dim points x = 0.5 tanh (A [u, v]) on a 2-dim manifold. */
static void
manifold_batch (float *x, int rows, const float *a, AeRng * rng)
{
  int r, k;

  for (r = 0; r < rows; r++) {
    double u = ae_rng_range (rng, -1, 1), v = ae_rng_range (rng, -1, 1);
    for (k = 0; k < 8; k++)
      x[r * 8 + k] = (float) (0.5 * tanh (a[2 * k] * u + a[2 * k + 1] * v));
  }
}

static void
test_train_manifold (void)
{
  AeDenseAeConfig c = { 0 };
  AeDenseAeLoss loss = { 0 };
  AeOptimConfig oc = { AE_OPTIM_SGD, 0.9f, 0.999f, 1e-8f, 0.0f, 0.0f };
  AeOptimizer opt;
  AeDenseAe ae;
  AeDenseAeWork w, we;
  AeRng rng;
  float a[16], *grads, x[32 * 8], xe[256 * 8];
  double before, after;
  guint64 seed = g_test_rand_int ();
  int step;

  c.kind = AE_DENSE_AE_BASIC;
  c.n_in = 8;
  c.n_hidden = 1;
  c.hidden[0] = 16;
  c.code = 2;
  c.hidden_act = AE_ACT_TANH;
  c.code_act = AE_ACT_NONE;
  c.out_act = AE_ACT_NONE;
  loss.recon = AE_RECON_MSE;
  ae_rng_init (&rng, seed);
  for (step = 0; step < 16; step++)
    a[step] = (float) ae_rng_range (&rng, -1.5, 1.5);
  g_assert_true (ae_dense_ae_init (&ae, &c, NULL));
  ae_dense_ae_init_weights (&ae, &rng);
  g_assert_true (ae_dense_ae_work_init (&w, &c, 32, NULL));
  g_assert_true (ae_dense_ae_work_init (&we, &c, 256, NULL));
  g_assert_true (ae_optimizer_init (&opt, &oc, ae.n_params));
  grads = ae_alloc_floats (ae.n_params);
  manifold_batch (xe, 256, a, &rng);
  ae_dense_ae_forward (&ae, &we, xe, NULL, 256);
  before = ae_dense_ae_loss (&ae, &we, &loss, xe, 256, NULL);
  for (step = 0; step < 3000; step++) {
    manifold_batch (x, 32, a, &rng);
    memset (grads, 0, ae.n_params * sizeof (float));
    ae_dense_ae_forward (&ae, &w, x, NULL, 32);
    ae_dense_ae_backward (&ae, &w, &loss, grads, NULL, x, NULL, x, 32);
    ae_optimizer_step (&opt, ae.params, grads, 0.05f);
  }
  ae_dense_ae_forward (&ae, &we, xe, NULL, 256);
  after = ae_dense_ae_loss (&ae, &we, &loss, xe, 256, NULL);
  if (!(after * 10.0 <= before))
    g_error ("seed %" G_GUINT64_FORMAT ": loss %.5f -> %.5f, less than "
        "tenfold", seed, before, after);
  ae_optimizer_clear (&opt);
  ae_free (grads);
  ae_dense_ae_work_clear (&w);
  ae_dense_ae_work_clear (&we);
  ae_dense_ae_clear (&ae);
}

static char *
temp_path (const char *name)
{
  char *dir = g_dir_make_tmp ("test-denseae-XXXXXX", NULL);
  char *path;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, name, NULL);
  g_free (dir);
  return path;
}

static void
remove_temp (char *path)
{
  char *dir = g_path_get_dirname (path);

  g_unlink (path);
  g_rmdir (dir);
  g_free (dir);
  g_free (path);
}

static void
test_save_load (void)
{
  AeDenseAeConfig c = small_config (AE_DENSE_AE_VARIATIONAL, 2, AE_ACT_NONE,
      AE_ACT_SIGMOID);
  AeDenseAe ae, back;
  AeDenseAeWork w1, w2;
  AeSafetensorsWriter *wr;
  AeSafetensors *st;
  AeRng rng;
  GError *error = NULL;
  float in[ROWS * 6];
  char *path = temp_path ("vae.safetensors");

  g_assert_true (ae_dense_ae_init (&ae, &c, NULL));
  ae_rng_init (&rng, g_test_rand_int ());
  ae_dense_ae_init_weights (&ae, &rng);
  random_fill (ae.p.logvar_b, c.code, -1, 1);
  wr = ae_dense_ae_writer_new (&ae, "image");
  ae_safetensors_writer_add_metadata (wr, "ae.patch", "16");
  g_assert_true (ae_safetensors_writer_write_file (wr, path, &error));
  g_assert_no_error (error);
  ae_safetensors_writer_free (wr);

  st = ae_safetensors_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.arch"), ==,
      "dense-ae-v1");
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.modality"), ==,
      "image");
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.kind"), ==,
      "variational");
  g_assert_cmpstr (ae_safetensors_get_metadata (st, "ae.dims"), ==,
      "6,5,4,3");
  g_assert_true (ae_dense_ae_init_from_safetensors (&back, st, &error));
  g_assert_no_error (error);
  ae_safetensors_free (st);
  g_assert_cmpuint (back.n_params, ==, ae.n_params);
  g_assert_cmpmem (back.params, back.n_params * sizeof (float), ae.params,
      ae.n_params * sizeof (float));

  g_assert_true (ae_dense_ae_work_init (&w1, &c, ROWS, NULL));
  g_assert_true (ae_dense_ae_work_init (&w2, &c, ROWS, NULL));
  random_fill (in, G_N_ELEMENTS (in), 0, 1);
  ae_dense_ae_forward (&ae, &w1, in, NULL, ROWS);
  ae_dense_ae_forward (&back, &w2, in, NULL, ROWS);
  g_assert_cmpmem (w1.out, ROWS * 6 * sizeof (float), w2.out,
      ROWS * 6 * sizeof (float));
  ae_dense_ae_work_clear (&w1);
  ae_dense_ae_work_clear (&w2);
  ae_dense_ae_clear (&back);
  ae_dense_ae_clear (&ae);
  remove_temp (path);
}

/* Writes @ae's tensors (a basic, one hidden layer model) under metadata of
 * our choosing, plus an optional extra tensor. */
static GBytes *
custom_file (const AeDenseAe * ae, const char *arch, const char *dims,
    gboolean extra)
{
  const AeDenseAeConfig *c = &ae->config;
  AeSafetensorsWriter *wr = ae_safetensors_writer_new ();
  gint64 s[2];
  GBytes *bytes;
  float zero = 0.0f;

  ae_safetensors_writer_add_metadata (wr, "ae.arch", arch);
  ae_safetensors_writer_add_metadata (wr, "ae.modality", "image");
  ae_safetensors_writer_add_metadata (wr, "ae.kind", "basic");
  ae_safetensors_writer_add_metadata (wr, "ae.dims", dims);
  ae_safetensors_writer_add_metadata (wr, "ae.hidden_act", "tanh");
  ae_safetensors_writer_add_metadata (wr, "ae.code_act", "tanh");
  ae_safetensors_writer_add_metadata (wr, "ae.out_act", "sigmoid");
#define ADD(name, ptr, a, b) \
  s[0] = a; s[1] = b; \
  ae_safetensors_writer_add_f32 (wr, name ".weight", 2, s, ptr##_w); \
  ae_safetensors_writer_add_f32 (wr, name ".bias", 1, s + 1, ptr##_b)
  {
    const float *e0_w = ae->p.enc_w[0], *e0_b = ae->p.enc_b[0];
    const float *e1_w = ae->p.enc_w[1], *e1_b = ae->p.enc_b[1];
    const float *d0_w = ae->p.dec_w[0], *d0_b = ae->p.dec_b[0];
    const float *d1_w = ae->p.dec_w[1], *d1_b = ae->p.dec_b[1];
    ADD ("enc.0", e0, c->n_in, c->hidden[0]);
    ADD ("enc.1", e1, c->hidden[0], c->code);
    ADD ("dec.0", d0, c->code, c->hidden[0]);
    ADD ("dec.1", d1, c->hidden[0], c->n_in);
  }
#undef ADD
  if (extra) {
    s[0] = 1;
    ae_safetensors_writer_add_f32 (wr, "extra", 1, s, &zero);
  }
  bytes = ae_safetensors_writer_to_bytes (wr, NULL);
  ae_safetensors_writer_free (wr);
  g_assert_nonnull (bytes);
  return bytes;
}

static void
expect_refusal (GBytes * bytes, int code, const char *needle)
{
  AeSafetensors *st = ae_safetensors_new_from_bytes (bytes, "t", NULL);
  AeDenseAe ae;
  GError *error = NULL;

  g_assert_nonnull (st);
  g_assert_false (ae_dense_ae_init_from_safetensors (&ae, st, &error));
  g_assert_error (error, AE_ERROR, code);
  if (!strstr (error->message, needle))
    g_error ("message \"%s\" does not name \"%s\"", error->message, needle);
  g_assert_null (ae.params);
  g_error_free (error);
  ae_safetensors_free (st);
  g_bytes_unref (bytes);
}

static void
test_refusals (void)
{
  AeDenseAeConfig c = small_config (AE_DENSE_AE_BASIC, 1, AE_ACT_TANH,
      AE_ACT_SIGMOID);
  AeDenseAe ae, back;
  AeSafetensors *st;
  AeRng rng;
  GBytes *bytes;

  g_assert_true (ae_dense_ae_init (&ae, &c, NULL));
  ae_rng_init (&rng, g_test_rand_int ());
  ae_dense_ae_init_weights (&ae, &rng);

  /* The control: the same helper with the true metadata loads. */
  bytes = custom_file (&ae, "dense-ae-v1", "6,5,3", FALSE);
  st = ae_safetensors_new_from_bytes (bytes, "t", NULL);
  g_assert_true (ae_dense_ae_init_from_safetensors (&back, st, NULL));
  ae_dense_ae_clear (&back);
  ae_safetensors_free (st);
  g_bytes_unref (bytes);

  /* dims claim a code of 4: enc.1.weight is (5, 3) in the file. */
  expect_refusal (custom_file (&ae, "dense-ae-v1", "6,5,4", FALSE),
      AE_ERROR_SHAPE, "enc.1.weight");
  /* dims claim no hidden layer: enc.0.weight is (6, 5), not (6, 3). */
  expect_refusal (custom_file (&ae, "dense-ae-v1", "6,3", FALSE),
      AE_ERROR_SHAPE, "enc.0.weight");
  expect_refusal (custom_file (&ae, "dense-ae-v1", "6,5,3", TRUE),
      AE_ERROR_SHAPE, "tensors");
  expect_refusal (custom_file (&ae, "dense-ae-v2", "6,5,3", FALSE),
      AE_ERROR_ARCH, "dense-ae-v2");
  expect_refusal (custom_file (&ae, "dense-ae-v1", "6,5,0", FALSE),
      AE_ERROR_ARCH, "ae.dims");
  ae_dense_ae_clear (&ae);
}

static void
test_config_refusals (void)
{
  AeDenseAeConfig c = small_config (AE_DENSE_AE_CONTRACTIVE, 1, AE_ACT_NONE,
      AE_ACT_NONE);
  AeDenseAeLoss loss = { 0 };
  GError *error = NULL;

  c.hidden_act = AE_ACT_RELU;
  g_assert_false (ae_dense_ae_config_check (&c, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARCH);
  g_clear_error (&error);

  c = small_config (AE_DENSE_AE_VARIATIONAL, 1, AE_ACT_TANH, AE_ACT_NONE);
  g_assert_false (ae_dense_ae_config_check (&c, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARCH);
  g_clear_error (&error);

  c = small_config (AE_DENSE_AE_BASIC, 1, AE_ACT_NONE, AE_ACT_NONE);
  loss.recon = AE_RECON_BCE;
  g_assert_false (ae_dense_ae_loss_check (&c, &loss, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARGUMENT);
  g_clear_error (&error);

  c = small_config (AE_DENSE_AE_SPARSE, 1, AE_ACT_TANH, AE_ACT_NONE);
  loss.recon = AE_RECON_MSE;
  loss.sparsity = AE_SPARSITY_KL;
  loss.sparsity_rho = 0.05f;
  g_assert_false (ae_dense_ae_loss_check (&c, &loss, &error));
  g_assert_error (error, AE_ERROR, AE_ERROR_ARGUMENT);
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/denseae/gradients", test_gradients);
  g_test_add_func ("/denseae/contractive-value", test_contractive_value);
  g_test_add_func ("/denseae/train-manifold", test_train_manifold);
  g_test_add_func ("/denseae/save-load", test_save_load);
  g_test_add_func ("/denseae/refusals", test_refusals);
  g_test_add_func ("/denseae/config-refusals", test_config_refusals);
  return g_test_run ();
}
