using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pure;

/// <summary>Called when the tile of C at rows [row0, row0 + rows) and columns [column0, column0 + columns) is final.</summary>
internal delegate void TileDone(int row0, int rows, int column0, int columns);

/// <summary>
/// The matrix product C = op(A) · op(B) (+ a bias added to every column) on column-major arrays, in the manner
/// of BLIS: op(A) is packed into micro-panels of <see cref="RowTile"/> rows and op(B) into micro-panels of
/// <see cref="ColumnTile"/> columns (the transposed forms are read by the packing, never materialised), and a
/// register-tiled micro-kernel accumulates each RowTile x ColumnTile block of C with fused multiply-adds on
/// Vector512 (AVX-512), Vector256 (AVX2 + FMA) or, without either, scalars.
/// <para>
/// C is cut into tiles by a rule that depends only on (m, n, k), never on the thread count; each tile is computed
/// by one thread over the whole of k, in blocks of <see cref="DepthBlock"/> taken in order. Every element is
/// therefore summed in the same order whatever the number of threads, so results are bitwise identical for 1, 2
/// or any number of threads on the same machine.
/// </para>
/// </summary>
internal static unsafe class Gemm<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The micro-kernel chosen for this machine: the widest one its processor supports.</summary>
    internal static readonly GemmKernel Kind = SelectKernel();

    /// <summary>MR: the rows of C held in registers by a micro-kernel (two vectors).</summary>
    internal static int RowTile(GemmKernel kind) => kind switch
    {
        GemmKernel.Vector512 => 2 * Vector512<T>.Count,
        GemmKernel.Vector256 => 2 * Vector256<T>.Count,
        _ => 4,
    };

    /// <summary>NR: the columns of C held in registers by the micro-kernel.</summary>
    internal static int ColumnTile(GemmKernel kind) => kind switch
    {
        GemmKernel.Vector512 => 12,
        GemmKernel.Vector256 => 6,
        _ => 4,
    };

    /// <summary>Whether this machine can run <paramref name="kind"/>.</summary>
    internal static bool IsSupported(GemmKernel kind) => kind switch
    {
        GemmKernel.Vector512 => IsFloatOrDouble && Vector512.IsHardwareAccelerated && Avx512F.IsSupported,
        GemmKernel.Vector256 => IsFloatOrDouble && Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported,
        _ => true,
    };

    private static bool IsFloatOrDouble => typeof(T) == typeof(float) || typeof(T) == typeof(double);

    /// <summary>KC: the depth of one packed block, so that an A micro-panel and a B micro-panel stay in L1.</summary>
    internal const int DepthBlock = 256;

    private const int MaxTileRows = 128;
    private const int MaxWholeColumnRows = 1024;
    private const int MaxTileColumns = 240;
    private const int MinTasks = 4;
    /// <summary>
    /// Products of fewer flops (2 m n k) run on the calling thread. Below it, moving freshly written operands to
    /// another core costs more than that core computes (measured: batch 32 epochs 11% faster with 2^23 than with 2^21,
    /// and 11% faster again with 2^24, in float32 and float64; batch 128 unchanged).
    /// </summary>
    internal const long SerialWork = 1L << 24;

    /// <summary>
    /// A product with one column (one sample) and at least this many elements of A, as stored, is shared between
    /// threads by blocks of rows: 784 x 512 (the first layer of the inference benchmark) is; 784 x 256 (the training
    /// benchmark's first layer) is not, so training keeps its one-thread path.
    /// </summary>
    private const long ParallelNarrow = 1L << 18;

    /// <summary>
    /// The same threshold inside <see cref="ForkJoin.Spinning"/> (prediction), where a helper starts within about a
    /// microsecond: 512 x 256 (the inference benchmark's second layer) is shared too.
    /// </summary>
    private const long ParallelNarrowSpinning = 1L << 16;

    /// <summary>Packing of fewer elements (one or two micro-panels of B, with A read in place) runs on the calling thread.</summary>
    private const long SerialPacking = 1L << 16;

    /// <summary>Products with at most this many columns (a batch of one or two samples) skip packing: packing A would cost more than using it.</summary>
    private const int NarrowColumns = 2;

    [ThreadStatic] private static T[]? _packedA;
    [ThreadStatic] private static T[]? _packedB;

    /// <summary>The largest number of threads a product uses; the results do not depend on it.</summary>
    internal static int MaxThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>The kernel in use, for benchmarks and reports: "Vector512", "Vector256" or "Scalar".</summary>
    internal static string KernelName => Kind.ToString();

    /// <summary>
    /// c (m x n) = scale · op(a) · op(b), plus bias[i] on every element of row i when <paramref name="bias"/> is given.
    /// a is aRows x aColumns and b is bRows x bColumns, all column-major; op transposes when asked. The scale multiplies
    /// each depth block's sum before it is added to c.
    /// </summary>
    /// <remarks>
    /// When <paramref name="tileDone"/> is given, it is called once for each finished tile of C, by the thread that
    /// computed it and while the tile is still in that core's cache; the tiles cover C exactly once.
    /// </remarks>
    public static void Multiply(bool transposeA, T[] a, int aRows, int aColumns, bool transposeB, T[] b, int bRows, int bColumns, T[] c, T[]? bias = null, T? scale = null, TileDone? tileDone = null) =>
        Multiply(Kind, transposeA, a, aRows, aColumns, transposeB, b, bRows, bColumns, c, bias, scale, tileDone);

    /// <summary>
    /// The same product with a given micro-kernel, which must be supported here (for tests and benchmarks); with
    /// <paramref name="packB"/>, op(B) is always packed, never read in place (the reference for that path's tests).
    /// </summary>
    internal static void Multiply(GemmKernel kind, bool transposeA, T[] a, int aRows, int aColumns, bool transposeB, T[] b, int bRows, int bColumns, T[] c, T[]? bias = null, T? scale = null, TileDone? tileDone = null, bool packB = false) =>
        Multiply(kind, transposeA, a, aRows, aColumns, transposeB, b, bRows, bColumns, c, bias, scale, tileDone, packB, packedA: null);

    /// <summary>
    /// C = A · op(B) (+ bias) with A (m x k, as stored) also given packed by <see cref="PackA"/>: the packed path reads
    /// <paramref name="packedA"/> instead of packing A on every call (a network's weights, fixed across many calls).
    /// The other paths read <paramref name="a"/>. The same arithmetic in the same order as without it, so the same bits.
    /// </summary>
    internal static void MultiplyPacked(T[] a, T[] packedA, int m, int k, T[] b, int n, T[] c, T[]? bias) =>
        Multiply(Kind, false, a, m, k, false, b, k, n, c, bias, null, null, false, packedA);

    /// <summary>
    /// A (m x k, column-major, as stored) packed into the micro-panels of this machine's kernel, in the layout the
    /// packed path of <see cref="Multiply(bool, T[], int, int, bool, T[], int, int, T[], T[], T?, TileDone?)"/> uses,
    /// or null where that path would read A in place (or the type has no vector kernel), so packing would gain nothing.
    /// </summary>
    internal static T[]? PackA(T[] a, int m, int k)
    {
        int rowTile = RowTile(Kind);
        if (!IsFloatOrDouble || Kind == GemmKernel.Vector512 || m == 0 || k == 0) return null;
        int paddedM = RoundUp(m, rowTile);
        var packed = GC.AllocateUninitializedArray<T>(checked(paddedM * k));
        fixed (T* source = a, target = packed)
        {
            for (int item = 0; item < paddedM / rowTile; item++)
                for (int depth0 = 0; depth0 < k; depth0 += DepthBlock)
                {
                    int depth = Math.Min(DepthBlock, k - depth0);
                    PackPanel(rowTile, true, source, m, item * rowTile, Math.Min(rowTile, m - item * rowTile), depth0, depth,
                        target + (long)paddedM * depth0 + (long)item * rowTile * depth);
                }
        }
        return packed;
    }

    /// <summary>
    /// A (m x k, column-major, as stored) cut into the row blocks of the one-column path (eight vectors' rows), each
    /// block's k columns one after another: block b holds A[b·B .. b·B + B - 1, p] for p = 0 .. k - 1, B values per p.
    /// A block is then one contiguous stream instead of k pieces a column apart. Null where there is no vector kernel
    /// or not one whole block; the rows past the last whole block are read from A as stored.
    /// </summary>
    internal static T[]? PackNarrow(T[] a, int m, int k) => PackNarrow(Kind, a, m, k);

    /// <summary>The same cut for a given kernel (for tests).</summary>
    internal static T[]? PackNarrow(GemmKernel kind, T[] a, int m, int k)
    {
        int block = NarrowBlock(kind);
        if (block == 0 || m < block || k == 0) return null;
        int blocks = m / block;
        var packed = GC.AllocateUninitializedArray<T>(checked(blocks * block * k));
        for (int b = 0; b < blocks; b++)
            for (int p = 0; p < k; p++)
                Array.Copy(a, (long)p * m + (long)b * block, packed, ((long)b * k + p) * block, block);
        return packed;
    }

    /// <summary>
    /// c = A · x (+ bias) for one column x, with A (m x k, as stored) also given cut by <see cref="PackNarrow(T[], int, int)"/>: the
    /// whole row blocks read <paramref name="narrowA"/>, the rest reads <paramref name="a"/>. The same sums in the
    /// same order as <see cref="Multiply(bool, T[], int, int, bool, T[], int, int, T[], T[], T?, TileDone?)"/> with one column, so the same bits.
    /// </summary>
    internal static void MultiplyNarrowPacked(T[] a, T[] narrowA, int m, int k, T[] x, T[] c, T[]? bias) =>
        MultiplyNarrowPacked(Kind, a, narrowA, m, k, x, c, bias);

    /// <summary>The same product with a given kernel, which must be the one <paramref name="narrowA"/> was cut for (for tests).</summary>
    internal static void MultiplyNarrowPacked(GemmKernel kind, T[] a, T[] narrowA, int m, int k, T[] x, T[] c, T[]? bias)
    {
        if (!IsSupported(kind)) throw new PlatformNotSupportedException($"The {kind} kernel is not supported for {typeof(T).Name} on this machine.");
        MultiplyNarrow(kind, false, a, m, false, x, k, c, bias, T.One, m, 1, k, narrowA);
    }

    /// <summary>The rows of one block of the one-column path: eight vectors of the kernel (0 for the scalar kernel or another type).</summary>
    private static int NarrowBlock(GemmKernel kind) => !IsFloatOrDouble ? 0 : kind switch
    {
        GemmKernel.Vector512 => 8 * Vector512<T>.Count,
        GemmKernel.Vector256 => 8 * Vector256<T>.Count,
        _ => 0,
    };

    private static void Multiply(GemmKernel kind, bool transposeA, T[] a, int aRows, int aColumns, bool transposeB, T[] b, int bRows, int bColumns, T[] c, T[]? bias, T? scale, TileDone? tileDone, bool packB, T[]? packedA)
    {
        if (!IsSupported(kind)) throw new PlatformNotSupportedException($"The {kind} kernel is not supported for {typeof(T).Name} on this machine.");
        int m = transposeA ? aColumns : aRows;
        int k = transposeA ? aRows : aColumns;
        int n = transposeB ? bRows : bColumns;
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++) c[j * m + i] = bias is null ? T.Zero : bias[i];
            tileDone?.Invoke(0, m, 0, n);
            return;
        }

        if (n <= NarrowColumns)
        {
            MultiplyNarrow(kind, transposeA, a, aRows, transposeB, b, bRows, c, bias, scale ?? T.One, m, n, k);
            tileDone?.Invoke(0, m, 0, n);
            return;
        }

        if (kind == GemmKernel.Vector512 && m <= 2 * Vector512<T>.Count && m < n)
        {
            MultiplyShort(transposeA, a, aRows, transposeB, b, bRows, c, bias, scale ?? T.One, m, n, k);
            tileDone?.Invoke(0, m, 0, n);
            return;
        }

        int rowTile = RowTile(kind), columnTile = ColumnTile(kind);
        int paddedM = RoundUp(m, rowTile), paddedN = RoundUp(n, columnTile);
        var (tileRows, tileColumns) = Tiles(m, n, rowTile, columnTile, wholeColumns: tileDone is not null);
        int rowTiles = (m + tileRows - 1) / tileRows;
        int tasks = rowTiles * ((n + tileColumns - 1) / tileColumns);
        var problem = new Problem(
            kind, rowTile, columnTile, transposeA, a, aRows, transposeB, b, bRows, c, bias, scale ?? T.One, m, n, k, tileRows, tileColumns, rowTiles,
            packedA ?? Buffer(ref _packedA, paddedM * k), paddedM, Buffer(ref _packedB, paddedN * k), paddedN, tileDone, packB, packedA is not null);
        int threads = Math.Min(MaxThreads, tasks);
        if (threads <= 1 || 2L * m * n * k < SerialWork)
        {
            Pack(problem, 0, 1);
            for (int task = 0; task < tasks; task++) RunTask(problem, task);
        }
        else
        {
            RunParallel(problem, tasks, threads);
        }
    }

    /// <summary>
    /// Packs and runs the tasks on up to <paramref name="threads"/> threads. Packing only copies, so how it is shared
    /// out cannot change a bit of the result; little to pack (A and most of B read where they lie, as in inference) is
    /// packed on the calling thread, where a hand-off to other threads would cost more. (A method of its own, so that
    /// the lambdas' closure is allocated only here, not on every product, as it was when the lambdas lived in Multiply.)
    /// </summary>
    private static void RunParallel(Problem problem, int tasks, int threads)
    {
        if (problem.PackedElements < SerialPacking) Pack(problem, 0, 1);
        else ForkJoin.Run(threads, threads, part => Pack(problem, part, threads));
        // Prediction: each thread takes one contiguous range of tiles, the same rows of A on every call, so that the
        // weights a core reads stay in its own cache from one call to the next (tiles handed out one by one went to the
        // threads by turns). Training keeps the finer hand-out, which waits less for a late thread-pool worker.
        if (ForkJoin.IsSpinning)
            ForkJoin.RunRanges(tasks, threads, (first, end) => { for (int task = first; task < end; task++) RunTask(problem, task); });
        else
            ForkJoin.Run(tasks, threads, task => RunTask(problem, task));
    }

    /// <summary>
    /// The tile of C each task computes: at most MaxTileRows x MaxTileColumns, halved (columns first, in whole
    /// micro-panels) until there are at least MinTasks tiles or the tiles are one micro-panel. With
    /// <paramref name="wholeColumns"/> (up to <see cref="MaxWholeColumnRows"/> rows), a tile spans all m rows and as
    /// many columns as make the same area, so that each tile is one contiguous range of C. Depends on the shape only.
    /// </summary>
    private static (int Rows, int Columns) Tiles(int m, int n, int rowTile, int columnTile, bool wholeColumns = false)
    {
        int rows = RoundUp(Math.Min(m, MaxTileRows), rowTile);
        int columns = RoundUp(Math.Min(n, MaxTileColumns), columnTile);
        if (wholeColumns && m <= MaxWholeColumnRows)
        {
            rows = RoundUp(m, rowTile);
            columns = RoundUp(Math.Min(n, Math.Max(columnTile, MaxTileRows * MaxTileColumns / rows / columnTile * columnTile)), columnTile);
        }
        int Count() => ((m + rows - 1) / rows) * ((n + columns - 1) / columns);
        while (Count() < MinTasks && columns > columnTile) columns = RoundUp(columns / 2, columnTile);
        while (Count() < MinTasks && rows > rowTile) rows = RoundUp(rows / 2, rowTile);
        return (rows, columns);
    }

    private static int RoundUp(int value, int multiple) => Math.Max(multiple, (value + multiple - 1) / multiple * multiple);

    private sealed record Problem(
        GemmKernel Kind, int RowTile, int ColumnTile, bool TransposeA, T[] A, int LeadingA, bool TransposeB, T[] B, int LeadingB, T[] C, T[]? Bias, T Scale,
        int M, int N, int K, int TileRows, int TileColumns, int RowTiles, T[] PackedA, int PaddedM, T[] PackedB, int PaddedN, TileDone? TileDone, bool PackB, bool APrepacked)
    {
        /// <summary>
        /// True when the micro-kernel reads A where it lies: A as stored (not transposed), with m a multiple of the
        /// row tile, holds each micro-panel's rows for one depth contiguously, lead apart from depth to depth, so
        /// packing it would only copy. The kernel then does the same arithmetic in the same order. Only the Vector512
        /// kernel reads A in place: on AVX2 (Zen 3, 32 KB L1), the lead-apart rows of a power-of-two lead fall into a few
        /// cache sets, and packing A made one-thread products 1.2 to 1.8 times faster (docs/performance.md).
        /// </summary>
        public bool DirectA => !APrepacked && !TransposeA && M % RowTile == 0 && Kind == GemmKernel.Vector512;

        /// <summary>
        /// The number of leading micro-panels of op(B) read where they lie instead of packed: with B stored transposed,
        /// each depth's columns of a panel are contiguous, lead apart from depth to depth (as A's rows are for
        /// <see cref="DirectA"/>); with B as stored, the Vector512 kernel reads each of a panel's columns down its own
        /// contiguous run. Only whole panels: a last panel narrower than the tile is packed, so no read passes B's end.
        /// </summary>
        public int DirectBPanels => !PackB && (TransposeB || Kind == GemmKernel.Vector512) ? N / ColumnTile : 0;

        /// <summary>The elements <see cref="Pack"/> copies: the micro-panels of op(A) and op(B) not read where they lie.</summary>
        public long PackedElements => (DirectA || APrepacked ? 0L : (long)PaddedM * K) + (long)(PaddedN / ColumnTile - DirectBPanels) * ColumnTile * K;
    }

    /// <summary>
    /// Packs part <paramref name="part"/> of <paramref name="parts"/> of the micro-panels of op(A) and op(B). The packed
    /// operands are laid out depth block by depth block: block d (depths [p0, p0 + kc)) starts at padded · p0, and
    /// within it micro-panel r starts at r · tile · kc and holds element (p, lane) at p · tile + lane.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pack(Problem problem, int part, int parts)
    {
        int aPanels = problem.DirectA || problem.APrepacked ? 0 : problem.PaddedM / problem.RowTile;
        int firstPackedB = problem.DirectBPanels;
        int bPanels = problem.PaddedN / problem.ColumnTile - firstPackedB;
        fixed (T* a = problem.A, b = problem.B, pa = problem.PackedA, pb = problem.PackedB)
        {
            for (int item = part; item < aPanels + bPanels; item += parts)
            {
                for (int depth0 = 0; depth0 < problem.K; depth0 += DepthBlock)
                {
                    int depth = Math.Min(DepthBlock, problem.K - depth0);
                    if (item < aPanels)
                    {
                        int tile = problem.RowTile;
                        PackPanel(tile, !problem.TransposeA, a, problem.LeadingA, item * tile, Math.Min(tile, problem.M - item * tile), depth0, depth,
                            pa + (long)problem.PaddedM * depth0 + (long)item * tile * depth);
                    }
                    else
                    {
                        int panel = firstPackedB + item - aPanels, tile = problem.ColumnTile;
                        PackPanel(tile, problem.TransposeB, b, problem.LeadingB, panel * tile, Math.Min(tile, problem.N - panel * tile), depth0, depth,
                            pb + (long)problem.PaddedN * depth0 + (long)panel * tile * depth);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Copies lanes [lane0, lane0 + valid) and depths [depth0, depth0 + depth) of an operand into one micro-panel of
    /// <paramref name="tile"/> lanes (zero-padded): element (p, lane) goes to p · tile + lane. When
    /// <paramref name="lanesContiguous"/>, the source holds (lane, p) at p · lead + lane (A as stored, B transposed);
    /// otherwise at lane · lead + p (A transposed, B as stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPanel(int tile, bool lanesContiguous, T* source, int lead, int lane0, int valid, int depth0, int depth, T* panel)
    {
        if (lanesContiguous)
        {
            for (int p = 0; p < depth; p++)
            {
                T* from = source + (long)(depth0 + p) * lead + lane0;
                T* to = panel + p * tile;
                int r = 0;
                if (Vector256.IsHardwareAccelerated)
                    for (; r + Vector256<T>.Count <= valid; r += Vector256<T>.Count) Vector256.Load(from + r).Store(to + r);
                for (; r < valid; r++) to[r] = from[r];
                for (; r < tile; r++) to[r] = T.Zero;
            }
        }
        else
        {
            T* from = source + (long)lane0 * lead + depth0;
            for (int p = 0; p < depth; p++)
            {
                T* to = panel + p * tile;
                T* column = from + p;
                int r = 0;
                for (; r < valid; r++) to[r] = column[(long)r * lead];
                for (; r < tile; r++) to[r] = T.Zero;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunTask(Problem problem, int task)
    {
        int row0 = task % problem.RowTiles * problem.TileRows;
        int column0 = task / problem.RowTiles * problem.TileColumns;
        int rows = Math.Min(problem.TileRows, problem.M - row0);
        int columns = Math.Min(problem.TileColumns, problem.N - column0);
        int rowTile = problem.RowTile, columnTile = problem.ColumnTile;
        int m = problem.M;

        bool direct = problem.DirectA;
        int strideA = direct ? problem.LeadingA : rowTile;
        int directPanels = problem.DirectBPanels;
        fixed (T* c = problem.C, bias = problem.Bias, a = problem.A, b = problem.B, pa = problem.PackedA, pb = problem.PackedB)
        {
            for (int depth0 = 0; depth0 < problem.K; depth0 += DepthBlock)
            {
                int depth = Math.Min(DepthBlock, problem.K - depth0);
                bool first = depth0 == 0;
                T* blockA = pa + (long)problem.PaddedM * depth0;
                T* storedA = a + (long)depth0 * problem.LeadingA;
                T* blockB = pb + (long)problem.PaddedN * depth0;
                T* storedB = b + (long)depth0 * problem.LeadingB;
                for (int jr = 0; jr < columns; jr += columnTile)
                {
                    bool directB = (column0 + jr) / columnTile < directPanels;
                    // Element (p, c) of the panel: packed at p · tile + c; B transposed at p · lead + c; B as stored at c · lead + p.
                    T* panelB = !directB ? blockB + (long)(column0 + jr) * depth
                        : problem.TransposeB ? storedB + column0 + jr
                        : b + (long)(column0 + jr) * problem.LeadingB + depth0;
                    int strideB = !directB ? columnTile : problem.TransposeB ? problem.LeadingB : 1;
                    long columnStride = directB && !problem.TransposeB ? problem.LeadingB : 1;
                    for (int ir = 0; ir < rows; ir += rowTile)
                    {
                        T* target = c + (long)(column0 + jr) * m + row0 + ir;
                        T* rowBias = first && bias != null ? bias + row0 + ir : null;
                        T* panelA = direct ? storedA + row0 + ir : blockA + (long)(row0 + ir) * depth;
                        MicroKernel(problem.Kind, depth, panelA, strideA, panelB, strideB, columnStride, target, m,
                            Math.Min(rowTile, rows - ir), Math.Min(columnTile, columns - jr), first, rowBias, problem.Scale);
                    }
                }
            }
        }
        problem.TileDone?.Invoke(row0, rows, column0, columns);
    }

    /// <summary>
    /// C = scale · op(A) · op(B) (+ bias) for n ≤ <see cref="NarrowColumns"/>, on one thread and without packing A: for
    /// A as stored, each column of C is a sum of A's columns weighted by B's entries (axpy, vectorised down the rows);
    /// for A transposed, each element of C is a dot product of one of A's columns with a column of op(B). The order of
    /// every sum depends on the shape only.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyNarrow(GemmKernel kind, bool transposeA, T[] a, int leadA, bool transposeB, T[] b, int leadB, T[] c, T[]? bias, T scale, int m, int n, int k, T[]? narrowA = null)
    {
        var columnB = Buffer(ref _packedB, k);
        bool vector = kind != GemmKernel.Scalar;
        int lanes = Vector256<T>.Count;
        fixed (T* pa = a, pb = b, pc = c, pbias = bias, column = columnB)
        {
            for (int j = 0; j < n; j++)
            {
                for (int p = 0; p < k; p++) column[p] = transposeB ? pb[(long)p * leadB + j] : pb[(long)j * leadB + p];
                T* target = pc + (long)j * m;
                if (!transposeA)
                {
                    int i = 0;
                    if (vector)
                    {
                        int block = NarrowBlock(kind), blocks = m / block;
                        if (n == 1 && narrowA is not null)
                        {
                            NarrowPacked(kind, narrowA, columnB, c, bias, scale, block, blocks, m, k);
                            i = blocks * block;
                        }
                        else if (n == 1 && SharesNarrow(blocks, m, k))
                        {
                            NarrowParallel(kind, a, leadA, columnB, c, bias, scale, block, blocks, k);
                            i = blocks * block;
                        }
                        i += NarrowColumn(kind, pa + i, leadA, column, target + i, pbias == null ? null : pbias + i, scale, m - i, k);
                        for (; i + 4 * lanes <= m; i += 4 * lanes)
                        {
                            Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default;
                            for (int p = 0; p < k; p++)
                            {
                                T* from = pa + (long)p * leadA + i;
                                var weight = Vector256.Create(column[p]);
                                s0 = Fma(Vector256.Load(from), weight, s0);
                                s1 = Fma(Vector256.Load(from + lanes), weight, s1);
                                s2 = Fma(Vector256.Load(from + 2 * lanes), weight, s2);
                                s3 = Fma(Vector256.Load(from + 3 * lanes), weight, s3);
                            }
                            StoreNarrow(target + i, s0, scale, pbias == null ? null : pbias + i);
                            StoreNarrow(target + i + lanes, s1, scale, pbias == null ? null : pbias + i + lanes);
                            StoreNarrow(target + i + 2 * lanes, s2, scale, pbias == null ? null : pbias + i + 2 * lanes);
                            StoreNarrow(target + i + 3 * lanes, s3, scale, pbias == null ? null : pbias + i + 3 * lanes);
                        }
                        for (; i + lanes <= m; i += lanes)
                        {
                            Vector256<T> s0 = default;
                            for (int p = 0; p < k; p++) s0 = Fma(Vector256.Load(pa + (long)p * leadA + i), Vector256.Create(column[p]), s0);
                            StoreNarrow(target + i, s0, scale, pbias == null ? null : pbias + i);
                        }
                    }
                    for (; i < m; i++)
                    {
                        T sum = T.Zero;
                        for (int p = 0; p < k; p++) sum = T.FusedMultiplyAdd(pa[(long)p * leadA + i], column[p], sum);
                        target[i] = (pbias == null ? T.Zero : pbias[i]) + sum * scale;
                    }
                }
                else
                {
                    for (int i = 0; i < m; i++)
                    {
                        T* from = pa + (long)i * leadA;
                        T sum = T.Zero;
                        int p = 0;
                        if (vector && k >= 4 * lanes)
                        {
                            Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default;
                            for (; p + 4 * lanes <= k; p += 4 * lanes)
                            {
                                s0 = Fma(Vector256.Load(from + p), Vector256.Load(column + p), s0);
                                s1 = Fma(Vector256.Load(from + p + lanes), Vector256.Load(column + p + lanes), s1);
                                s2 = Fma(Vector256.Load(from + p + 2 * lanes), Vector256.Load(column + p + 2 * lanes), s2);
                                s3 = Fma(Vector256.Load(from + p + 3 * lanes), Vector256.Load(column + p + 3 * lanes), s3);
                            }
                            sum = Vector256.Sum((s0 + s1) + (s2 + s3));
                        }
                        for (; p < k; p++) sum = T.FusedMultiplyAdd(from[p], column[p], sum);
                        target[i] = (pbias == null ? T.Zero : pbias[i]) + sum * scale;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Rows [0, blocks · block) of C = scale · A · x (+ bias) in blocks of eight vectors' rows, on up to
    /// <see cref="MaxThreads"/> threads (<see cref="ForkJoin"/>): each row is computed by <see cref="NarrowColumn512"/>
    /// as on one thread, so the same bits. Two cores stream A (memory-bound at one sample) twice as fast as one. Each
    /// task is one contiguous range of blocks, the same on every call, so a thread that keeps its task finds its part
    /// of A in its own core's cache on the next call (with one block per task the blocks went to the threads by turns).
    /// </summary>
    private static void NarrowParallel(GemmKernel kind, T[] a, int leadA, T[] x, T[] c, T[]? bias, T scale, int block, int blocks, int k) =>
        ForkJoin.RunRanges(blocks, MaxThreads, (first, end) =>
        {
            fixed (T* pa = a, px = x, pc = c, pbias = bias)
            {
                int row0 = first * block;
                NarrowColumn(kind, pa + row0, leadA, px, pc + row0, pbias == null ? null : pbias + row0, scale, (end - first) * block, k);
            }
        });

    /// <summary>
    /// Rows [0, blocks · block) of C = scale · A · x (+ bias) from A cut by <see cref="PackNarrow(T[], int, int)"/>: each block is the
    /// kernel of <see cref="NarrowParallel"/> on one block with a lead of one block, shared between threads as that is.
    /// </summary>
    private static void NarrowPacked(GemmKernel kind, T[] narrowA, T[] x, T[] c, T[]? bias, T scale, int block, int blocks, int m, int k)
    {
        void Blocks(int first, int end)
        {
            fixed (T* pa = narrowA, px = x, pc = c, pbias = bias)
                for (int b = first; b < end; b++)
                    NarrowColumn(kind, pa + (long)b * block * k, block, px, pc + b * block, pbias == null ? null : pbias + b * block, scale, block, k);
        }
        if (SharesNarrow(blocks, m, k)) ForkJoin.RunRanges(blocks, MaxThreads, Blocks);
        else Blocks(0, blocks);
    }

    /// <summary><see cref="NarrowColumn512"/> or <see cref="NarrowColumn256"/>, as <paramref name="kind"/> says: the rows done.</summary>
    private static int NarrowColumn(GemmKernel kind, T* pa, int leadA, T* x, T* target, T* bias, T scale, int m, int k) =>
        kind == GemmKernel.Vector512 ? NarrowColumn512(pa, leadA, x, target, bias, scale, m, k) : NarrowColumn256(pa, leadA, x, target, bias, scale, m, k);

    /// <summary>
    /// Whether a one-column product of m x k with this many row blocks is shared between threads: at least
    /// <see cref="ParallelNarrow"/> elements of A, or <see cref="ParallelNarrowSpinning"/> inside prediction's spinning scope.
    /// </summary>
    private static bool SharesNarrow(int blocks, int m, int k) =>
        blocks >= 2 && MaxThreads > 1 && (long)m * k >= (ForkJoin.IsSpinning ? ParallelNarrowSpinning : ParallelNarrow);

    /// <summary>
    /// The Vector256 twin of <see cref="NarrowColumn512"/>: blocks of eight Vector256s' rows (eight independent sums in
    /// flight, enough to hide the latency of the fused multiply-adds), then the caller's four- and one-vector loops.
    /// Each row's sum is the same chain of fused multiply-adds over p in order, so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int NarrowColumn256(T* pa, int leadA, T* x, T* target, T* bias, T scale, int m, int k)
    {
        int lanes = Vector256<T>.Count;
        int i = 0;
        for (; i + 8 * lanes <= m; i += 8 * lanes)
        {
            Vector256<T> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            T* from = pa + i;
            for (int p = 0; p < k; p++, from += leadA)
            {
                var weight = Vector256.Create(x[p]);
                s0 = Fma(Vector256.Load(from), weight, s0); s1 = Fma(Vector256.Load(from + lanes), weight, s1);
                s2 = Fma(Vector256.Load(from + 2 * lanes), weight, s2); s3 = Fma(Vector256.Load(from + 3 * lanes), weight, s3);
                s4 = Fma(Vector256.Load(from + 4 * lanes), weight, s4); s5 = Fma(Vector256.Load(from + 5 * lanes), weight, s5);
                s6 = Fma(Vector256.Load(from + 6 * lanes), weight, s6); s7 = Fma(Vector256.Load(from + 7 * lanes), weight, s7);
            }
            T* rowBias = bias == null ? null : bias + i;
            StoreNarrow(target + i, s0, scale, rowBias); StoreNarrow(target + i + lanes, s1, scale, rowBias == null ? null : rowBias + lanes);
            StoreNarrow(target + i + 2 * lanes, s2, scale, rowBias == null ? null : rowBias + 2 * lanes);
            StoreNarrow(target + i + 3 * lanes, s3, scale, rowBias == null ? null : rowBias + 3 * lanes);
            StoreNarrow(target + i + 4 * lanes, s4, scale, rowBias == null ? null : rowBias + 4 * lanes);
            StoreNarrow(target + i + 5 * lanes, s5, scale, rowBias == null ? null : rowBias + 5 * lanes);
            StoreNarrow(target + i + 6 * lanes, s6, scale, rowBias == null ? null : rowBias + 6 * lanes);
            StoreNarrow(target + i + 7 * lanes, s7, scale, rowBias == null ? null : rowBias + 7 * lanes);
        }
        return i;
    }

    /// <summary>
    /// The leading rows of one column of C = scale · A · x (+ bias) for A as stored, in whole Vector512s: blocks of eight
    /// vectors' rows, then single vectors. A is streamed once, column by column (each block reads eight vectors of
    /// each of A's columns, contiguous), and each row's sum runs over p in order with fused multiply-adds, as in the
    /// Vector256 and scalar loops of <see cref="MultiplyNarrow"/>: lane for lane the same operations, so the same bits.
    /// Returns the number of rows done; the caller does the rest.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int NarrowColumn512(T* pa, int leadA, T* x, T* target, T* bias, T scale, int m, int k)
    {
        int lanes = Vector512<T>.Count;
        int i = 0;
        for (; i + 8 * lanes <= m; i += 8 * lanes)
        {
            Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            T* from = pa + i;
            for (int p = 0; p < k; p++, from += leadA)
            {
                var weight = Vector512.Create(x[p]);
                s0 = Fma(Vector512.Load(from), weight, s0); s1 = Fma(Vector512.Load(from + lanes), weight, s1);
                s2 = Fma(Vector512.Load(from + 2 * lanes), weight, s2); s3 = Fma(Vector512.Load(from + 3 * lanes), weight, s3);
                s4 = Fma(Vector512.Load(from + 4 * lanes), weight, s4); s5 = Fma(Vector512.Load(from + 5 * lanes), weight, s5);
                s6 = Fma(Vector512.Load(from + 6 * lanes), weight, s6); s7 = Fma(Vector512.Load(from + 7 * lanes), weight, s7);
            }
            T* rowBias = bias == null ? null : bias + i;
            StoreNarrow(target + i, rowBias, scale, s0, s1, s2, s3);
            StoreNarrow(target + i + 4 * lanes, rowBias == null ? null : rowBias + 4 * lanes, scale, s4, s5, s6, s7);
        }
        for (; i + lanes <= m; i += lanes)
        {
            Vector512<T> s0 = default;
            T* from = pa + i;
            for (int p = 0; p < k; p++, from += leadA) s0 = Fma(Vector512.Load(from), Vector512.Create(x[p]), s0);
            StoreNarrow(target + i, s0, scale, bias == null ? null : bias + i);
        }
        return i;
    }

    /// <summary>
    /// C = scale · op(A) · op(B) (+ bias) for m ≤ one Vector512 (the 10-class output layer), on one thread: op(A) is
    /// packed into one zero-padded micro-panel of a single vector's rows, and op(B) is read where it lies, eight
    /// columns at a time, each column of C accumulating in its own register over the whole depth in order. Packing
    /// B and a two-vector micro-kernel would waste most of their work on rows that do not exist. With one vector's
    /// rows, each column goes to C as one vector store (bias added as a vector) wherever that stays inside C.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyShort(bool transposeA, T[] a, int leadA, bool transposeB, T[] b, int leadB, T[] c, T[]? bias, T scale, int m, int n, int k)
    {
        int lanes = Vector512<T>.Count;
        int height = m <= lanes ? lanes : 2 * lanes;
        var panel = Buffer(ref _packedA, height * k);
        T* block = stackalloc T[16 * lanes];
        var factor = Vector512.Create(scale);
        // The bias as one vector, zero past row m (and zero without a bias, as the element-wise write adds T.Zero).
        T* paddedBias = stackalloc T[lanes];
        for (int i = 0; i < lanes; i++) paddedBias[i] = bias is not null && i < m ? bias[i] : T.Zero;
        var biasVector = Vector512.Load(paddedBias);
        fixed (T* pa = a, pb = b, pc = c, pbias = bias, packed = panel)
        {
            for (int depth0 = 0; depth0 < k; depth0 += DepthBlock)
            {
                int depth = Math.Min(DepthBlock, k - depth0);
                PackPanel(height, !transposeA, pa, leadA, 0, m, depth0, depth, packed + (long)height * depth0);
            }
            // op(B)(p, j) is at column + p · step for the column's start.
            long step = transposeB ? leadB : 1;
            long columnStride = transposeB ? 1 : leadB;
            for (int j0 = 0; j0 < n; j0 += 8)
            {
                int columns = Math.Min(8, n - j0);
                T* b0 = pb + j0 * columnStride;
                T* b1 = b0 + (columns > 1 ? columnStride : 0), b2 = b0 + (columns > 2 ? 2 * columnStride : 0), b3 = b0 + (columns > 3 ? 3 * columnStride : 0);
                T* b4 = b0 + (columns > 4 ? 4 * columnStride : 0), b5 = b0 + (columns > 5 ? 5 * columnStride : 0), b6 = b0 + (columns > 6 ? 6 * columnStride : 0);
                T* b7 = b0 + (columns > 7 ? 7 * columnStride : 0);
                if (height == lanes)
                {
                    ShortColumns1(packed, k, step, b0, b1, b2, b3, b4, b5, b6, b7, factor, block);
                    // Column t is written as a whole vector when that stays inside C: lanes past row m spill into the
                    // next columns, which are written after it, in order. The last columns are written element-wise.
                    for (int t = 0; t < columns; t++)
                    {
                        long start = (long)(j0 + t) * m;
                        if (start + lanes <= (long)m * n)
                            (biasVector + Vector512.Load(block + t * lanes)).Store(pc + start);
                        else
                            for (int i = 0; i < m; i++) pc[start + i] = paddedBias[i] + block[t * lanes + i];
                    }
                    continue;
                }
                ShortColumns2(packed, k, step, b0, b1, b2, b3, b4, b5, b6, b7, factor, block);
                for (int t = 0; t < columns; t++)
                {
                    T* target = pc + (long)(j0 + t) * m;
                    for (int i = 0; i < m; i++) target[i] = (pbias == null ? T.Zero : pbias[i]) + block[t * height + i];
                }
            }
        }
    }

    /// <summary>Eight columns of C of one vector's height: block (column-major, height one vector) = scale · panel · B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShortColumns1(T* panel, int k, long step, T* b0, T* b1, T* b2, T* b3, T* b4, T* b5, T* b6, T* b7, Vector512<T> factor, T* block)
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        T* from = panel;
        for (long p = 0, offset = 0; p < k; p++, offset += step, from += lanes)
        {
            var column = Vector512.Load(from);
            s0 = Fma(column, Vector512.Create(b0[offset]), s0);
            s1 = Fma(column, Vector512.Create(b1[offset]), s1);
            s2 = Fma(column, Vector512.Create(b2[offset]), s2);
            s3 = Fma(column, Vector512.Create(b3[offset]), s3);
            s4 = Fma(column, Vector512.Create(b4[offset]), s4);
            s5 = Fma(column, Vector512.Create(b5[offset]), s5);
            s6 = Fma(column, Vector512.Create(b6[offset]), s6);
            s7 = Fma(column, Vector512.Create(b7[offset]), s7);
        }
        (s0 * factor).Store(block); (s1 * factor).Store(block + lanes); (s2 * factor).Store(block + 2 * lanes); (s3 * factor).Store(block + 3 * lanes);
        (s4 * factor).Store(block + 4 * lanes); (s5 * factor).Store(block + 5 * lanes); (s6 * factor).Store(block + 6 * lanes); (s7 * factor).Store(block + 7 * lanes);
    }

    /// <summary>Eight columns of C of two vectors' height: block (column-major, height two vectors) = scale · panel · B.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShortColumns2(T* panel, int k, long step, T* b0, T* b1, T* b2, T* b3, T* b4, T* b5, T* b6, T* b7, Vector512<T> factor, T* block)
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        Vector512<T> t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
        T* from = panel;
        for (long p = 0, offset = 0; p < k; p++, offset += step, from += 2 * lanes)
        {
            var top = Vector512.Load(from);
            var bottom = Vector512.Load(from + lanes);
            Vector512<T> x;
            x = Vector512.Create(b0[offset]); s0 = Fma(top, x, s0); t0 = Fma(bottom, x, t0);
            x = Vector512.Create(b1[offset]); s1 = Fma(top, x, s1); t1 = Fma(bottom, x, t1);
            x = Vector512.Create(b2[offset]); s2 = Fma(top, x, s2); t2 = Fma(bottom, x, t2);
            x = Vector512.Create(b3[offset]); s3 = Fma(top, x, s3); t3 = Fma(bottom, x, t3);
            x = Vector512.Create(b4[offset]); s4 = Fma(top, x, s4); t4 = Fma(bottom, x, t4);
            x = Vector512.Create(b5[offset]); s5 = Fma(top, x, s5); t5 = Fma(bottom, x, t5);
            x = Vector512.Create(b6[offset]); s6 = Fma(top, x, s6); t6 = Fma(bottom, x, t6);
            x = Vector512.Create(b7[offset]); s7 = Fma(top, x, s7); t7 = Fma(bottom, x, t7);
        }
        int h = 2 * lanes;
        (s0 * factor).Store(block); (t0 * factor).Store(block + lanes);
        (s1 * factor).Store(block + h); (t1 * factor).Store(block + h + lanes);
        (s2 * factor).Store(block + 2 * h); (t2 * factor).Store(block + 2 * h + lanes);
        (s3 * factor).Store(block + 3 * h); (t3 * factor).Store(block + 3 * h + lanes);
        (s4 * factor).Store(block + 4 * h); (t4 * factor).Store(block + 4 * h + lanes);
        (s5 * factor).Store(block + 5 * h); (t5 * factor).Store(block + 5 * h + lanes);
        (s6 * factor).Store(block + 6 * h); (t6 * factor).Store(block + 6 * h + lanes);
        (s7 * factor).Store(block + 7 * h); (t7 * factor).Store(block + 7 * h + lanes);
    }

    /// <summary><see cref="StoreNarrow(T*, Vector512{T}, T, T*)"/> for four consecutive vectors of rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreNarrow(T* target, T* bias, T scale, Vector512<T> first, Vector512<T> second, Vector512<T> third, Vector512<T> fourth)
    {
        int lanes = Vector512<T>.Count;
        StoreNarrow(target, first, scale, bias);
        StoreNarrow(target + lanes, second, scale, bias == null ? null : bias + lanes);
        StoreNarrow(target + 2 * lanes, third, scale, bias == null ? null : bias + 2 * lanes);
        StoreNarrow(target + 3 * lanes, fourth, scale, bias == null ? null : bias + 3 * lanes);
    }

    /// <summary>target = bias + scale · sum, as the write-back of the packed path computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreNarrow(T* target, Vector512<T> sum, T scale, T* bias) =>
        ((bias == null ? Vector512<T>.Zero : Vector512.Load(bias)) + sum * Vector512.Create(scale)).Store(target);

    /// <summary>target = bias + scale · sum, as the write-back of the packed path computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreNarrow(T* target, Vector256<T> sum, T scale, T* bias) =>
        ((bias == null ? Vector256<T>.Zero : Vector256.Load(bias)) + sum * Vector256.Create(scale)).Store(target);

    private static T[] Buffer(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = GC.AllocateUninitializedArray<T>(Math.Max(length, 1 << 16), pinned: true);
        return buffer;
    }

    private static void MicroKernel(GemmKernel kind, int depth, T* pa, int strideA, T* pb, int strideB, long columnStride, T* c, int ldc, int validRows, int validColumns, bool first, T* bias, T scale)
    {
        switch (kind)
        {
            case GemmKernel.Vector512 when validColumns <= 4 && columnStride != 1:
                Kernel512Narrow<StridedColumns>(depth, pa, strideA, pb, strideB, columnStride, c, ldc, validRows, validColumns, first, bias, scale);
                break;
            case GemmKernel.Vector512 when validColumns <= 4:
                Kernel512Narrow<AdjacentColumns>(depth, pa, strideA, pb, strideB, 1, c, ldc, validRows, validColumns, first, bias, scale);
                break;
            case GemmKernel.Vector512 when columnStride != 1:
                Kernel512<StridedColumns>(depth, pa, strideA, pb, strideB, columnStride, c, ldc, validRows, validColumns, first, bias, scale);
                break;
            case GemmKernel.Vector512:
                Kernel512<AdjacentColumns>(depth, pa, strideA, pb, strideB, 1, c, ldc, validRows, validColumns, first, bias, scale);
                break;
            case GemmKernel.Vector256:
                Kernel256(depth, pa, strideA, pb, strideB, c, ldc, validRows, validColumns, first, bias, scale);
                break;
            default:
                KernelScalar(depth, pa, strideA, pb, strideB, c, ldc, validRows, validColumns, first, bias, scale);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        return a * b + c;
    }

    /// <summary>Where column c of a micro-panel of op(B) lies, relative to column 0, for one depth.</summary>
    private interface IPanelColumns
    {
        static abstract long Offset(int column, long stride);
    }

    /// <summary>Columns next to each other: a packed panel, or B stored transposed.</summary>
    private struct AdjacentColumns : IPanelColumns
    {
        public static long Offset(int column, long stride) => column;
    }

    /// <summary>Columns a stride apart: B as stored, read in place.</summary>
    private struct StridedColumns : IPanelColumns
    {
        public static long Offset(int column, long stride) => column * stride;
    }

    /// <summary>
    /// 2 x 12 accumulators of Vector512: a (2 · Vector512 lanes) x 12 block of C. Element (p, c) of the B panel is at
    /// pb + p · strideB + <typeparamref name="TColumns"/>.Offset(c, columnStride).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512<TColumns>(int depth, T* pa, int strideA, T* pb, int strideB, long columnStride, T* c, int ldc, int validRows, int validColumns, bool first, T* bias, T scale)
        where TColumns : struct, IPanelColumns
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default;
        Vector512<T> c06 = default, c07 = default, c08 = default, c09 = default, c0A = default, c0B = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        Vector512<T> c16 = default, c17 = default, c18 = default, c19 = default, c1A = default, c1B = default;
        for (int p = 0; p < depth; p++)
        {
            var a0 = Vector512.Load(pa);
            var a1 = Vector512.Load(pa + lanes);
            Vector512<T> b;
            b = Vector512.Create(pb[TColumns.Offset(0, columnStride)]); c00 = Fma(a0, b, c00); c10 = Fma(a1, b, c10);
            b = Vector512.Create(pb[TColumns.Offset(1, columnStride)]); c01 = Fma(a0, b, c01); c11 = Fma(a1, b, c11);
            b = Vector512.Create(pb[TColumns.Offset(2, columnStride)]); c02 = Fma(a0, b, c02); c12 = Fma(a1, b, c12);
            b = Vector512.Create(pb[TColumns.Offset(3, columnStride)]); c03 = Fma(a0, b, c03); c13 = Fma(a1, b, c13);
            b = Vector512.Create(pb[TColumns.Offset(4, columnStride)]); c04 = Fma(a0, b, c04); c14 = Fma(a1, b, c14);
            b = Vector512.Create(pb[TColumns.Offset(5, columnStride)]); c05 = Fma(a0, b, c05); c15 = Fma(a1, b, c15);
            b = Vector512.Create(pb[TColumns.Offset(6, columnStride)]); c06 = Fma(a0, b, c06); c16 = Fma(a1, b, c16);
            b = Vector512.Create(pb[TColumns.Offset(7, columnStride)]); c07 = Fma(a0, b, c07); c17 = Fma(a1, b, c17);
            b = Vector512.Create(pb[TColumns.Offset(8, columnStride)]); c08 = Fma(a0, b, c08); c18 = Fma(a1, b, c18);
            b = Vector512.Create(pb[TColumns.Offset(9, columnStride)]); c09 = Fma(a0, b, c09); c19 = Fma(a1, b, c19);
            b = Vector512.Create(pb[TColumns.Offset(10, columnStride)]); c0A = Fma(a0, b, c0A); c1A = Fma(a1, b, c1A);
            b = Vector512.Create(pb[TColumns.Offset(11, columnStride)]); c0B = Fma(a0, b, c0B); c1B = Fma(a1, b, c1B);
            pa += strideA;
            pb += strideB;
        }
        if (scale != T.One)
        {
            var factor = Vector512.Create(scale);
            c00 *= factor; c01 *= factor; c02 *= factor; c03 *= factor; c04 *= factor; c05 *= factor; c06 *= factor; c07 *= factor; c08 *= factor; c09 *= factor; c0A *= factor; c0B *= factor;
            c10 *= factor; c11 *= factor; c12 *= factor; c13 *= factor; c14 *= factor; c15 *= factor; c16 *= factor; c17 *= factor; c18 *= factor; c19 *= factor; c1A *= factor; c1B *= factor;
        }
        if (validRows == 2 * lanes && validColumns == 12)
        {
            Finish(c, c00, c10, first, bias); Finish(c + ldc, c01, c11, first, bias); Finish(c + 2 * ldc, c02, c12, first, bias);
            Finish(c + 3 * ldc, c03, c13, first, bias); Finish(c + 4 * ldc, c04, c14, first, bias); Finish(c + 5 * ldc, c05, c15, first, bias);
            Finish(c + 6 * ldc, c06, c16, first, bias); Finish(c + 7 * ldc, c07, c17, first, bias); Finish(c + 8 * ldc, c08, c18, first, bias);
            Finish(c + 9 * ldc, c09, c19, first, bias); Finish(c + 10 * ldc, c0A, c1A, first, bias); Finish(c + 11 * ldc, c0B, c1B, first, bias);
            return;
        }
        T* block = stackalloc T[2 * lanes * 12];
        StoreColumn(block, 0, lanes, c00, c10); StoreColumn(block, 1, lanes, c01, c11); StoreColumn(block, 2, lanes, c02, c12);
        StoreColumn(block, 3, lanes, c03, c13); StoreColumn(block, 4, lanes, c04, c14); StoreColumn(block, 5, lanes, c05, c15);
        StoreColumn(block, 6, lanes, c06, c16); StoreColumn(block, 7, lanes, c07, c17); StoreColumn(block, 8, lanes, c08, c18);
        StoreColumn(block, 9, lanes, c09, c19); StoreColumn(block, 10, lanes, c0A, c1A); StoreColumn(block, 11, lanes, c0B, c1B);
        WriteBack(block, 2 * lanes, c, ldc, validRows, validColumns, first, bias);
    }

    /// <summary>
    /// <see cref="Kernel512{TColumns}"/> for a last panel of at most 4 valid columns (batch 64 = 5 · 12 + 4): the same
    /// fused multiply-add chain for each element, so the same bits, without the 8 columns of padding's multiplications.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512Narrow<TColumns>(int depth, T* pa, int strideA, T* pb, int strideB, long columnStride, T* c, int ldc, int validRows, int validColumns, bool first, T* bias, T scale)
        where TColumns : struct, IPanelColumns
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector512<T> c10 = default, c11 = default, c12 = default, c13 = default;
        for (int p = 0; p < depth; p++)
        {
            var a0 = Vector512.Load(pa);
            var a1 = Vector512.Load(pa + lanes);
            Vector512<T> b;
            b = Vector512.Create(pb[TColumns.Offset(0, columnStride)]); c00 = Fma(a0, b, c00); c10 = Fma(a1, b, c10);
            b = Vector512.Create(pb[TColumns.Offset(1, columnStride)]); c01 = Fma(a0, b, c01); c11 = Fma(a1, b, c11);
            b = Vector512.Create(pb[TColumns.Offset(2, columnStride)]); c02 = Fma(a0, b, c02); c12 = Fma(a1, b, c12);
            b = Vector512.Create(pb[TColumns.Offset(3, columnStride)]); c03 = Fma(a0, b, c03); c13 = Fma(a1, b, c13);
            pa += strideA;
            pb += strideB;
        }
        if (scale != T.One)
        {
            var factor = Vector512.Create(scale);
            c00 *= factor; c01 *= factor; c02 *= factor; c03 *= factor;
            c10 *= factor; c11 *= factor; c12 *= factor; c13 *= factor;
        }
        T* block = stackalloc T[2 * lanes * 4];
        StoreColumn(block, 0, lanes, c00, c10); StoreColumn(block, 1, lanes, c01, c11);
        StoreColumn(block, 2, lanes, c02, c12); StoreColumn(block, 3, lanes, c03, c13);
        WriteBack(block, 2 * lanes, c, ldc, validRows, validColumns, first, bias);
    }

    /// <summary>One full column of a block: C = (first ? bias : C) + accumulator, as <see cref="WriteBack"/> computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(T* target, Vector512<T> top, Vector512<T> bottom, bool first, T* bias)
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> startTop, startBottom;
        if (!first)
        {
            startTop = Vector512.Load(target);
            startBottom = Vector512.Load(target + lanes);
        }
        else if (bias != null)
        {
            startTop = Vector512.Load(bias);
            startBottom = Vector512.Load(bias + lanes);
        }
        else
        {
            startTop = Vector512<T>.Zero;
            startBottom = Vector512<T>.Zero;
        }
        (startTop + top).Store(target);
        (startBottom + bottom).Store(target + lanes);
    }

    /// <summary>The Vector256 twin of <see cref="Finish(T*, Vector512{T}, Vector512{T}, bool, T*)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish(T* target, Vector256<T> top, Vector256<T> bottom, bool first, T* bias)
    {
        int lanes = Vector256<T>.Count;
        Vector256<T> startTop, startBottom;
        if (!first)
        {
            startTop = Vector256.Load(target);
            startBottom = Vector256.Load(target + lanes);
        }
        else if (bias != null)
        {
            startTop = Vector256.Load(bias);
            startBottom = Vector256.Load(bias + lanes);
        }
        else
        {
            startTop = Vector256<T>.Zero;
            startBottom = Vector256<T>.Zero;
        }
        (startTop + top).Store(target);
        (startBottom + bottom).Store(target + lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumn(T* block, int column, int lanes, Vector512<T> top, Vector512<T> bottom)
    {
        top.Store(block + column * 2 * lanes);
        bottom.Store(block + column * 2 * lanes + lanes);
    }

    /// <summary>2 x 6 accumulators of Vector256: a (2 · Vector256 lanes) x 6 block of C.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(int depth, T* pa, int strideA, T* pb, int strideB, T* c, int ldc, int validRows, int validColumns, bool first, T* bias, T scale)
    {
        int lanes = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c02 = default, c03 = default, c04 = default, c05 = default;
        Vector256<T> c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        for (int p = 0; p < depth; p++)
        {
            var a0 = Vector256.Load(pa);
            var a1 = Vector256.Load(pa + lanes);
            Vector256<T> b;
            b = Vector256.Create(pb[0]); c00 = Fma(a0, b, c00); c10 = Fma(a1, b, c10);
            b = Vector256.Create(pb[1]); c01 = Fma(a0, b, c01); c11 = Fma(a1, b, c11);
            b = Vector256.Create(pb[2]); c02 = Fma(a0, b, c02); c12 = Fma(a1, b, c12);
            b = Vector256.Create(pb[3]); c03 = Fma(a0, b, c03); c13 = Fma(a1, b, c13);
            b = Vector256.Create(pb[4]); c04 = Fma(a0, b, c04); c14 = Fma(a1, b, c14);
            b = Vector256.Create(pb[5]); c05 = Fma(a0, b, c05); c15 = Fma(a1, b, c15);
            pa += strideA;
            pb += strideB;
        }
        if (scale != T.One)
        {
            var factor = Vector256.Create(scale);
            c00 *= factor; c01 *= factor; c02 *= factor; c03 *= factor; c04 *= factor; c05 *= factor; c10 *= factor; c11 *= factor; c12 *= factor; c13 *= factor; c14 *= factor; c15 *= factor;
        }
        if (validRows == 2 * lanes && validColumns == 6)
        {
            Finish(c, c00, c10, first, bias); Finish(c + ldc, c01, c11, first, bias); Finish(c + 2 * ldc, c02, c12, first, bias);
            Finish(c + 3 * ldc, c03, c13, first, bias); Finish(c + 4 * ldc, c04, c14, first, bias); Finish(c + 5 * ldc, c05, c15, first, bias);
            return;
        }
        T* block = stackalloc T[2 * lanes * 6];
        int height = 2 * lanes;
        c00.Store(block); c10.Store(block + lanes);
        c01.Store(block + height); c11.Store(block + height + lanes);
        c02.Store(block + 2 * height); c12.Store(block + 2 * height + lanes);
        c03.Store(block + 3 * height); c13.Store(block + 3 * height + lanes);
        c04.Store(block + 4 * height); c14.Store(block + 4 * height + lanes);
        c05.Store(block + 5 * height); c15.Store(block + 5 * height + lanes);
        WriteBack(block, height, c, ldc, validRows, validColumns, first, bias);
    }

    /// <summary>The portable micro-kernel: a 4 x 4 block of C with plain multiply and add.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelScalar(int depth, T* pa, int strideA, T* pb, int strideB, T* c, int ldc, int validRows, int validColumns, bool first, T* bias, T scale)
    {
        T* block = stackalloc T[16];
        for (int i = 0; i < 16; i++) block[i] = T.Zero;
        for (int p = 0; p < depth; p++)
        {
            for (int j = 0; j < 4; j++)
            {
                T bj = pb[j];
                for (int i = 0; i < 4; i++) block[j * 4 + i] += pa[i] * bj;
            }
            pa += strideA;
            pb += strideB;
        }
        if (scale != T.One)
            for (int i = 0; i < 16; i++) block[i] *= scale;
        WriteBack(block, 4, c, ldc, validRows, validColumns, first, bias);
    }

    /// <summary>
    /// C block = (first ? bias : C block) + accumulated block, for the valid rows and columns. The sum is taken in
    /// the same order for every block, so tiles computed by different threads round alike.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteBack(T* block, int height, T* c, int ldc, int validRows, int validColumns, bool first, T* bias)
    {
        for (int j = 0; j < validColumns; j++)
        {
            T* target = c + (long)j * ldc;
            T* source = block + j * height;
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                int lanes = Vector256<T>.Count;
                for (; i + lanes <= validRows; i += lanes)
                {
                    var start = first ? (bias != null ? Vector256.Load(bias + i) : Vector256<T>.Zero) : Vector256.Load(target + i);
                    (start + Vector256.Load(source + i)).Store(target + i);
                }
            }
            for (; i < validRows; i++)
            {
                T start = first ? (bias != null ? bias[i] : T.Zero) : target[i];
                target[i] = start + source[i];
            }
        }
    }

    private static GemmKernel SelectKernel() =>
        IsSupported(GemmKernel.Vector512) ? GemmKernel.Vector512
        : IsSupported(GemmKernel.Vector256) ? GemmKernel.Vector256
        : GemmKernel.Scalar;
}

/// <summary>The micro-kernels of <see cref="Gemm{T}"/>.</summary>
internal enum GemmKernel
{
    /// <summary>AVX-512: 2 x 12 accumulators of Vector512.</summary>
    Vector512,

    /// <summary>AVX2 with FMA: 2 x 6 accumulators of Vector256.</summary>
    Vector256,

    /// <summary>Portable: a 4 x 4 block of scalars.</summary>
    Scalar,
}
