#ifndef IMPRINT_CKERNELS_H
#define IMPRINT_CKERNELS_H

#include <stdint.h>

/// Per-read noise for one output row: for every column c in 0..<columns, with s = spread[c] + plus,
/// out[c] += sqrt(s) * z_c when s > 0, where z_c is normal c % 2 of Philox4x32-10 block
/// (c / 2, sample, place, 0) under key (key0, key1), turned into a normal exactly as
/// DeviceSimulation's `GaussianQuads.normals` does. Bit for bit the values of
/// the Swift 4-wide code it replaced (ReadNoiseKernelTests), which the tests check.
///
/// `imprint_read_noise_variants()` is a bit set of the wide variants this CPU runs (1: AVX2,
/// 2: AVX-512F); `imprint_add_read_noise_row` uses the widest, or the portable one (0), which
/// every CPU runs. `imprint_add_read_noise_row_variant` runs one named variant, and
/// `imprint_read_noise_normals_variant` one variant's normals for eight given blocks' words 0–2
/// (16 values, block i's two normals at 2i and 2i + 1), so tests reach every branch; both return
/// 0 when this CPU lacks the variant, 1 otherwise.
int imprint_read_noise_variants(void);
void imprint_add_read_noise_row(float *out, const float *spread, float plus, long columns,
                                uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1);
int imprint_add_read_noise_row_variant(int variant, float *out, const float *spread, float plus, long columns,
                                       uint32_t sample, uint32_t place, uint32_t key0, uint32_t key1);

int imprint_read_noise_normals_variant(int variant, const uint32_t *w0, const uint32_t *w1, const uint32_t *w2,
                                       float *normals);

/// Direct products of a convolution, up to eight output channels at a time: for c in 0..<channels
/// and p in 0..<positions rounded up to a multiple of IMPRINT_DIRECT_STEP,
///     y[c * y_stride + p] = Σ_t x[p + offsets[t]] · w[c · channel_stride + t · tap_stride],
/// summed in tap order as acc = fma(x, w, acc) from acc = +0, so every variant (and C's fmaf in
/// the portable one) gives the same bits. Position p is a place in the engine's input planes
/// (`DirectConvolution.Layout`), offsets[t] the tap's (channel, kernel row, kernel column) displacement; the
/// caller makes every read of the rounded-up range lie in its buffer. The strides read weights
/// in place: a crossbar's [rows × columns] (1, columns) or a model's [columns × rows] (rows, 1).
/// Rows c ≥ channels (1…8) are not written, so y may be the output itself.
///
/// `imprint_direct_variants()` is a bit set (1: AVX2 with FMA, 2: AVX-512F);
/// `imprint_direct_products` runs the widest. `_variant` runs one (0: portable C), returning 0
/// when this CPU lacks it, so tests can compare them.
///
/// With an epilogue `e` (or NULL for none), each stored value is, in this order and each operation
/// rounded on its own: v · gain[c] (if gain), scale[c] · v + shift[c] (if scale; shift with it),
/// v + bias[c], v + residual[c · y_stride + p] (if residual: a tensor laid out as y, a residual
/// connection's other operand), then v > 0 ? v : 0 with relu (NaN and −0 become +0); the arrays
/// hold the eight channels' values.
///
/// `edges` (or NULL): planes shared by the three columns of a 3-wide kernel, each column reading the
/// same plane one value further. The taps then come in threes (kernel columns 0, 1, 2; taps a
/// multiple of 3, else nothing runs) and a read of column 0 at position p counts as +0 where bit
/// p mod 16 of edges[2 · ⌊p/16⌋] is clear (the input column left of the image), one of column 2
/// where that bit of edges[2 · ⌊p/16⌋ + 1] is (right of it). Those reads still lie in the caller's
/// buffer (some variants load them and clear them after).
#define IMPRINT_DIRECT_STEP 16
typedef struct {
    const float *gain, *scale, *shift, *bias;
    int relu;
    const float *residual;
} imprint_direct_epilogue;
int imprint_direct_variants(void);
void imprint_direct_products(const float *x, const int32_t *offsets, long taps, const float *w, long channel_stride,
                             long tap_stride, int channels, long positions, float *y, long y_stride,
                             const imprint_direct_epilogue *e, const uint16_t *edges);
int imprint_direct_products_variant(int variant, const float *x, const int32_t *offsets, long taps,
                                    const float *w, long channel_stride, long tap_stride, int channels,
                                    long positions, float *y, long y_stride, const imprint_direct_epilogue *e,
                                    const uint16_t *edges);

/// Per-read noise on a direct convolution's products, then the epilogue: the row kernel's noise
/// with output channels in rows and output pixels along them. For the rows c in 0..<channels
/// (1…8; output channel first + c of its group) and positions p in 0..<count:
///     v = y[c · y_stride + p], s = var[c · var_stride + p],
///     v = v + sqrt(s) · z when s > 0, z = normal (first + c) % 2 of Philox4x32-10 block
///         ((first + c) / 2, sample, place + p · place_step, 0) under (key0, key1), place mod 2³²,
/// then the epilogue `e` of row c (NULL: none), stored back to y. So output (channel j, pixel q)
/// gets exactly the noise the row kernel gives column j of the product row whose place is
/// q · groups + group (place = group, place_step = groups). `_variant` as above.
void imprint_direct_read_noise(float *y, long y_stride, const float *var, long var_stride, long first, int channels,
                               long count, uint32_t sample, uint32_t place, uint32_t place_step, uint32_t key0,
                               uint32_t key1, const imprint_direct_epilogue *e);
int imprint_direct_read_noise_variant(int variant, float *y, long y_stride, const float *var, long var_stride,
                                      long first, int channels, long count, uint32_t sample, uint32_t place,
                                      uint32_t place_step, uint32_t key0, uint32_t key1,
                                      const imprint_direct_epilogue *e);

/// Dense products without packing: y[m · y_stride + n] = Σ_t x[m · x_stride + t] · w[t · w_stride + n]
/// for m < rows, n < columns, summed in t order as acc = fma(x, w, acc) from acc = +0 (the same
/// contract, and so the same bits on every CPU, as the direct convolution products). Reads and
/// writes nothing outside those elements.
void imprint_dense_products(const float *x, long x_stride, long rows, const float *w, long w_stride, long taps,
                            long columns, float *y, long y_stride);
int imprint_dense_products_variant(int variant, const float *x, long x_stride, long rows, const float *w,
                                   long w_stride, long taps, long columns, float *y, long y_stride);

/// One output channel's finished products `row` (output pixel (y, x) at y·row_width + x) into
/// `out`: out_height × out_width values, or with pool their 2×2, stride-2 max pool (floor), the
/// pool taking −∞ and then each window value in row-major order when it is ≥ the running maximum.
/// Selects only: the same bits in every variant.
void imprint_direct_place(const float *row, int pool, long out_height, long out_width, long row_width, float *out);
int imprint_direct_place_variant(int variant, const float *row, int pool, long out_height, long out_width,
                                 long row_width, float *out);

/// One channel's finished products `row` (as `imprint_direct_place`, unpooled) plus `residual`
/// into `out`: out[y·out_width + x] = row[y·row_width + x] + residual[y·out_width + x], then
/// v > 0 ? v : 0 with relu. The same bits in every variant.
void imprint_direct_place_sum(const float *row, long out_height, long out_width, long row_width,
                              const float *residual, int relu, float *out);
int imprint_direct_place_sum_variant(int variant, const float *row, long out_height, long out_width, long row_width,
                                     const float *residual, int relu, float *out);

/// `imprint_direct_place` and `imprint_direct_place_sum` for `channels` channels in one call:
/// channel c's rows at row + c · row_stride, its output (and residual) at + c · out_stride.
void imprint_direct_place_channels(const float *row, long row_stride, long channels, int pool, long out_height,
                                   long out_width, long row_width, float *out, long out_stride);
void imprint_direct_place_sum_channels(const float *row, long row_stride, long channels, long out_height,
                                       long out_width, long row_width, const float *residual, int relu, float *out,
                                       long out_stride);

/// Copies `rows` rows of `count` floats, every `step`-th value of a source row (rows src_stride
/// apart, value k at k·step) to dst (rows dst_stride apart, contiguous): the direct convolution's
/// plane rows, tens of values each, without a call per row. Reads nothing past a row's last value.
void imprint_copy_rows(const float *src, long src_stride, long step, float *dst, long dst_stride, long rows,
                       long count);

/// One row copy of `imprint_copy_planes`: `rows` rows of `count` floats, every `step`-th value of
/// a source row (rows src_stride apart, from src_offset) to dst (rows dst_stride apart, from
/// dst_offset), offsets counted from a channel's first value.
typedef struct {
    long src_offset, src_stride, step, dst_offset, dst_stride, rows, count;
} imprint_copy_job;

/// `imprint_copy_rows` for every job and channel c in 0..<channels, channel c's source at
/// src + c · src_channel_stride and destination at dst + c · dst_channel_stride: a sample's whole
/// plane copy in one call.
void imprint_copy_planes(const float *src, long src_channel_stride, float *dst, long dst_channel_stride,
                         long channels, const imprint_copy_job *jobs, long job_count);

/// A tile's DAC for one input vector (Verifier's `PeripheralTiles`): returns m, the largest |row[i]|
/// (NaN never chosen), and when m > 0 writes out[i] = roundf(row[i] · (1/m) · steps) / steps
/// (steps > 0; otherwise out[i] = row[i] · (1/m): an exact DAC), else zeros; every product and
/// quotient rounded on its own, roundf's ties away from zero, in every variant. `_variant` runs one
/// (bits of `imprint_direct_variants()`, 0 the portable C), returning 0 when this CPU lacks it.
float imprint_dac_row(const float *row, long n, float steps, float *out);
int imprint_dac_row_variant(int variant, const float *row, long n, float steps, float *out, float *abs_max);

/// A tile's ADC and the digital sum for one output vector: for j in 0..<n, o = yt[j] clamped to
/// [−bound, bound] (NaN kept), then roundf(o / lsb) · lsb when lsb > 0, and y[j] += (o · s) · scale[j].
void imprint_adc_row(const float *yt, long n, float bound, float lsb, float s, const float *scale, float *y);
int imprint_adc_row_variant(int variant, const float *yt, long n, float bound, float lsb, float s, const float *scale,
                            float *y);

/// A hint to the CPU that the caller is spinning on a memory location (x86 PAUSE, ARM YIELD).
static inline void imprint_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

#endif
