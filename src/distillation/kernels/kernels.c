/*
 * kdbench's CPU kernels for training and running the transformer classifier: WebAssembly with
 * 128-bit SIMD, float32 throughout (the same arithmetic as TensorFlow.js's float32 kernels, in
 * another summation order). Built by build.sh with Debian's clang 14 and wasm-ld into
 * wasm-binary.ts; the module imports a shared memory so that a worker thread can run the same
 * kernels on other rows of the same buffers. No libc, no static data, no stack arrays: every buffer
 * is allocated by the caller (TypeScript) in the shared memory.
 *
 * Matrices are row-major float32. gemm reads A through two strides, so A or its transpose is read
 * in place; B is read row by row (contiguous columns), so a transposed B is first copied with
 * transpose().
 */
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

typedef v128_t f4;

INLINE f4 ld4(const float *p) { return wasm_v128_load(p); }
INLINE void st4(float *p, f4 v) { wasm_v128_store(p, v); }
INLINE f4 splat(float x) { return wasm_f32x4_splat(x); }
INLINE f4 bcast(const float *p) { return wasm_v128_load32_splat(p); }
INLINE f4 add(f4 a, f4 b) { return wasm_f32x4_add(a, b); }
INLINE f4 sub(f4 a, f4 b) { return wasm_f32x4_sub(a, b); }
INLINE f4 mul(f4 a, f4 b) { return wasm_f32x4_mul(a, b); }
INLINE f4 madd(f4 c, f4 a, f4 b) { return wasm_f32x4_add(c, wasm_f32x4_mul(a, b)); }
INLINE float hsum(f4 v) {
  return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
         (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

/* ---------------------------------------------------------------------------------------------
 * C[i,j] = R[i,j] + (bias[j] + sum_k A(i,k) B[k,j]), with A(i,k) = A[i*sai + k*sak],
 * B row-major with row stride ldb, C and R with row strides ldc and ldr. bias and R may be null
 * (then 0); R may equal C (accumulate).
 * Register tiles of 4 rows x 8 columns (8 accumulators), then 4 columns, then single columns.
 * ------------------------------------------------------------------------------------------- */

INLINE void tile4x8(int K, const float *A, int sai, int sak, const float *B, int ldb, float *C, int ldc, const float *bias,
                    const float *R, int ldr) {
  f4 z0 = bias ? ld4(bias) : splat(0.f), z1 = bias ? ld4(bias + 4) : splat(0.f);
  f4 c00 = z0, c01 = z1, c10 = z0, c11 = z1, c20 = z0, c21 = z1, c30 = z0, c31 = z1;
  const float *a0 = A, *a1 = A + sai, *a2 = A + 2 * sai, *a3 = A + 3 * sai;
  for (int k = 0; k < K; k++) {
    f4 b0 = ld4(B), b1 = ld4(B + 4);
    B += ldb;
    f4 x = bcast(a0);
    c00 = madd(c00, x, b0);
    c01 = madd(c01, x, b1);
    x = bcast(a1);
    c10 = madd(c10, x, b0);
    c11 = madd(c11, x, b1);
    x = bcast(a2);
    c20 = madd(c20, x, b0);
    c21 = madd(c21, x, b1);
    x = bcast(a3);
    c30 = madd(c30, x, b0);
    c31 = madd(c31, x, b1);
    a0 += sak;
    a1 += sak;
    a2 += sak;
    a3 += sak;
  }
  if (R) {
    c00 = add(ld4(R), c00);
    c01 = add(ld4(R + 4), c01);
    c10 = add(ld4(R + ldr), c10);
    c11 = add(ld4(R + ldr + 4), c11);
    c20 = add(ld4(R + 2 * ldr), c20);
    c21 = add(ld4(R + 2 * ldr + 4), c21);
    c30 = add(ld4(R + 3 * ldr), c30);
    c31 = add(ld4(R + 3 * ldr + 4), c31);
  }
  st4(C, c00);
  st4(C + 4, c01);
  st4(C + ldc, c10);
  st4(C + ldc + 4, c11);
  st4(C + 2 * ldc, c20);
  st4(C + 2 * ldc + 4, c21);
  st4(C + 3 * ldc, c30);
  st4(C + 3 * ldc + 4, c31);
}

INLINE void tile1x8(int K, const float *A, int sak, const float *B, int ldb, float *C, const float *bias, const float *R) {
  f4 c0 = bias ? ld4(bias) : splat(0.f), c1 = bias ? ld4(bias + 4) : splat(0.f);
  for (int k = 0; k < K; k++) {
    f4 x = bcast(A);
    c0 = madd(c0, x, ld4(B));
    c1 = madd(c1, x, ld4(B + 4));
    A += sak;
    B += ldb;
  }
  if (R) {
    c0 = add(ld4(R), c0);
    c1 = add(ld4(R + 4), c1);
  }
  st4(C, c0);
  st4(C + 4, c1);
}

INLINE void tile1x4(int K, const float *A, int sak, const float *B, int ldb, float *C, const float *bias, const float *R) {
  f4 c0 = bias ? ld4(bias) : splat(0.f);
  for (int k = 0; k < K; k++) {
    c0 = madd(c0, bcast(A), ld4(B));
    A += sak;
    B += ldb;
  }
  if (R) c0 = add(ld4(R), c0);
  st4(C, c0);
}

INLINE void tile1x1(int K, const float *A, int sak, const float *B, int ldb, float *C, const float *bias, const float *R) {
  float c = bias ? *bias : 0.f;
  for (int k = 0; k < K; k++) {
    c += *A * *B;
    A += sak;
    B += ldb;
  }
  *C = R ? *R + c : c;
}

EXPORT(gemm)
void gemm(int M, int N, int K, const float *A, int sai, int sak, const float *B, int ldb, float *C, int ldc, const float *bias,
          const float *R, int ldr) {
  int j = 0;
  for (; j + 8 <= N; j += 8) {
    const float *bj = bias ? bias + j : 0;
    int i = 0;
    for (; i + 4 <= M; i += 4)
      tile4x8(K, A + i * sai, sai, sak, B + j, ldb, C + i * ldc + j, ldc, bj, R ? R + i * ldr + j : 0, ldr);
    for (; i < M; i++) tile1x8(K, A + i * sai, sak, B + j, ldb, C + i * ldc + j, bj, R ? R + i * ldr + j : 0);
  }
  for (; j + 4 <= N; j += 4)
    for (int i = 0; i < M; i++)
      tile1x4(K, A + i * sai, sak, B + j, ldb, C + i * ldc + j, bias ? bias + j : 0, R ? R + i * ldr + j : 0);
  for (; j < N; j++)
    for (int i = 0; i < M; i++)
      tile1x1(K, A + i * sai, sak, B + j, ldb, C + i * ldc + j, bias ? bias + j : 0, R ? R + i * ldr + j : 0);
}

/* dst[j*ldd + i] = src[i*lds + j] for i < rows, j < cols. */
EXPORT(transpose)
void transpose(int rows, int cols, const float *src, int lds, float *dst, int ldd) {
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) dst[j * ldd + i] = src[i * lds + j];
}

/* out[j] = sum_t X[t*ldx + j] for j < N (column sums: a bias gradient). */
EXPORT(colsum)
void colsum(int T, int N, const float *X, int ldx, float *out) {
  int j = 0;
  for (; j + 4 <= N; j += 4) {
    f4 s = splat(0.f);
    for (int t = 0; t < T; t++) s = add(s, ld4(X + t * ldx + j));
    st4(out + j, s);
  }
  for (; j < N; j++) {
    float s = 0.f;
    for (int t = 0; t < T; t++) s += X[t * ldx + j];
    out[j] = s;
  }
}

/* dst[i] += src[i] (summing the weight gradients of two chunks of a batch, in a fixed order). */
EXPORT(add_into)
void add_into(int n, float *dst, const float *src) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st4(dst + i, add(ld4(dst + i), ld4(src + i)));
  for (; i < n; i++) dst[i] += src[i];
}

EXPORT(fill)
void fill(int n, float *dst, float v) {
  int i = 0;
  f4 x = splat(v);
  for (; i + 4 <= n; i += 4) st4(dst + i, x);
  for (; i < n; i++) dst[i] = v;
}

/* ---------------------------------------------------------------------------------------------
 * exp(x) for float32 lanes (Cephes expf: Cody-Waite range reduction and a degree-5 polynomial,
 * under 1 ulp); exactly 0 below -87.3 (so a -1e9 mask bias gives probability 0, as in
 * TensorFlow.js); inputs clamped at 88.3. pmin/pmax, not f32x4.min/max: V8 compiles the latter
 * into long NaN- and sign-of-zero-handling sequences (NaN still propagates here).
 * ------------------------------------------------------------------------------------------- */
INLINE f4 exp4(f4 x) {
  f4 lo = splat(-87.3f);
  v128_t under = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), splat(88.3f));
  /* n = round(x / ln 2) by the float32 magic number 1.5 * 2^23 (its low mantissa bits hold n). */
  f4 magic = splat(12582912.f);
  f4 t = add(mul(x, splat(1.44269504088896341f)), magic);
  f4 n = sub(t, magic);
  x = sub(x, mul(n, splat(0.693359375f)));
  x = sub(x, mul(n, splat(-2.12194440e-4f)));
  f4 z = mul(x, x);
  f4 y = splat(1.9875691500e-4f);
  y = madd(splat(1.3981999507e-3f), y, x);
  y = madd(splat(8.3334519073e-3f), y, x);
  y = madd(splat(4.1665795894e-2f), y, x);
  y = madd(splat(1.6666665459e-1f), y, x);
  y = madd(splat(5.0000001201e-1f), y, x);
  y = add(madd(x, y, z), splat(1.f));
  v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(t, magic), wasm_i32x4_splat(127)), 23);
  y = mul(y, e);
  return wasm_v128_andnot(y, under);
}

INLINE float exp1(float x) { return wasm_f32x4_extract_lane(exp4(splat(x)), 0); }

EXPORT(vexp)
void vexp(int n, const float *x, float *y) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st4(y + i, exp4(ld4(x + i)));
  for (; i < n; i++) y[i] = exp1(x[i]);
}

/* ---------------------------------------------------------------------------------------------
 * GELU, tanh approximation: y = 0.5 u (1 + tanh(z)), z = c (u + 0.044715 u^3), c = sqrt(2/pi);
 * computed as y = u s with s = 0.5 (1 + tanh(z)) = 1 / (1 + exp(-2z)) (one exp, one division).
 * gelu_bwd: du = dy * dy/du.
 * ------------------------------------------------------------------------------------------- */
#define GELU_C 0.7978845608028654f
#define GELU_A 0.044715f

INLINE f4 gelu4(f4 u) {
  f4 inner = mul(add(u, mul(mul(mul(u, u), u), splat(GELU_A))), splat(-2.f * GELU_C));
  return wasm_f32x4_div(u, add(exp4(inner), splat(1.f)));
}

INLINE f4 gelu_grad4(f4 u) {
  f4 u2 = mul(u, u);
  f4 s = wasm_f32x4_div(splat(1.f), add(exp4(mul(add(u, mul(mul(u2, u), splat(GELU_A))), splat(-2.f * GELU_C))), splat(1.f)));
  /* d/du [u s(2z)] = s + u * 2 s (1 - s) * dz/du, dz/du = c (1 + 3a u^2) */
  f4 dz = mul(splat(2.f * GELU_C), madd(splat(1.f), splat(3.f * GELU_A), u2));
  return add(s, mul(mul(mul(u, s), sub(splat(1.f), s)), dz));
}

EXPORT(gelu_fwd)
void gelu_fwd(int n, const float *u, float *y) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st4(y + i, gelu4(ld4(u + i)));
  for (; i < n; i++) y[i] = wasm_f32x4_extract_lane(gelu4(splat(u[i])), 0);
}

EXPORT(gelu_bwd)
void gelu_bwd(int n, const float *u, const float *dy, float *du) {
  int i = 0;
  for (; i + 4 <= n; i += 4) st4(du + i, mul(ld4(dy + i), gelu_grad4(ld4(u + i))));
  for (; i < n; i++) du[i] = dy[i] * wasm_f32x4_extract_lane(gelu_grad4(splat(u[i])), 0);
}

/* ---------------------------------------------------------------------------------------------
 * Layer normalisation over rows of D (D a multiple of 4): mean and biased variance (tf.moments),
 * y = (x - mean) / sqrt(var + eps) * g + b. Saves xhat and rstd = 1 / sqrt(var + eps).
 * layernorm_bwd: dx = R + rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dy * g;
 * dg = sum_t dy * xhat, db = sum_t dy (written, not accumulated). R may be null or equal dx.
 * ------------------------------------------------------------------------------------------- */
EXPORT(layernorm_fwd)
void layernorm_fwd(int T, int D, const float *x, const float *g, const float *b, float eps, float *y, float *xhat, float *rstd) {
  float invD = 1.f / (float)D;
  for (int t = 0; t < T; t++) {
    const float *xr = x + t * D;
    f4 s = splat(0.f);
    for (int j = 0; j < D; j += 4) s = add(s, ld4(xr + j));
    f4 mean = splat(hsum(s) * invD);
    f4 q = splat(0.f);
    for (int j = 0; j < D; j += 4) {
      f4 c = sub(ld4(xr + j), mean);
      q = madd(q, c, c);
    }
    float sd = __builtin_sqrtf(hsum(q) * invD + eps);
    f4 sdv = splat(sd);
    rstd[t] = 1.f / sd;
    float *hr = xhat + t * D, *yr = y + t * D;
    for (int j = 0; j < D; j += 4) {
      f4 h = wasm_f32x4_div(sub(ld4(xr + j), mean), sdv);
      st4(hr + j, h);
      st4(yr + j, add(mul(h, ld4(g + j)), ld4(b + j)));
    }
  }
}

EXPORT(layernorm_bwd)
void layernorm_bwd(int T, int D, const float *dy, const float *xhat, const float *rstd, const float *g, float *dx, const float *R,
                   float *dg, float *db) {
  float invD = 1.f / (float)D;
  for (int j = 0; j < D; j += 4) {
    st4(dg + j, splat(0.f));
    st4(db + j, splat(0.f));
  }
  for (int t = 0; t < T; t++) {
    const float *dyr = dy + t * D, *hr = xhat + t * D;
    f4 s1 = splat(0.f), s2 = splat(0.f);
    for (int j = 0; j < D; j += 4) {
      f4 d = ld4(dyr + j), h = ld4(hr + j);
      f4 dh = mul(d, ld4(g + j));
      s1 = add(s1, dh);
      s2 = madd(s2, dh, h);
      st4(dg + j, madd(ld4(dg + j), d, h));
      st4(db + j, add(ld4(db + j), d));
    }
    f4 m1 = splat(hsum(s1) * invD), m2 = splat(hsum(s2) * invD), r = splat(rstd[t]);
    float *dxr = dx + t * D;
    const float *rr = R ? R + t * D : 0;
    for (int j = 0; j < D; j += 4) {
      f4 dh = mul(ld4(dyr + j), ld4(g + j));
      f4 v = mul(r, sub(sub(dh, m1), mul(ld4(hr + j), m2)));
      st4(dxr + j, rr ? add(ld4(rr + j), v) : v);
    }
  }
}

/* ---------------------------------------------------------------------------------------------
 * Embeddings: x[s,t] = tok[ids[s,t]] + pos[t] over S sequences of L tokens, rows of D.
 * embed_bwd adds dx into dtok and dpos (both zeroed by the caller).
 * ------------------------------------------------------------------------------------------- */
EXPORT(embed_fwd)
void embed_fwd(int S, int L, int D, const int *ids, const float *tok, const float *pos, float *x) {
  for (int s = 0; s < S; s++)
    for (int t = 0; t < L; t++) {
      const float *e = tok + ids[s * L + t] * D, *p = pos + t * D;
      float *xr = x + (s * L + t) * D;
      for (int j = 0; j < D; j += 4) st4(xr + j, add(ld4(e + j), ld4(p + j)));
    }
}

EXPORT(embed_bwd)
void embed_bwd(int S, int L, int D, const int *ids, const float *dx, float *dtok, float *dpos) {
  for (int s = 0; s < S; s++)
    for (int t = 0; t < L; t++) {
      float *e = dtok + ids[s * L + t] * D, *p = dpos + t * D;
      const float *dr = dx + (s * L + t) * D;
      for (int j = 0; j < D; j += 4) {
        f4 d = ld4(dr + j);
        st4(e + j, add(ld4(e + j), d));
        st4(p + j, add(ld4(p + j), d));
      }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Masked mean over the L tokens of each of S sequences: out[s] = sum_t mask[s,t] x[s,t] / max(count, 1).
 * pool_bwd: dx[s,t] = mask[s,t] dout[s] / max(count, 1).
 * ------------------------------------------------------------------------------------------- */
INLINE float token_count(int L, const float *m) {
  float c = 0.f;
  for (int t = 0; t < L; t++) c += m[t];
  return c > 1.f ? c : 1.f;
}

EXPORT(pool_fwd)
void pool_fwd(int S, int L, int D, const float *x, const float *mask, float *out) {
  for (int s = 0; s < S; s++) {
    f4 cnt = splat(token_count(L, mask + s * L));
    float *o = out + s * D;
    for (int j = 0; j < D; j += 4) {
      f4 acc = splat(0.f);
      for (int t = 0; t < L; t++) acc = madd(acc, ld4(x + (s * L + t) * D + j), splat(mask[s * L + t]));
      st4(o + j, wasm_f32x4_div(acc, cnt));
    }
  }
}

EXPORT(pool_bwd)
void pool_bwd(int S, int L, int D, const float *dout, const float *mask, float *dx) {
  for (int s = 0; s < S; s++) {
    f4 cnt = splat(token_count(L, mask + s * L));
    for (int t = 0; t < L; t++) {
      f4 m = splat(mask[s * L + t]);
      for (int j = 0; j < D; j += 4) st4(dx + (s * L + t) * D + j, wasm_f32x4_div(mul(ld4(dout + s * D + j), m), cnt));
    }
  }
}

/* ---------------------------------------------------------------------------------------------
 * Multi-head self-attention over S sequences of L tokens, H heads of width dh (a multiple of 4),
 * reading q, k, v from one buffer qkv [S*L, 3*H*dh] (q in columns 0.., k in H*dh.., v in 2*H*dh..).
 * scores = q k^T * scale + keyBias (0 for tokens, -1e9 for padding keys); P = softmax(scores);
 * ctx = P v into ctx [S*L, H*dh]. P [S, H, L, L] is kept for the backward pass.
 * scratch: at least L*dh + L*L floats.
 * ------------------------------------------------------------------------------------------- */
/* Rows of L scores: r = r * scale + keyBias; r = exp(r - max) / sum. */
INLINE void softmax_rows(int L, float *P, int rows, const float *keyBias, float scale) {
  f4 sc = splat(scale);
  int L4 = L & ~3;
  for (int i = 0; i < rows; i++) {
    float *r = P + i * L;
    f4 mx4 = splat(-3.4e38f);
    int j = 0;
    for (; j < L4; j += 4) {
      f4 v = madd(ld4(keyBias + j), ld4(r + j), sc);
      st4(r + j, v);
      mx4 = wasm_f32x4_pmax(mx4, v);
    }
    float mx = wasm_f32x4_extract_lane(mx4, 0);
    for (int l = 1; l < 4; l++) {
      float v = l == 1 ? wasm_f32x4_extract_lane(mx4, 1) : l == 2 ? wasm_f32x4_extract_lane(mx4, 2) : wasm_f32x4_extract_lane(mx4, 3);
      mx = v > mx ? v : mx;
    }
    for (; j < L; j++) {
      float v = r[j] * scale + keyBias[j];
      r[j] = v;
      mx = v > mx ? v : mx;
    }
    f4 m = splat(mx), s = splat(0.f);
    for (j = 0; j < L4; j += 4) {
      f4 e = exp4(sub(ld4(r + j), m));
      st4(r + j, e);
      s = add(s, e);
    }
    float sum = hsum(s);
    for (; j < L; j++) {
      float e = exp1(r[j] - mx);
      r[j] = e;
      sum += e;
    }
    f4 sv = splat(sum);
    for (j = 0; j < L4; j += 4) st4(r + j, wasm_f32x4_div(ld4(r + j), sv));
    for (; j < L; j++) r[j] = r[j] / sum;
  }
}

EXPORT(attention_fwd)
void attention_fwd(int S, int H, int L, int dh, const float *qkv, const float *keyBias, float scale, float *P, float *ctx,
                   float *scratch) {
  int d = H * dh, ld = 3 * d;
  float *kT = scratch;
  for (int s = 0; s < S; s++)
    for (int h = 0; h < H; h++) {
      const float *q = qkv + s * L * ld + h * dh, *k = q + d, *v = q + 2 * d;
      float *p = P + (s * H + h) * L * L;
      transpose(L, dh, k, ld, kT, L);
      gemm(L, L, dh, q, ld, 1, kT, L, p, L, 0, 0, 0);
      softmax_rows(L, p, L, keyBias + s * L, scale);
      gemm(L, dh, L, p, L, 1, v, ld, ctx + s * L * d + h * dh, d, 0, 0, 0);
    }
}

/*
 * Backward of attention_fwd: dctx [S*L, H*dh] to dqkv [S*L, 3*H*dh] (written).
 * dP = dctx v^T; dS = P * (dP - rowsum(dP * P)) * scale; dq = dS k; dk = dS^T q; dv = P^T dctx.
 * scratch: at least L*dh + L*L floats.
 */
EXPORT(attention_bwd)
void attention_bwd(int S, int H, int L, int dh, const float *qkv, const float *P, const float *dctx, float scale, float *dqkv,
                   float *scratch) {
  int d = H * dh, ld = 3 * d;
  float *vT = scratch, *dS = scratch + L * dh;
  for (int s = 0; s < S; s++)
    for (int h = 0; h < H; h++) {
      const float *q = qkv + s * L * ld + h * dh, *k = q + d, *v = q + 2 * d;
      const float *p = P + (s * H + h) * L * L;
      const float *dc = dctx + s * L * d + h * dh;
      float *dq = dqkv + s * L * ld + h * dh, *dk = dq + d, *dv = dq + 2 * d;
      transpose(L, dh, v, ld, vT, L);
      gemm(L, L, dh, dc, d, 1, vT, L, dS, L, 0, 0, 0);
      for (int i = 0; i < L; i++) {
        float *r = dS + i * L;
        const float *pr = p + i * L;
        f4 acc = splat(0.f);
        int j = 0;
        for (; j + 4 <= L; j += 4) acc = madd(acc, ld4(r + j), ld4(pr + j));
        float dot = hsum(acc);
        for (; j < L; j++) dot += r[j] * pr[j];
        for (j = 0; j < L; j++) r[j] = pr[j] * (r[j] - dot) * scale;
      }
      gemm(L, dh, L, dS, L, 1, k, ld, dq, ld, 0, 0, 0);
      gemm(L, dh, L, dS, 1, L, q, ld, dk, ld, 0, 0, 0);
      gemm(L, dh, L, p, 1, L, dc, d, dv, ld, 0, 0, 0);
    }
}

/* ---------------------------------------------------------------------------------------------
 * Adam, in TensorFlow.js's order of float32 operations (tf.train.adam's applyGradients):
 *   m = m*b1 + g*omb1;  v = v*b2 + (g*g)*omb2;
 *   p = (m/omab1) / (sqrt(v/omab2) + eps) * neglr + p
 * with omb1 = 1-b1, omb2 = 1-b2, omab1 = 1-b1^t, omab2 = 1-b2^t (float32), neglr = -learning rate.
 * ------------------------------------------------------------------------------------------- */
EXPORT(adam)
void adam(int n, float *p, const float *g, float *m, float *v, float b1, float omb1, float b2, float omb2, float omab1, float omab2,
          float eps, float neglr) {
  f4 B1 = splat(b1), OB1 = splat(omb1), B2 = splat(b2), OB2 = splat(omb2), A1 = splat(omab1), A2 = splat(omab2), E = splat(eps),
     LR = splat(neglr);
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 gi = ld4(g + i);
    f4 mi = add(mul(ld4(m + i), B1), mul(gi, OB1));
    f4 vi = add(mul(ld4(v + i), B2), mul(mul(gi, gi), OB2));
    st4(m + i, mi);
    st4(v + i, vi);
    f4 den = add(wasm_f32x4_sqrt(wasm_f32x4_div(vi, A2)), E);
    st4(p + i, add(mul(wasm_f32x4_div(wasm_f32x4_div(mi, A1), den), LR), ld4(p + i)));
  }
  for (; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * b1 + gi * omb1;
    float vi = v[i] * b2 + (gi * gi) * omb2;
    m[i] = mi;
    v[i] = vi;
    p[i] = ((mi / omab1) / (__builtin_sqrtf(vi / omab2) + eps)) * neglr + p[i];
  }
}
