namespace Pure;

/// <summary>
/// A small, fully specified random generator (xoshiro256** seeded by SplitMix64), so that a seed gives the
/// same bits on every runtime, platform and thread count. Independent streams come from
/// <see cref="Derive(ulong, ulong, ulong)"/>: (seed, purpose, index) hashed to a new seed, never a shared global state.
/// </summary>
internal struct SeededRandom
{
    /// <summary>Purposes that keep derived streams apart.</summary>
    internal const ulong InitializationStream = 0x1A17, ShuffleStream = 0x5AFF, SampleStream = 0x5A3F, SplitStream = 0x5917,
        DropoutStream = 0xD409;

    private ulong _s0, _s1, _s2, _s3;

    public SeededRandom(ulong seed)
    {
        ulong state = seed;
        _s0 = SplitMix(ref state);
        _s1 = SplitMix(ref state);
        _s2 = SplitMix(ref state);
        _s3 = SplitMix(ref state);
    }

    /// <summary>A generator for stream (<paramref name="seed"/>, <paramref name="purpose"/>, <paramref name="index"/>).</summary>
    public static SeededRandom Derive(ulong seed, ulong purpose, ulong index) => new(DeriveSeed(seed, purpose, index));

    /// <summary>The seed of stream (<paramref name="seed"/>, <paramref name="purpose"/>, <paramref name="index"/>), to derive further streams from it.</summary>
    public static ulong DeriveSeed(ulong seed, ulong purpose, ulong index)
    {
        ulong state = seed;
        ulong mixed = SplitMix(ref state) ^ (purpose * 0x9E3779B97F4A7C15UL);
        state = mixed;
        return SplitMix(ref state) ^ (index * 0xD1B54A32D192ED03UL);
    }

    private static ulong SplitMix(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>An integer in [0, <paramref name="bound"/>) without modulo bias (Lemire's method).</summary>
    public int NextInt(int bound)
    {
        ulong range = (ulong)bound;
        UInt128 product = (UInt128)NextUInt64() * range;
        ulong low = (ulong)product;
        if (low < range)
        {
            ulong threshold = (0UL - range) % range;
            while (low < threshold)
            {
                product = (UInt128)NextUInt64() * range;
                low = (ulong)product;
            }
        }
        return (int)(product >> 64);
    }

    /// <summary>Shuffles <paramref name="values"/> in place (Fisher-Yates).</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }
}
