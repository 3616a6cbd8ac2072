namespace Pure.Properties;

/// <summary>
/// The IDX reader on committed files written by another program (Fixtures/make_idx_fixtures.py, Python's struct and
/// gzip), in the layout of MNIST and Fashion-MNIST: 3 images of 2 x 3 pixels whose pixel (r, c) of image i is
/// 100 i + 10 r + c + 1, and the labels 7, 0, 9; each raw and gzip. They cover the reader without Fashion-MNIST.
/// </summary>
public sealed class IdxFixtureTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    [Theory]
    [InlineData("")]
    [InlineData(".gz")]
    public void TinyImagesAndLabelsReadAsOneImagePerColumnRawOrGzip(string suffix)
    {
        string images = Fixture("tiny-images-idx3-ubyte" + suffix), labels = Fixture("tiny-labels-idx1-ubyte" + suffix);
        Assert.Equal(suffix == ".gz", File.ReadAllBytes(images)[0] == 0x1F);
        Assert.Equal(new IdxHeader(IdxElementType.UnsignedByte, [3, 2, 3]), Idx.ReadHeader(images));
        Assert.Equal(new IdxHeader(IdxElementType.UnsignedByte, [3]), Idx.ReadHeader(labels));
        Assert.Equal(new[] { 7, 0, 9 }, Idx.ReadLabels(labels).ToArray());

        var x = Idx.ReadSamples<double>(images);
        var xf = Idx.ReadSamples<float>(images);
        Assert.Equal((6, 3), (x.Rows, x.Columns));
        Assert.Equal((6, 3), (xf.Rows, xf.Columns));
        for (int i = 0; i < 3; i++)
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 3; c++)
                {
                    double expected = 100 * i + 10 * r + c + 1;
                    Assert.Equal(expected, x[3 * r + c, i]);
                    Assert.Equal((float)expected, xf[3 * r + c, i]);
                }
    }
}
