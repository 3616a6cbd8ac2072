using Parquet.Meta;

namespace Pure;

/// <summary>
/// Checks what Parquet.Net would allocate from before it allocates: every column chunk's byte range lies in the file's
/// data, its value count is its row group's row count, and each page header in it (read here with a bounded Thrift
/// compact-protocol reader) declares sizes that fit its chunk, a dictionary no larger than its page, and, summed over
/// the file, no more decompressed bytes than <c>decompressed-bytes</c> allows. Parquet.Net sizes its buffers from
/// these fields, so a hostile file is refused here by name instead of costing an allocation of up to 2 GB.
/// </summary>
internal static class PageHeaders
{
    /// <summary>Structs nested deeper than this in a page header are refused (a real header nests three deep).</summary>
    private const int MaxDepth = 16;

    /// <summary>Refuses the first chunk or page header that breaks a rule, naming the file, the row group, the column and the byte.</summary>
    /// <param name="stream">The file, seekable; its position is left anywhere.</param>
    /// <param name="metadata">The footer Parquet.Net read.</param>
    /// <param name="dataEnd">The first byte of the footer: the column data lies in [4, dataEnd).</param>
    /// <param name="source">The file's name, for messages.</param>
    /// <param name="limits">The limits; <c>decompressed-bytes</c> bounds the pages' declared sizes, summed.</param>
    public static void Check(Stream stream, FileMetaData metadata, long dataEnd, string source, ReadLimits limits)
    {
        long declared = 0;
        for (int g = 0; g < metadata.RowGroups.Count; g++)
        {
            var group = metadata.RowGroups[g];
            foreach (var chunk in group.Columns)
            {
                var meta = chunk.MetaData ?? throw new InvalidDataException($"{source}: row group {g + 1}: a column chunk without its metadata.");
                string column = limits.Echo(string.Join(".", meta.PathInSchema ?? []));
                string where = $"{source}: row group {g + 1}, column {column}";
                if (meta.NumValues != group.NumRows)
                    throw new InvalidDataException($"{where}: expected {group.NumRows} values (the row group's rows; columns are flat), the footer declares {meta.NumValues}.");
                // As Parquet.Net: the chunk starts at the smaller of the dictionary and data page offsets that are not 0.
                long start = meta.DictionaryPageOffset is long dictionary && dictionary != 0 ? Math.Min(dictionary, meta.DataPageOffset) : meta.DataPageOffset;
                long size = meta.TotalCompressedSize;
                if (start < 4 || size < 0 || size > dataEnd - start)
                    throw new InvalidDataException($"{where}: the footer places the chunk at bytes {start} to {start + size}, outside the column data (bytes 4 to {dataEnd}).");
                long end = start + size, at = start;
                while (at < end)
                {
                    var reader = new CompactReader(stream, at, end, where);
                    var page = reader.PageHeader();
                    long body = reader.Position;
                    if (page.Compressed < 0 || page.Compressed > end - body)
                        throw new InvalidDataException($"{where}: the page header at byte {at} declares {page.Compressed} bytes of page, but its chunk has {end - body} bytes left.");
                    if (page.Uncompressed < 0)
                        throw new InvalidDataException($"{where}: the page header at byte {at} declares {page.Uncompressed} bytes once decompressed.");
                    if (page.DictionaryValues is int values && (values < 0 || values > page.Uncompressed))
                        throw new InvalidDataException($"{where}: the dictionary page at byte {at} declares {values} values in {page.Uncompressed} bytes.");
                    declared += page.Uncompressed;
                    limits.Check("decompressed-bytes", declared, source, $"row group {g + 1}, column {column}: the pages once decompressed, as their headers declare them (the page at byte {at})");
                    at = body + page.Compressed;
                }
            }
        }
    }

    /// <summary>The fields of a page header that size Parquet.Net's buffers.</summary>
    private readonly record struct Page(long Uncompressed, long Compressed, int? DictionaryValues);

    /// <summary>A reader of the Thrift compact protocol over [position, end) of a stream; reading past end refuses the file.</summary>
    private sealed class CompactReader(Stream stream, long position, long end, string where)
    {
        private readonly long _start = position;

        public long Position { get; private set; } = position;

        /// <summary>Reads one PageHeader struct: field 2 uncompressed_page_size, 3 compressed_page_size, 7 dictionary_page_header (its field 1 num_values).</summary>
        public Page PageHeader()
        {
            stream.Position = Position;
            long? uncompressed = null, compressed = null;
            int? dictionaryValues = null;
            short field = 0;
            while (true)
            {
                var (id, type) = FieldHeader(ref field);
                if (type == 0) break;
                if (id is 2 or 3 && type == 5)
                {
                    long value = ZigZag(Varint());
                    if (id == 2) uncompressed = value;
                    else compressed = value;
                }
                else if (id == 7 && type == 12)
                {
                    dictionaryValues = DictionaryValues();
                }
                else
                {
                    Skip(type, 1);
                }
            }
            if (uncompressed is null || compressed is null) throw Damaged("it has no page sizes");
            return new Page(uncompressed.Value, compressed.Value, dictionaryValues);
        }

        private int? DictionaryValues()
        {
            int? values = null;
            short field = 0;
            while (true)
            {
                var (id, type) = FieldHeader(ref field);
                if (type == 0) return values;
                if (id == 1 && type == 5)
                {
                    long value = ZigZag(Varint());
                    values = value is < int.MinValue or > int.MaxValue ? throw Damaged($"a dictionary of {value} values") : (int)value;
                }
                else
                {
                    Skip(type, 2);
                }
            }
        }

        /// <summary>The next field's id and type (0 for the end of the struct), ids as deltas from <paramref name="last"/>.</summary>
        private (short Id, int Type) FieldHeader(ref short last)
        {
            int header = Byte();
            int type = header & 0x0F;
            if (type == 0) return (0, 0);
            int delta = header >> 4;
            last = delta != 0 ? (short)(last + delta) : (short)ZigZag(Varint());
            return (last, type);
        }

        /// <summary>Skips one value of a compact type (a list's booleans take a byte each; as fields they are the type itself).</summary>
        private void Skip(int type, int depth, bool element = false)
        {
            switch (type)
            {
                case 1 or 2:
                    if (element) Byte();
                    break;
                case 3:
                    Byte();
                    break;
                case 4 or 5 or 6:
                    Varint();
                    break;
                case 7:
                    Advance(8);
                    break;
                case 8:
                    Advance(Length(Varint()));
                    break;
                case 9 or 10:
                    {
                        int header = Byte();
                        long count = header >> 4 == 15 ? Length(Varint()) : header >> 4;
                        // Every element takes at least one byte, so a count beyond the chunk ends at its end.
                        for (long i = 0; i < count; i++) Skip(header & 0x0F, Deeper(depth), element: true);
                        break;
                    }
                case 11:
                    {
                        long count = Length(Varint());
                        if (count == 0) break;
                        int types = Byte();
                        for (long i = 0; i < count; i++)
                        {
                            Skip(types >> 4, Deeper(depth), element: true);
                            Skip(types & 0x0F, Deeper(depth), element: true);
                        }
                        break;
                    }
                case 12:
                    {
                        short field = 0;
                        while (true)
                        {
                            var (_, inner) = FieldHeader(ref field);
                            if (inner == 0) break;
                            Skip(inner, Deeper(depth));
                        }
                        break;
                    }
                default:
                    throw Damaged($"an unknown Thrift type {type}");
            }
        }

        private int Deeper(int depth) => depth < MaxDepth ? depth + 1 : throw Damaged($"structs nested more than {MaxDepth} deep");

        private long Length(ulong value) => value <= (ulong)(end - Position) ? (long)value : throw Damaged($"a length of {value} bytes past the end of its chunk");

        private ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                int b = Byte();
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
            }
            throw Damaged("a variable-length integer of more than ten bytes");
        }

        private static long ZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

        private int Byte()
        {
            if (Position >= end) throw Damaged("it runs past the end of its chunk");
            int b = stream.ReadByte();
            if (b < 0) throw Damaged("the file ends inside it");
            Position++;
            return b;
        }

        private void Advance(long count)
        {
            if (count > end - Position) throw Damaged("it runs past the end of its chunk");
            Position += count;
            stream.Position = Position;
        }

        private InvalidDataException Damaged(string why) => new($"{where}: the page header at byte {_start} is damaged: {why}.");
    }
}
